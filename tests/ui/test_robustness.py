"""Runtime robustness of the desktop app (issue 6): what a cadre notices when things go wrong.

* a windowed build has no stdout/stderr: the app still starts, runs commands, and fails calmly;
* the log rotates instead of filling the disk;
* a bug is logged and shown in a crash dialog whose "Copy details" carries no secret;
* a second launch on the same data folder brings the first window to the front and exits.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from zhangye_desk import logging_setup
from zhangye_desk.ui.crash_reporter import CrashReporter
from zhangye_desk.ui.single_instance import server_address

REPO = Path(__file__).resolve().parents[2]
ENTRY = REPO / "packaging" / "entry.py"


def child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        ZHANGYE_DESK_NO_FIRST_RUN="1",
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=str(REPO),
    )
    return env


def run_windowed(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The packaged entry point exactly as a windowed build starts it: no stdout, no stderr."""
    code = (
        "import runpy, sys\n"
        "sys.stdout = None\n"
        "sys.stderr = None\n"
        f"sys.argv = ['zhangye-desk', *{list(args)!r}]\n"
        f"runpy.run_path({str(ENTRY)!r}, run_name='__main__')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        timeout=180,
        cwd=tmp_path,
        env=child_env(tmp_path),
    )


def test_windowed_entry_runs_without_stdout_and_stderr(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_windowed(tmp_path, "--self-test").returncode == 0
    assert run_windowed(tmp_path, "--data-dir", str(data), "status", "--json").returncode == 0
    assert (data / "zhangye-desk.sqlite3").is_file()
    # A command that fails says so through its exit code, not through a crash.
    failed = run_windowed(tmp_path, "--data-dir", str(data), "restore", "--latest")
    assert failed.returncode == 1
    assert b"Traceback" not in failed.stdout + failed.stderr


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_the_log_rotates_and_keeps_a_bounded_number_of_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging_setup, "LOG_MAX_BYTES", 20_000)
    logs = tmp_path / "logs"
    logging_setup.setup_logging(logs, console_level=logging.CRITICAL + 1)
    log = logging.getLogger("zhangye_desk.test")
    for index in range(400):
        log.info("record %d %s", index, "x" * 500)
    files = sorted(path.name for path in logs.iterdir())
    assert "zhangye-desk.log" in files and "zhangye-desk.log.1" in files
    assert len(files) == logging_setup.LOG_BACKUPS + 1  # the oldest are dropped
    assert all(path.stat().st_size <= 21_000 for path in logs.iterdir())
    assert "record 399" in (logs / "zhangye-desk.log").read_text(encoding="utf-8")


def _fail_with_a_secret() -> None:
    raise RuntimeError("push failed, Authorization: Bearer dev42.s3cr3t-value")


def test_a_bug_is_logged_and_shown_with_copyable_details_and_no_secret(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reporter = CrashReporter(tmp_path / "logs" / "zhangye-desk.log")
    try:
        _fail_with_a_secret()
    except RuntimeError as exc:
        exc_info = (type(exc), exc, exc.__traceback__)
    # Reported from inside the running event loop, like an exception in a slot.
    QTimer.singleShot(0, lambda: reporter.excepthook(*exc_info))
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert "_fail_with_a_secret" in dialog.view.toPlainText()
    assert "s3cr3t" not in dialog.details and "Bearer ***" in dialog.details
    assert "zhangye-desk.log" in dialog.message.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.details
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert critical and critical[0].exc_info is not None
    dialog.close()


def test_a_worker_thread_bug_is_shown_on_the_gui_thread(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reporter = CrashReporter(None)
    monkeypatch.setattr(threading, "excepthook", reporter.thread_excepthook)

    def work() -> None:
        raise ValueError("a bug in a background task")

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    qtbot.addWidget(reporter.dialog)
    assert "a bug in a background task" in reporter.dialog.details
    reporter.dialog.close()


def _listening(address: str) -> bool:
    """Whether the first window listens (a connection that sends nothing raises nothing)."""
    from PySide6.QtNetwork import QLocalSocket

    probe = QLocalSocket()
    probe.connectToServer(address)
    connected = probe.waitForConnected(200)
    probe.abort()
    return connected


def test_a_second_launch_raises_the_first_window_and_exits(
    qapp: QApplication, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    command = [sys.executable, "-m", "zhangye_desk.cli", "--data-dir", str(data)]
    env = child_env(tmp_path)
    first = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)  # fmt: skip
    log_file = data / "logs" / "zhangye-desk.log"
    try:
        deadline = time.monotonic() + 60
        while not _listening(server_address(data)):
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < deadline, "the first window never started listening"
            time.sleep(0.05)
        second = subprocess.run(command, env=env, cwd=REPO, capture_output=True, timeout=60)
        assert second.returncode == 0, second.stderr.decode(errors="replace")
        assert b"already open" in second.stderr
        while "bringing the window to the front" not in _read(log_file):
            assert first.poll() is None, "the first window exited"
            assert time.monotonic() < deadline, _read(log_file)
            time.sleep(0.05)
        assert first.poll() is None  # the first window is still open
    finally:
        first.terminate()
        first.wait(timeout=30)
        if first.stderr:
            first.stderr.close()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""

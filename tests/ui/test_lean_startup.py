"""The plain "open the window" launch pays only for its frame before the first paint (issue 6).

bench/startup.py measures the time; these tests pin what makes it short, so that a later
change does not quietly put it back: the command line read without argparse, no json,
datetime, dataclasses, sockets or log file before the frame is painted, and everything
deferred (log records, the pages' translations, the window icon) done once it has been.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from zhangye_desk import app, cli
from zhangye_desk.logging_setup import (
    LOG_FILENAME,
    _RotatingFileOnFirstRecord,
    release_deferred_log,
    setup_logging,
)
from zhangye_desk.paths import DataPaths
from zhangye_desk.ui.main_window import MainWindow

from .test_main_window import quit_after

# Imported by a command or once the frame is on screen, never before the first paint.
NOT_BEFORE_THE_FRAME = (
    "json",
    "datetime",
    "dataclasses",
    "logging.handlers",
    "socket",
    "multiprocessing",
    "PySide6.QtNetwork",
    "sqlite3",
    "zhangye_desk.core.store",
    "zhangye_desk.ui.crash_dialog",  # the crash dialog's widgets: only when there is a crash
)


def test_a_plain_launch_imports_only_what_the_frame_needs_before_it_is_painted(
    tmp_path: Path,
) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        ZHANGYE_DESK_NO_FIRST_RUN="1",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        **{app.EXIT_WHEN_SHOWN_ENV: "1"},
    )
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "zhangye_desk.cli", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    shown = next(i for i, line in enumerate(lines) if "window shown after" in line)
    assert any("window ready after" in line for line in lines[shown:])
    before = {
        line.split("|")[-1].strip() for line in lines[:shown] if line.startswith("import time:")
    }
    assert "zhangye_desk.ui.main_window" in before  # the listing is real
    assert sorted(before.intersection(NOT_BEFORE_THE_FRAME)) == []
    # The records held until the frame was painted reached the log file, then the rest.
    log = (data / "logs" / LOG_FILENAME).read_text(encoding="utf-8")
    assert "interface language zh_CN" in log
    assert "application font" in log
    assert "page catalogues: " in log and "sessions_zh_CN.qm" in log
    assert log.index("interface language") < log.index("page catalogues")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--data-dir", "D"],
        ["--data-dir=D"],
        ["--data-dir", "D", "--lang", "en"],
        ["--lang=zh_CN", "--data-dir", "/tmp/一个 文件夹"],
        ["--lang", "en"],
        ["--data-dir", ""],
        ["--data-dir=a=b"],
        ["--data-dir=-D"],
        ["--data-dir", "status"],
    ],
)
def test_the_window_command_line_reads_as_argparse_reads_it(argv: list[str]) -> None:
    lean = cli.window_arguments(argv)
    assert lean is not None
    parsed = cli._parser().parse_args(argv)
    assert (lean.command, lean.data_dir, lean.lang, lean.self_test) == (
        parsed.command,
        parsed.data_dir,
        parsed.lang,
        parsed.self_test,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["--help"],
        ["--version"],
        ["--self-test"],
        ["--data", "D"],  # an abbreviation: argparse's to accept
        ["--data-dir"],  # a missing value: argparse's error message
        ["--data-dir", "-1"],
        ["--data-dir", "A", "--data-dir", "B"],
        ["--lang", "fr"],
        ["--lang="],
        ["--data-dir", "D", "sync"],
        ["--", "--data-dir", "D"],
    ],
)
def test_anything_else_goes_to_argparse(argv: list[str]) -> None:
    assert cli.window_arguments(argv) is None


def test_a_bad_language_still_gets_argparses_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--lang", "fr"])  # argparse's message, unchanged
    assert exit_info.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err


@pytest.fixture
def root_logging() -> Iterator[None]:
    """setup_logging changes the root logger: take its handlers away again afterwards."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if getattr(handler, "_zhangye", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_held_log_records_reach_the_file_in_order_once_released(
    tmp_path: Path, root_logging: None
) -> None:
    setup_logging(tmp_path, defer_file=True)
    log = logging.getLogger("zhangye_desk.test")
    log.info("first")
    log.info("second")
    assert not (tmp_path / LOG_FILENAME).exists()  # nothing opened before the paint
    release_deferred_log()
    log.info("third")
    text = (tmp_path / LOG_FILENAME).read_text(encoding="utf-8")
    assert [line.split(": ", 1)[1] for line in text.splitlines()] == ["first", "second", "third"]


def test_a_warning_writes_the_held_records_at_once(
    tmp_path: Path, root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(tmp_path, defer_file=True)
    log = logging.getLogger("zhangye_desk.test")
    log.info("before the trouble")
    log.warning("the trouble")
    text = (tmp_path / LOG_FILENAME).read_text(encoding="utf-8")
    assert "INFO zhangye_desk.test: before the trouble" in text.splitlines()[0]
    assert "WARNING zhangye_desk.test: the trouble" in text.splitlines()[1]
    assert "the trouble" in capsys.readouterr().err


def test_held_log_records_are_written_when_the_process_ends(
    tmp_path: Path, root_logging: None
) -> None:
    setup_logging(tmp_path, defer_file=True)
    logging.getLogger("zhangye_desk.test").info("said before any paint")
    # What logging.shutdown() does to each handler when the interpreter exits.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _RotatingFileOnFirstRecord):
            handler.flush()
            handler.close()
    text = (tmp_path / LOG_FILENAME).read_text(encoding="utf-8")
    assert "said before any paint" in text


def test_the_pages_translations_and_the_icon_are_there_once_the_window_is_ready(
    qapp: QApplication, data_paths: DataPaths
) -> None:
    qapp.setWindowIcon(QIcon())  # an earlier test's create_application may have set it
    seen: list[tuple[str, bool]] = []

    def when_ready(window: MainWindow) -> None:
        page = window.current_page()
        assert page is not None
        seen.append((page.title(), qapp.windowIcon().isNull()))
        qapp.quit()

    def look() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        visible = [w for w in windows if w.isVisible()]
        if len(visible) != 1:
            qapp.quit()
        else:
            visible[0].ready.connect(lambda: when_ready(visible[0]))

    QTimer.singleShot(0, look)
    with quit_after(qapp, 10_000):  # fail rather than hang
        assert app.run(data_paths, "zh_CN") == 0
    assert seen == [("课堂", False)]

"""The first-run dialog: shown once, on the default data folder only, never when a folder is
given (tests, the self-test, the benchmarks, the demo); the folder chosen is remembered; the
"enrol" choice opens the enrolment dialog once the window is ready."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from zhangye_desk import paths as app_paths
from zhangye_desk.core.store import OpenStore, open_store
from zhangye_desk.paths import DATA_DIR_ENV, DataPaths
from zhangye_desk.ui import first_run
from zhangye_desk.ui.first_run import FirstRunDialog, offer_enrolment, resolve_first_run
from zhangye_desk.ui.main_window import MainWindow


@pytest.fixture
def default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The platform's default data folder, moved into the test's temp folder."""
    folder = tmp_path / "default-data"
    monkeypatch.setattr(first_run, "default_data_dir", lambda: folder)
    monkeypatch.setattr(app_paths, "default_data_dir", lambda: folder)
    pointer = tmp_path / "config" / "data-folder.txt"
    monkeypatch.setattr(app_paths, "data_dir_pointer", lambda: pointer)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(first_run.SKIP_ENV, raising=False)
    return folder


def when_modal(qtbot: QtBot, act: Callable[[QWidget], object], seen: list[str]) -> None:
    """Once a modal dialog is up (its exec() runs its own loop), record it and act on it."""

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            QTimer.singleShot(20, poll)
            return
        seen.append(widget.objectName())
        act(widget)

    QTimer.singleShot(0, poll)


def test_the_first_start_asks_once_and_remembers_the_folder_chosen(
    qtbot: QtBot, zh_app: QApplication, default_folder: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    other = tmp_path / "D盘-流动课堂"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(other))
    seen: list[str] = []

    def choose_and_enrol(widget: QWidget) -> None:
        assert isinstance(widget, FirstRunDialog)
        assert widget.folder_edit.text() == str(default_folder)
        assert widget.windowTitle() == "欢迎使用张掖流动课堂"
        widget.choose_button.click()
        widget.enrol_button.click()

    when_modal(qtbot, choose_and_enrol, seen)
    paths, enrol = resolve_first_run(DataPaths(default_folder))
    assert seen == ["first_run_dialog"]
    assert paths.root == other and enrol

    # The next start (window or command line, no folder given): the chosen folder, no dialog.
    seen.clear()
    assert app_paths.data_paths(None).root == other.resolve()
    paths, enrol = resolve_first_run(app_paths.data_paths(None))
    assert seen == [] and paths.root == other.resolve() and not enrol


def test_it_is_not_shown_for_a_given_folder_or_an_existing_store(
    zh_app: QApplication, default_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = DataPaths(tmp_path / "given")
    assert not first_run.should_ask(given)  # --data-dir, as tests and the self-test do
    assert resolve_first_run(given) == (given, False)
    assert first_run.should_ask(DataPaths(default_folder))
    monkeypatch.setenv(DATA_DIR_ENV, str(default_folder))
    assert not first_run.should_ask(DataPaths(default_folder))
    monkeypatch.delenv(DATA_DIR_ENV)
    monkeypatch.setenv(first_run.SKIP_ENV, "1")
    assert not first_run.should_ask(DataPaths(default_folder))
    monkeypatch.delenv(first_run.SKIP_ENV)
    with open_store(DataPaths(default_folder).ensure(), daily_backup=False):
        pass  # someone already has data here (an upgrade): do not ask
    assert not first_run.should_ask(DataPaths(default_folder))


def test_closing_the_dialog_means_working_without_a_server(
    qtbot: QtBot, zh_app: QApplication, default_folder: Path
) -> None:
    seen: list[str] = []
    when_modal(qtbot, lambda widget: widget.close(), seen)
    paths, enrol = resolve_first_run(DataPaths(default_folder))
    assert seen == ["first_run_dialog"]
    assert paths.root == default_folder and not enrol
    assert not first_run.should_ask(DataPaths(default_folder))


def test_enrol_opens_the_enrolment_dialog_once_the_window_is_ready(
    qtbot: QtBot, zh_app: QApplication, store: OpenStore
) -> None:
    window = MainWindow(lang="zh_CN", remember_geometry=False)
    qtbot.addWidget(window)
    offer_enrolment(window)
    seen: list[str] = []
    when_modal(qtbot, lambda widget: widget.close(), seen)
    window.show()
    window.attach_store(store)
    qtbot.waitUntil(lambda: seen == ["enrol_dialog"], timeout=10_000)
    assert window.current_key() == "sync"
    window.close()

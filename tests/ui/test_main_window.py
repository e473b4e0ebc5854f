"""The main window frame on a real store: status, language, backup, errors, startup."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from zhangye_desk import app
from zhangye_desk.core import backup, outbox
from zhangye_desk.core.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseTooNewError,
    DiskFullError,
)
from zhangye_desk.core.store import DataDirLock, OpenStore, transaction
from zhangye_desk.paths import DataPaths
from zhangye_desk.ui import i18n, i18n_build
from zhangye_desk.ui.fonts import CJK_FAMILIES
from zhangye_desk.ui.main_window import MainWindow
from zhangye_desk.ui.messages import error_message

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "screenshots" / "main_window.png"


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class MessageBoxes:
    """Records message boxes instead of showing them (a modal exec would block the test)."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []


@pytest.fixture
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> MessageBoxes:
    boxes = MessageBoxes()

    def record(box: QMessageBox) -> int:
        boxes.shown.append((box.windowTitle(), box.text()))
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", record)
    return boxes


@contextlib.contextmanager
def quit_after(qapp: QApplication, ms: int) -> Iterator[None]:
    """End the event loop after ``ms`` if the code inside has not (no timer outlives it)."""
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(qapp.quit)
    guard.start(ms)
    try:
        yield
    finally:
        guard.stop()


def add_pending_op(store: OpenStore) -> None:
    with transaction(store.db):
        outbox.append(store.db, outbox.OP_SESSION_CLOSE, {"id": "session-1", "at": 1_780_000_000})


def test_settings_page_shows_the_stores_pending_changes(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    page: Any = main_window.show_page("settings")
    assert page.pending_value.text() == "0"
    assert page.sessions_value.text() == "0"
    assert page.last_sync_value.text() == "尚未同步"

    add_pending_op(main_window.store)
    add_pending_op(main_window.store)
    main_window.ctx.data_changed.emit()
    page.refresh()

    assert page.pending_value.text() == "2"
    # The status bar follows shortly after (it is refreshed at most every STATUS_REFRESH_MS).
    qtbot.waitUntil(lambda: main_window.pending_label.text() == "待同步的更改：2 条", timeout=2000)
    folder = str(main_window.store.paths.root)
    assert page.data_dir_value.text() == folder
    assert main_window.folder_label.toolTip() == folder


def test_chinese_is_the_default_and_english_is_available(
    qtbot: QtBot, store: OpenStore, qapp: QApplication
) -> None:
    titles = {}
    menus = {}
    for lang in ("zh_CN", "en"):
        i18n.install_translators(qapp, lang)
        window = MainWindow(store, lang=lang)
        qtbot.addWidget(window)
        titles[lang] = window.windowTitle()
        menus[lang] = [action.text() for action in window.menuBar().actions()]
        window.close()
    assert titles == {"zh_CN": "张掖流动课堂", "en": "Zhangye Desk"}
    assert menus == {
        "zh_CN": ["文件(&F)", "查看(&V)", "帮助(&H)"],
        "en": ["&File", "&View", "&Help"],
    }


def test_english_window_shows_english_status(main_window_en: MainWindow) -> None:
    assert main_window_en.windowTitle() == "Zhangye Desk"
    assert main_window_en.pending_label.text() == "Unsynced changes: 0"
    assert main_window_en.sync_label.text() == "Not synced yet"
    settings: Any = main_window_en.show_page("settings")
    assert settings.last_sync_value.text() == "Not synced yet"


def test_back_up_now_writes_a_backup_and_names_it(main_window: MainWindow) -> None:
    backups = main_window.store.paths.backups
    before = set(backups.glob("*.sqlite3"))

    main_window.backup_action.trigger()

    made = set(backups.glob("*.sqlite3")) - before
    assert len(made) == 1
    written = made.pop()
    assert written.stem.endswith("-manual")
    message = main_window.statusBar().currentMessage()
    assert message == f"备份已保存：{written.name}"


def test_a_failed_backup_explains_what_to_do(
    main_window: MainWindow, message_boxes: MessageBoxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: Any, **kwargs: Any) -> Path:
        raise DiskFullError("database or disk is full")

    monkeypatch.setattr(backup, "backup_now", full_disk)
    settings: Any = main_window.show_page("settings")
    settings.backup_button.click()

    assert message_boxes.shown == [error_message(DiskFullError("x"))]
    title, text = message_boxes.shown[0]
    assert title == "磁盘已满"
    assert "腾出" in text


def test_window_fits_a_1366x768_laptop_and_remembers_its_size(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    fits = QSize(1366, 728)  # 768 less a taskbar
    for size in (main_window.minimumSize(), main_window.minimumSizeHint()):
        assert size.width() <= fits.width() and size.height() <= fits.height()
    assert main_window.frameGeometry().height() <= 768

    main_window.resize(1100, 650)
    main_window.close()
    again = MainWindow(main_window.store)
    qtbot.addWidget(again)
    assert again.size() == QSize(1100, 650)


def test_application_font_puts_a_chinese_face_first(zh_app: QApplication) -> None:
    first = zh_app.font().families()[0]
    assert first in CJK_FAMILIES
    assert zh_app.font().pointSizeF() >= 12


def test_the_zh_cn_catalogue_is_built_and_loads(qapp: QApplication) -> None:
    qm = i18n.qm_path("zh_CN")
    assert qm.is_file(), f"{qm} is missing: run `python -m zhangye_desk.ui.i18n_build`"
    loaded = i18n.install_translators(qapp, "zh_CN")
    assert qm in loaded
    assert any(path.name.startswith("qtbase_zh_CN") for path in loaded)


def test_a_missing_catalogue_is_logged_as_an_error(
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(i18n, "qm_path", lambda lang: tmp_path / f"zhangye_desk_{lang}.qm")
    with caplog.at_level("ERROR", logger="zhangye_desk.ui.i18n"):
        loaded = i18n.install_translators(qapp, "zh_CN")
    assert all(p.parent != tmp_path for p in loaded)
    assert any("missing" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    i18n.install_translators(qapp, "en")


def test_every_tr_string_is_translated() -> None:
    problems = i18n_build.check()
    assert problems == [], "\n".join(str(p) for p in problems)
    assert i18n_build.main(["--check"]) == 0


def test_check_catches_an_unfinished_message(tmp_path: Path) -> None:
    ts = tmp_path / "x.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="zh_CN">'
        "<context><name>C</name>"
        "<message><source>Done</source><translation>完成</translation></message>"
        '<message><source>New</source><translation type="unfinished"></translation></message>'
        "</context></TS>",
        encoding="utf-8",
    )
    assert [p.source for p in i18n_build.untranslated(ts)] == ["New"]


@pytest.mark.parametrize(
    "exc",
    [
        DiskFullError("database or disk is full"),
        DatabaseLockedError("another copy of Zhangye Desk is using this data folder"),
        DatabaseCorruptError("malformed", latest_backup=None),
        DatabaseCorruptError(
            "malformed",
            latest_backup=Path("/d/backups/zhangye-desk-20261101-083000-000000-daily.sqlite3"),
        ),
        DatabaseTooNewError("newer", unknown_migrations=["m099_future"]),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EACCES, "Permission denied", "/media/usb/backups"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_each_error_has_a_chinese_message(zh_app: QApplication, exc: Exception) -> None:
    title, text = error_message(exc)
    assert has_cjk(title) and has_cjk(text)
    if isinstance(exc, DatabaseCorruptError) and exc.latest_backup is not None:
        assert exc.latest_backup.name in text
        assert "恢复" in text


def test_a_locked_data_folder_gets_a_message_not_a_traceback(
    qapp: QApplication, data_paths: DataPaths, message_boxes: MessageBoxes
) -> None:
    with DataDirLock(data_paths.lock):
        assert app.run(data_paths, "zh_CN") == 1
    assert message_boxes.shown == [error_message(DatabaseLockedError("x"))]
    assert message_boxes.shown[0][0] == "数据文件夹正在被占用"


def test_run_opens_the_window_and_releases_the_folder_on_quit(
    qapp: QApplication, data_paths: DataPaths
) -> None:
    shown: list[str] = []
    ready: list[str] = []
    locked: list[bool] = []

    def when_ready(window: MainWindow) -> None:
        try:
            ready.append(window.current_key())
            # The store is open: the data folder is locked against a second copy.
            DataDirLock(data_paths.lock).acquire().release()
        except DatabaseLockedError:
            locked.append(True)
        finally:
            qapp.quit()

    def look() -> None:
        # The frame is on screen first; the store is opened once it has been painted.
        # (Windows of earlier tests may still exist, closed: only the visible one is run's.)
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        visible = [w for w in windows if w.isVisible()]
        shown.extend(w.windowTitle() for w in visible)
        if len(visible) != 1:
            qapp.quit()
        elif visible[0].is_ready():
            when_ready(visible[0])
        else:
            visible[0].ready.connect(lambda: when_ready(visible[0]))

    QTimer.singleShot(0, look)
    with quit_after(qapp, 10_000):  # fail rather than hang
        assert app.run(data_paths, "zh_CN") == 0
    assert shown == ["张掖流动课堂"]
    assert ready == ["sessions"]
    assert locked == [True]
    DataDirLock(data_paths.lock).acquire().release()


def test_run_reports_when_the_frame_is_shown_and_when_it_is_ready(
    qapp: QApplication,
    data_paths: DataPaths,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bench hook (bench/desk.py): the frame is painted before the store is opened."""
    opened_at: list[float] = []
    real_open_store = app.open_store

    def spy(paths: DataPaths) -> OpenStore:
        opened_at.append(time.perf_counter())
        return real_open_store(paths)

    monkeypatch.setattr(app, "open_store", spy)
    monkeypatch.setenv(app.EXIT_WHEN_SHOWN_ENV, "1")
    with quit_after(qapp, 10_000):  # fail rather than hang
        assert app.run(data_paths, "zh_CN") == 0
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" after ")[0] for line in lines] == [
        "zhangye-desk: window shown",
        "zhangye-desk: window ready",
    ]
    shown_ms, ready_ms = (int(line.split(" after ")[1].removesuffix(" ms")) for line in lines)
    assert shown_ms <= ready_ms
    assert len(opened_at) == 1
    DataDirLock(data_paths.lock).acquire().release()


def test_self_test_passes_and_leaves_nothing_behind(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[OpenStore] = []
    real_open_store = app.open_store

    def spy(paths: DataPaths) -> OpenStore:
        store = real_open_store(paths)
        opened.append(store)
        return store

    monkeypatch.setattr(app, "open_store", spy)
    assert app.self_test("zh_CN") == 0
    assert app.self_test("en") == 0
    assert len(opened) == 2
    for store in opened:
        assert not store.paths.root.exists()
        # The lock was released: the folder can be locked again.
        store.paths.root.mkdir(parents=True)
        DataDirLock(store.paths.lock).acquire().release()


def test_screenshot_at_1366x768(qtbot: QtBot, main_window: MainWindow, tmp_path: Path) -> None:
    """Grab the window as a laptop shows it; refresh docs/ with ZHANGYE_SCREENSHOTS=1."""
    add_pending_op(main_window.store)
    main_window.refresh_status()
    main_window.resize(1366, 768)
    qtbot.waitUntil(lambda: main_window.size() == QSize(1366, 768))
    image = main_window.grab().toImage()
    assert image.size() == QSize(1366, 768)
    assert len({image.pixel(x, 300) for x in range(0, 1366, 7)}) > 2, "the window looks blank"
    target = SCREENSHOT if os.environ.get("ZHANGYE_SCREENSHOTS") else tmp_path / "main.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(target))

"""The settings page: status summary, language, data folder, backups and restore."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QMessageBox,
    QScrollArea,
    QTableView,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from zhangye_desk import app
from zhangye_desk.core import backup, directory
from zhangye_desk.core.sessions import create_session, list_sessions
from zhangye_desk.core.store import DataDirLock, OpenStore, replica_id
from zhangye_desk.paths import DataPaths
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.main_window import LANGUAGE_KEY, MainWindow, app_settings, saved_language
from zhangye_desk.ui.pages.settings import SettingsPage, backup_rows

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class Boxes:
    """Message boxes answered without being shown (a modal exec would block the test)."""

    def __init__(self) -> None:
        self.answer = QMessageBox.StandardButton.Yes
        self.shown: list[tuple[str, str]] = []


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    recorded = Boxes()

    def exec_(box: QMessageBox) -> int:
        recorded.shown.append((box.windowTitle(), box.text()))
        return int(recorded.answer.value)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return recorded


def make_page(qtbot: QtBot, ctx: AppContext) -> SettingsPage:
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.setMinimumSize(900, 560)  # see test_sessions_page.make_page
    page.resize(1216, 700)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    return page


@pytest.fixture
def window(qtbot: QtBot, zh_app: QApplication, store: OpenStore) -> Iterator[MainWindow]:
    opened = MainWindow(store)
    qtbot.addWidget(opened)
    opened.show()
    qtbot.waitExposed(opened)
    yield opened
    opened.close()
    # After a restore the window holds a store it opened itself.
    if opened.store is not store:
        opened.store.close()


def test_the_summary_shows_what_this_laptop_holds(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    assert page.title() == "设置"
    assert page.sessions_value.text() == "12"
    assert int(page.pending_value.text().replace(",", "")) > 0
    assert page.last_sync_value.text() == "尚未同步"
    assert page.data_dir_value.text() == str(demo_store.paths.root)
    assert page.data_dir_value.isReadOnly()


def test_language_choice_is_saved_for_the_next_start(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    assert page.language_combo.currentData() == "zh_CN"
    assert not page.language_note.isVisible()
    page.language_combo.setCurrentIndex(page.language_combo.findData("en"))
    assert app_settings().value(LANGUAGE_KEY) == "en"
    assert saved_language() == "en"
    assert page.language_note.isVisible()
    assert page.language_note.text() == "重新打开程序后生效。"
    page.language_combo.setCurrentIndex(page.language_combo.findData("zh_CN"))
    assert saved_language() == "zh_CN"
    assert not page.language_note.isVisible()


def test_the_saved_language_is_used_at_start_unless_one_is_given(
    qapp: QApplication, data_paths: DataPaths
) -> None:
    app_settings().setValue(LANGUAGE_KEY, "en")
    titles: list[str] = []

    def look_and_quit() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        titles.extend(w.windowTitle() for w in windows if w.isVisible())
        qapp.quit()

    QTimer.singleShot(0, look_and_quit)
    assert app.run(data_paths) == 0
    QTimer.singleShot(0, look_and_quit)
    assert app.run(data_paths, "zh_CN") == 0  # --lang wins over the setting
    assert titles == ["Zhangye Desk", "张掖流动课堂"]
    app_settings().setValue(LANGUAGE_KEY, "klingon")  # a bad value is ignored
    assert saved_language() is None


def test_open_the_data_folder(
    zh_app: QApplication,
    store: OpenStore,
    ctx: AppContext,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    boxes: Boxes,
) -> None:
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    page = make_page(qtbot, ctx)
    page.open_folder_button.click()
    assert [url.toLocalFile() for url in opened] == [str(store.paths.root)]
    assert boxes.shown == []

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    page.open_folder_button.click()
    title, text = boxes.shown[0]
    assert title == "无法打开文件夹"
    assert str(store.paths.root) in text


def test_back_up_now_names_the_file_and_lists_it_first(
    zh_app: QApplication,
    store: OpenStore,
    ctx: AppContext,
    qtbot: QtBot,
    qtmodeltester: ModelTester,
) -> None:
    page = make_page(qtbot, ctx)
    before = page.backups_model.rowCount()
    page.backup_button.click()
    written = backup.list_backups(store.paths.db)[0]
    assert written.stem.endswith("-manual")
    assert page.backup_result.text() == f"备份已保存：{written.name}"
    assert page.backups_model.rowCount() == before + 1
    assert page.selected_backup() == written
    model = page.backups_model
    assert model.data(model.index(0, 1)) == "手动备份"
    assert model.data(model.index(0, 2)).endswith("B")  # a size in bytes, KiB …
    assert page.restore_button.isEnabled()
    qtmodeltester.check(model, force_py=True)


def test_backup_rows_read_the_kind_from_the_name(store: OpenStore) -> None:
    backup.backup_now(store.db, reason="manual")
    rows = backup_rows(store.paths.db)
    assert {row["reason"] for row in rows} == {"manual", "daily"}
    assert all(row["size"] > 0 for row in rows)


def test_restore_brings_back_the_earlier_data(
    qtbot: QtBot, window: MainWindow, store: OpenStore, boxes: Boxes
) -> None:
    db = window.store.db
    dahe = str(directory.township_by_name(db, "大河乡")["code"])
    kept = create_session(db, kind="tent", title="备份之前的课堂", township_code=dahe)
    page: Any = window.show_page("settings")
    page.backup_button.click()
    chosen = page.selected_backup()
    assert chosen is not None and chosen.stem.endswith("-manual")
    later = create_session(
        window.store.db, kind="horseback", title="备份之后的课堂", township_code=dahe
    )
    old_replica = replica_id(window.store.db)

    boxes.answer = QMessageBox.StandardButton.Cancel
    page.restore_button.click()
    assert window.store is store  # nothing happened
    assert "备份之后的课堂" in [row["title"] for row in list_sessions(store.db)]
    question_title, question = boxes.shown[-1]
    assert question_title == "从备份恢复"
    assert "另存为一份备份" in question
    assert "尚未同步" in question  # there are unsynced changes: say where they will be

    boxes.answer = QMessageBox.StandardButton.Yes
    page.restore_button.click()
    assert window.store is not store  # the frame opened the restored file
    assert window.ctx.store is window.store
    titles = [row["title"] for row in list_sessions(window.store.db)]
    assert "备份之前的课堂" in titles and "备份之后的课堂" not in titles
    assert replica_id(window.store.db) != old_replica  # a restored file is a new replica
    result_title, result = boxes.shown[-1]
    assert result_title == "已恢复备份"
    assert chosen.name in result
    safety = backup.list_backups(window.store.paths.db)
    assert any(path.stem.endswith("-before-restore") for path in safety)
    # the page lists the copy of the data as it was, and the window shows the restored data
    reasons = [
        page.backups_model.data(page.backups_model.index(r, 1))
        for r in range(page.backups_model.rowCount())
    ]
    assert "恢复前的数据" in reasons
    assert page.sessions_value.text() == "1"
    sessions: Any = window.show_page("sessions")
    assert sessions.model.find(kept) >= 0
    assert sessions.model.find(later) < 0
    # and the folder is still locked by this window
    with pytest.raises(Exception, match="another copy"):
        DataDirLock(window.store.paths.lock).acquire()

    # Going back: the copy made before the restore holds the later session again.
    before_restore = next(p for p in safety if p.stem.endswith("-before-restore"))
    window.restore_from_backup(str(before_restore))
    titles = [row["title"] for row in list_sessions(window.store.db)]
    assert "备份之后的课堂" in titles


def test_file_menu_backup_updates_the_settings_page(window: MainWindow) -> None:
    page: Any = window.show_page("settings")
    before = page.backups_model.rowCount()
    window.backup_action.trigger()
    assert page.backups_model.rowCount() == before + 1


def visible_texts(page: SettingsPage) -> list[str]:
    texts: list[str] = []
    for label in page.findChildren(QLabel):
        if label.isVisibleTo(page):
            texts.append(label.text())
    for button in page.findChildren(QAbstractButton):
        if button.isVisibleTo(page):
            texts += [button.text(), button.toolTip()]
    for view in page.findChildren(QTableView):
        model = view.model()
        texts += [
            str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
        ]
        texts += [str(model.data(model.index(r, 1))) for r in range(model.rowCount())]
    texts += [box.title() for box in page.findChildren(QGroupBox)]
    return texts


def test_english_shows_no_chinese_only_labels(
    en_app: QApplication, store: OpenStore, qtbot: QtBot, boxes: Boxes
) -> None:
    window = MainWindow(store, lang="en")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    page: Any = window.show_page("settings")
    assert page.title() == "Settings"
    page.backup_button.click()
    texts = visible_texts(page)
    assert "Backup saved:" in page.backup_result.text()
    boxes.answer = QMessageBox.StandardButton.Cancel
    page.restore_button.click()
    texts += list(boxes.shown[-1])
    page.language_combo.setCurrentIndex(page.language_combo.findData("zh_CN"))
    texts.append(page.language_note.text())
    assert page.language_note.isVisible()
    offending = [text for text in texts if CJK.search(text)]
    assert offending == []
    window.close()


def test_screenshot(
    zh_app: QApplication, demo_store: OpenStore, qtbot: QtBot, tmp_path: Path
) -> None:
    folder = SCREENSHOTS if os.environ.get("ZHANGYE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    window = MainWindow(demo_store, remember_geometry=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.size() == QSize(1366, 768))
    page: Any = window.show_page("settings")
    page.backup_button.click()
    # At 1366×768 everything fits: the scroll area (for smaller windows) shows no scroll bars
    # once the layout has taken the new backup line in.
    scroll = page.findChild(QScrollArea)
    qtbot.waitUntil(
        lambda: (
            not scroll.verticalScrollBar().isVisible()
            and not scroll.horizontalScrollBar().isVisible()
        )
    )
    image = window.grab()
    assert image.save(str(folder / "settings.png"))
    window.close()

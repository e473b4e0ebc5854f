"""The frame: navigation, Ctrl+1…6, page registry, signals between pages, last page, closing,
and the two-step start (the frame first, the store and the first page once it is painted).

Most tests put stub pages in place of the four pages other engineers write (attendance,
materials, roster, statistics), so the frame's wiring is tested on its own;
``test_all_pages_present`` checks the real registry.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from zhangye_desk.core import outbox
from zhangye_desk.core import status as core_status
from zhangye_desk.core.store import OpenStore, transaction
from zhangye_desk.core.tasks import TaskState
from zhangye_desk.ui import main_window as frame
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.main_window import MainWindow
from zhangye_desk.ui.page import Page

ALL_KEYS = ["sessions", "attendance", "materials", "roster", "statistics", "settings"]
STUB_MODULE = "tests_ui_stub_pages"


class StubPage(Page):
    """Stands in for a page another engineer writes: records refreshes and calls."""

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(ctx, parent)
        self.refreshes = 0
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        QLabel(self.key, self)

    def title(self) -> str:
        return self.key.capitalize()

    @Slot()
    def refresh(self) -> None:
        self.refreshes += 1


class AttendanceStub(StubPage):
    key = "attendance"

    def show_session(self, session_id: str) -> None:
        self.calls.append(("show_session", (session_id,)))


class MaterialsStub(StubPage):
    key = "materials"

    def open_material(self, material_id: str, session_id: str) -> None:
        self.calls.append(("open_material", (material_id, session_id)))


class RosterStub(StubPage):
    key = "roster"

    def show_person(self, person_id: str) -> None:
        self.calls.append(("show_person", (person_id,)))


class StatisticsStub(StubPage):
    key = "statistics"


def stub_entry(cls: type[StubPage]) -> frame.PageEntry:
    return frame.PageEntry(cls.key, STUB_MODULE, cls.__name__, lambda: cls.key.capitalize())


@pytest.fixture
def stub_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry with the real sessions and settings pages and stubs for the others."""
    module = types.ModuleType(STUB_MODULE)
    for cls in (AttendanceStub, MaterialsStub, RosterStub, StatisticsStub):
        setattr(module, cls.__name__, cls)
    monkeypatch.setitem(sys.modules, STUB_MODULE, module)
    real = {entry.key: entry for entry in frame.PAGE_REGISTRY}
    monkeypatch.setattr(
        frame,
        "PAGE_REGISTRY",
        (
            real["sessions"],
            stub_entry(AttendanceStub),
            stub_entry(MaterialsStub),
            stub_entry(RosterStub),
            stub_entry(StatisticsStub),
            real["settings"],
        ),
    )


def open_window(qtbot: QtBot, store: OpenStore, **kwargs: Any) -> MainWindow:
    window = MainWindow(store, **kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts only reach the active window
    return window


@pytest.fixture
def window(
    qtbot: QtBot, zh_app: QApplication, stub_pages: None, store: OpenStore
) -> Iterator[MainWindow]:
    opened = open_window(qtbot, store)
    yield opened
    opened.close()


def test_all_pages_present(qtbot: QtBot, zh_app: QApplication, store: OpenStore) -> None:
    """The real registry: every page module is there and builds."""
    window = open_window(qtbot, store)
    assert list(window.pages) == [*ALL_KEYS, "sync"]
    window.close()


def test_navigation_names_are_the_issues(
    qtbot: QtBot, zh_app: QApplication, store: OpenStore
) -> None:
    """The real pages' titles, as issue 3 names them in the navigation."""
    window = open_window(qtbot, store)
    names = {key: button.text() for key, button in window.nav_buttons.items()}
    window.close()
    assert names == {
        "sessions": "课堂",
        "attendance": "签到",
        "materials": "资料",
        "roster": "花名册",
        "statistics": "统计",
        "settings": "设置",
        "sync": "同步",
    }


def test_navigation_lists_the_pages_in_order_with_large_buttons(window: MainWindow) -> None:
    assert list(window.pages) == ALL_KEYS
    assert window.nav_buttons["sessions"].text() == "课堂"
    assert window.nav_buttons["settings"].text() == "设置"
    for button in window.nav_buttons.values():
        assert button.height() >= 48
    assert window.current_key() == "sessions"  # the first start opens the sessions page
    window.nav_buttons["settings"].click()
    assert window.current_key() == "settings"
    assert window.nav_buttons["settings"].isChecked()
    assert not window.nav_buttons["sessions"].isChecked()


def test_ctrl_1_to_6_switch_pages(qtbot: QtBot, window: MainWindow) -> None:
    keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_6]
    for key, expected in reversed(list(zip(keys, ALL_KEYS, strict=True))):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.current_key() == expected
        assert window.page_actions[expected].isChecked()
    view_menu = [action.text() for action in window.view_menu.actions()]
    assert view_menu == ["课堂", "Attendance", "Materials", "Roster", "Statistics", "设置"]


def test_a_missing_page_module_is_left_out_and_logged(
    qtbot: QtBot,
    zh_app: QApplication,
    store: OpenStore,
    stub_pages: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = list(frame.PAGE_REGISTRY)
    registry[1] = registry[1]._replace(module="zhangye_desk.ui.pages.no_such_page")
    monkeypatch.setattr(frame, "PAGE_REGISTRY", tuple(registry))
    with caplog.at_level("WARNING", logger="zhangye_desk.ui.main_window"):
        window = open_window(qtbot, store)
    assert "attendance" not in window.pages
    assert any("no_such_page" in record.getMessage() for record in caplog.records)
    # Ctrl+6 still means the settings page, Ctrl+2 does nothing.
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "settings"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "settings"
    window.ctx.open_attendance.emit("s-1")  # nowhere to go: logged, not a crash
    assert window.current_key() == "settings"
    window.close()


def test_a_page_that_imports_something_missing_is_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = frame.importlib.import_module

    def import_module(name: str) -> types.ModuleType:
        if name == "tests_ui_broken_page":  # the page exists, but a library it needs does not
            raise ModuleNotFoundError("No module named 'pdfium'", name="pdfium")
        return real_import(name)

    monkeypatch.setattr(frame.importlib, "import_module", import_module)
    broken = frame.PageEntry("broken", "tests_ui_broken_page", "BrokenPage", lambda: "Broken")
    with pytest.raises(ModuleNotFoundError):
        frame.load_page_class(broken)


def test_signals_switch_pages_and_call_them(window: MainWindow) -> None:
    ctx = window.ctx
    pages: Mapping[str, Any] = window.pages

    ctx.open_attendance.emit("session-1")
    assert window.current_key() == "attendance"
    assert pages["attendance"].calls == [("show_session", ("session-1",))]

    ctx.open_material.emit("material-1", "session-1")
    assert window.current_key() == "materials"
    assert pages["materials"].calls == [("open_material", ("material-1", "session-1"))]

    ctx.open_person.emit("person-1")
    assert window.current_key() == "roster"
    assert pages["roster"].calls == [("show_person", ("person-1",))]


def test_open_session_selects_it_on_the_sessions_page(
    demo_store: OpenStore, window: MainWindow
) -> None:
    window.show_page("settings")
    newest_closed = demo_store.db.execute(
        "SELECT id FROM session WHERE state = 'closed' ORDER BY starts_at DESC LIMIT 1"
    ).fetchone()[0]
    window.ctx.open_session.emit(newest_closed)
    page: Any = window.pages["sessions"]
    assert window.current_key() == "sessions"
    assert page.selected_id() == newest_closed


def test_a_page_is_refreshed_when_shown_after_data_changed(window: MainWindow) -> None:
    roster: Any = window.pages["roster"]
    window.show_page("roster")
    assert roster.refreshes == 1  # the first time it is shown
    window.show_page("sessions")
    window.show_page("roster")
    assert roster.refreshes == 1  # nothing changed in between

    window.show_page("sessions")
    window.ctx.data_changed.emit()
    assert roster.refreshes == 1  # not while hidden
    window.show_page("roster")
    assert roster.refreshes == 2

    # The page that wrote refreshed itself; data_changed does not refresh it again.
    window.ctx.data_changed.emit()
    window.show_page("sessions")
    window.show_page("roster")
    assert roster.refreshes == 2


def test_data_changed_refreshes_the_status_bar(
    qtbot: QtBot, window: MainWindow, store: OpenStore
) -> None:
    assert window.pending_label.text() == "待同步的更改：0 条"
    assert window.sync_label.text() == "尚未同步"
    with transaction(store.db):
        outbox.append(store.db, outbox.OP_SESSION_CLOSE, {"id": "s-1", "at": 1_780_000_000})
    window.ctx.data_changed.emit()
    # Soon after, not during the emit: the cadre's mark does not wait for the status bar.
    qtbot.waitUntil(lambda: window.pending_label.text() == "待同步的更改：1 条", timeout=2000)
    folder = str(store.paths.root)
    assert window.folder_label.toolTip() == folder


def test_a_burst_of_changes_refreshes_the_status_bar_once(
    qtbot: QtBot, window: MainWindow, store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    refreshes: list[int] = []
    real_sync_status = core_status.sync_status

    def counting(*args: Any) -> dict[str, Any]:
        refreshes.append(1)
        return real_sync_status(*args)

    monkeypatch.setattr(core_status, "sync_status", counting)
    for number in range(10):  # ten marks in quick succession
        with transaction(store.db):
            outbox.append(store.db, outbox.OP_SESSION_CLOSE, {"id": f"s-{number}", "at": 1})
        window.ctx.data_changed.emit()
    assert refreshes == []
    qtbot.waitUntil(lambda: window.pending_label.text() == "待同步的更改：10 条", timeout=2000)
    qtbot.wait(frame.STATUS_REFRESH_MS + 100)
    assert refreshes == [1]


def test_last_sync_is_shown_in_the_status_bar(window: MainWindow, store: OpenStore) -> None:
    with transaction(store.db):
        store.db.execute("UPDATE sync_state SET last_sync_at = 1780000000 WHERE id = 1")
    window.refresh_status()
    assert window.sync_label.text().startswith("上次同步：")


def test_the_last_page_is_remembered(
    qtbot: QtBot, zh_app: QApplication, stub_pages: None, store: OpenStore
) -> None:
    first = open_window(qtbot, store)
    first.show_page("statistics")
    first.close()
    again = open_window(qtbot, store)
    assert again.current_key() == "statistics"
    assert again.nav_buttons["statistics"].isChecked()
    again.close()


def test_an_unknown_remembered_page_falls_back_to_sessions(
    qtbot: QtBot, zh_app: QApplication, stub_pages: None, store: OpenStore
) -> None:
    QSettings(frame.SETTINGS_ORGANISATION, frame.SETTINGS_APPLICATION).setValue(
        frame.LAST_PAGE_KEY, "sync"
    )
    window = open_window(qtbot, store)
    assert window.current_key() == "sessions"
    window.close()


def test_file_restore_opens_the_list_of_backups(window: MainWindow) -> None:
    window.restore_action.trigger()
    settings: Any = window.pages["settings"]
    assert window.current_key() == "settings"
    assert settings.backups_view.hasFocus()
    assert settings.selected_backup() is not None  # the daily backup made at opening


def test_closing_stops_background_work(qtbot: QtBot, window: MainWindow) -> None:
    started = threading.Event()
    outcome: list[str] = []

    def work(state: TaskState) -> None:
        started.set()
        while True:
            state.check()
            threading.Event().wait(0.01)

    window.tasks.run(work, on_cancelled=lambda: outcome.append("cancelled"))
    assert started.wait(5)
    window.close()
    assert not window.tasks.busy or window.tasks.wait_for_done(0)
    qtbot.waitUntil(lambda: outcome == ["cancelled"], timeout=5000)


def test_english_frame(
    qtbot: QtBot, en_app: QApplication, stub_pages: None, store: OpenStore
) -> None:
    window = open_window(qtbot, store, lang="en")
    assert window.ctx.lang == "en"
    assert [action.text() for action in window.menuBar().actions()] == [
        "&File",
        "&View",
        "&Help",
    ]
    assert window.nav_buttons["sessions"].text() == "Sessions"
    assert window.nav_buttons["settings"].text() == "Settings"
    assert window.pending_label.text() == "Unsynced changes: 0"
    assert window.sync_label.text() == "Not synced yet"
    window.close()


def test_the_frame_is_shown_before_the_store_is_open(
    qtbot: QtBot, zh_app: QApplication, store: OpenStore
) -> None:
    """app.run shows MainWindow() at once and attaches the store after the first paint."""
    window = MainWindow(lang="zh_CN")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "张掖流动课堂"
    assert [action.text() for action in window.menuBar().actions()] == [
        "文件(&F)",
        "查看(&V)",
        "帮助(&H)",
    ]
    assert [button.text() for button in window.nav_buttons.values()] == [
        "课堂",
        "签到",
        "资料",
        "花名册",
        "统计",
        "设置",
        "同步",
    ]
    assert window.statusBar().currentMessage() == "正在打开数据…"
    # Nothing to navigate to, back up or restore yet; quitting works.
    assert not window.navigation.isEnabled()
    assert not window.backup_action.isEnabled() and not window.restore_action.isEnabled()
    assert not any(action.isEnabled() for action in window.page_actions.values())
    assert window.quit_action.isEnabled()
    assert not window.is_ready()
    assert window.show_page("settings") is None
    assert not any(window.pages.is_built(key) for key in window.pages)

    with qtbot.waitSignal(window.ready, timeout=5000):
        window.attach_store(store)
    assert window.is_ready() and window.store is store
    assert window.navigation.isEnabled() and window.backup_action.isEnabled()
    assert window.statusBar().currentMessage() == ""
    assert window.pending_label.text() == "待同步的更改：0 条"
    assert window.current_key() == "sessions"
    window.close()


def test_only_the_page_shown_is_built(qtbot: QtBot, window: MainWindow) -> None:
    assert [key for key in window.pages if window.pages.is_built(key)] == ["sessions"]
    window.nav_buttons["settings"].click()
    assert window.current_key() == "settings"
    assert [key for key in window.pages if window.pages.is_built(key)] == ["sessions", "settings"]
    assert "roster" in window.pages and not window.pages.is_built("roster")


def test_the_navigation_names_each_page_as_the_page_names_itself(
    qtbot: QtBot, qapp: QApplication, store: OpenStore
) -> None:
    """The navigation is drawn from the registry before any page exists: the two must agree."""
    from zhangye_desk.ui import i18n

    for lang in ("zh_CN", "en"):
        i18n.install_translators(qapp, lang)
        window = MainWindow(store, lang=lang, remember_geometry=False)
        qtbot.addWidget(window)
        window.pages.build_all()
        titles = {key: window.pages[key].title() for key in window.pages}
        assert titles == {key: button.text() for key, button in window.nav_buttons.items()}
        window.close()

"""The sessions page and its form, driven with the keyboard and the mouse on a real store."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QDateTime, QSize, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from zhangye_desk.core import directory, outbox
from zhangye_desk.core.sessions import create_session, get_session
from zhangye_desk.core.store import OpenStore
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.main_window import MainWindow
from zhangye_desk.ui.pages.sessions import (
    CST_ZONE,
    LAST_TOWNSHIP_KEY,
    SessionDialog,
    SessionsPage,
    cst_today,
)
from zhangye_desk.ui.table_model import RowsTableModel

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_folder(tmp_path: Path) -> Path:
    folder = SCREENSHOTS if os.environ.get("ZHANGYE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_page(qtbot: QtBot, ctx: AppContext) -> SessionsPage:
    page = SessionsPage(ctx)
    qtbot.addWidget(page)
    # Alone as a window, a page whose layout grows would push a new minimum size to the
    # window (the offscreen platform warns); in the app it sits in the frame's stack.
    page.setMinimumSize(900, 560)
    page.resize(1216, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # shortcuts only reach the active window
    page.refresh()
    return page


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type as a user would: ASCII as keys, Chinese as an input method's commit."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def township_code(store: OpenStore, name: str) -> str:
    return str(directory.township_by_name(store.db, name)["code"])


def listed(page: SessionsPage) -> list[dict[str, Any]]:
    return [dict(row) for row in page.model.rows()]


def ops(store: OpenStore, op_type: str) -> list[dict[str, Any]]:
    """The bodies of the outbox ops of one type, oldest first."""
    return [json.loads(op.body) for op in outbox.pending(store.db) if op.type == op_type]


def open_new_dialog(qtbot: QtBot, page: SessionsPage) -> SessionDialog:
    # After a dialog closes, activation returns to the page asynchronously; shortcuts only
    # reach the active window.
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.session_dialog is not None and page.session_dialog.isVisible())
    dialog = page.session_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)  # typing goes to the active window
    return dialog


def select(qtbot: QtBot, page: SessionsPage, session_id: str) -> None:
    position = page.model.find(session_id)
    assert position >= 0
    rect = page.view.visualRect(page.model.index(position, 2))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected_id() == session_id


class Questions:
    """Message boxes answered without being shown (a modal exec would block the test)."""

    def __init__(self, answer: QMessageBox.StandardButton) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str]] = []


@pytest.fixture
def answer_yes(monkeypatch: pytest.MonkeyPatch) -> Questions:
    questions = Questions(QMessageBox.StandardButton.Yes)

    def exec_(box: QMessageBox) -> int:
        questions.asked.append((box.windowTitle(), box.text()))
        return int(questions.answer.value)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return questions


# -- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_last_12_months_newest_first(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    today = cst_today()
    assert page.date_to.date() == today
    assert page.date_from.date() == today.addMonths(-12)
    rows = listed(page)
    assert len(rows) == 12  # the demo's sessions all started within the last year
    starts = [row["starts_at"] for row in rows]
    assert starts == sorted(starts, reverse=True)
    model = page.model
    first = model.index(0, 0)
    assert model.data(first) == QDateTime.fromSecsSinceEpoch(starts[0], CST_ZONE).toString(
        "yyyy-MM-dd HH:mm"
    )
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["开始时间", "类型", "课堂名称", "乡镇", "地点", "参加人数", "状态"]
    kinds = {model.data(model.index(r, 1)) for r in range(model.rowCount())}
    assert kinds <= {"帐篷课堂", "马背课堂", "集中学习", "专题党课", "主题党日", "流动宣讲"}
    assert {model.data(model.index(r, 3)) for r in range(model.rowCount())} == {"大河乡"}
    states = [model.data(model.index(r, 6)) for r in range(model.rowCount())]
    assert states[:2] == ["进行中", "进行中"] and set(states[2:]) == {"已结束"}
    assert page.view.verticalHeader().defaultSectionSize() >= 40
    # registered + unregistered headcount
    for position, row in enumerate(rows):
        shown = model.data(model.index(position, 5))
        if row["headcount_unregistered"]:
            assert shown == f"{row['registered']} + {row['headcount_unregistered']}"
        else:
            assert shown == str(row["registered"])


def test_sessions_model_passes_the_model_tester(
    zh_app: QApplication,
    demo_store: OpenStore,
    ctx: AppContext,
    qtbot: QtBot,
    qtmodeltester: ModelTester,
) -> None:
    page = make_page(qtbot, ctx)
    qtmodeltester.check(page.model, force_py=True)
    page.state_filter.setCurrentIndex(page.state_filter.findData("open"))
    qtmodeltester.check(page.model, force_py=True)


def test_columns_fit_what_they_show_without_reading_every_row(
    zh_app: QApplication,
    demo_store: OpenStore,
    ctx: AppContext,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A county's 2,000 sessions once took a third of a second to paint: every cell was read
    to size the columns. Now the fixed columns are sized from what they can hold."""
    dahe = township_code(demo_store, "大河乡")
    now = int(QDateTime.currentSecsSinceEpoch())
    for number in range(300):
        create_session(
            demo_store.db,
            kind="party_lecture",
            title=f"专题党课 {number}",
            township_code=dahe,
            starts_at=now - 3600 * (number + 1),
        )
    reads: list[int] = []
    real_data = RowsTableModel.data

    def counting(self: RowsTableModel, *args: Any) -> Any:
        reads.append(1)
        return real_data(self, *args)

    monkeypatch.setattr(RowsTableModel, "data", counting)
    page = make_page(qtbot, ctx)
    page.repaint()
    rows, columns = page.model.rowCount(), page.model.columnCount()
    assert rows == 312
    # Sizing the place column reads at most PLACE_SAMPLE_ROWS rows, painting the visible ones.
    assert len(reads) < rows * columns / 2

    metrics = page.view.fontMetrics()
    widths = {key: page.view.columnWidth(page.model.column_of(key)) for key in ("kind", "state")}
    widths["township_code"] = page.view.columnWidth(page.model.column_of("township_code"))
    kinds = [page.kind_filter.itemText(i) for i in range(1, page.kind_filter.count())]
    townships = [page.township_filter.itemText(i) for i in range(1, page.township_filter.count())]
    assert widths["kind"] > max(metrics.horizontalAdvance(text) for text in kinds)
    assert widths["township_code"] > max(metrics.horizontalAdvance(t) for t in townships)
    assert widths["state"] > metrics.horizontalAdvance("进行中")


def test_filters_narrow_the_list(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    everything = listed(page)

    page.state_filter.setCurrentIndex(page.state_filter.findData("open"))
    assert [row["state"] for row in listed(page)] == ["open", "open"]
    page.state_filter.setCurrentIndex(page.state_filter.findData("closed"))
    assert len(listed(page)) == 10

    page.state_filter.setCurrentIndex(0)
    page.kind_filter.setCurrentIndex(page.kind_filter.findData("tent"))
    tents = listed(page)
    assert tents and all(row["kind"] == "tent" for row in tents)
    assert len(tents) == sum(1 for row in everything if row["kind"] == "tent")

    page.kind_filter.setCurrentIndex(0)
    page.township_filter.setCurrentIndex(
        page.township_filter.findData(township_code(demo_store, "皇城镇"))
    )
    assert listed(page) == []
    assert page.empty_label.isVisible()
    page.township_filter.setCurrentIndex(
        page.township_filter.findData(township_code(demo_store, "大河乡"))
    )
    assert len(listed(page)) == 12
    assert not page.empty_label.isVisible()

    # A date range: only the sessions that started in it (CST days, inclusive).
    middle = everything[5]
    day = QDateTime.fromSecsSinceEpoch(middle["starts_at"], CST_ZONE).date()
    page.date_from.setDate(day)
    page.date_to.setDate(day)
    assert middle["id"] in [row["id"] for row in listed(page)]
    for row in listed(page):
        assert QDateTime.fromSecsSinceEpoch(row["starts_at"], CST_ZONE).date() == day

    page.reset_button.click()
    assert len(listed(page)) == 12
    assert page.date_to.date() == cst_today()


def test_buttons_follow_the_selected_sessions_state(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    assert not page.edit_button.isEnabled()  # nothing selected
    rows = listed(page)
    open_row = next(row for row in rows if row["state"] == "open")
    closed_row = next(row for row in rows if row["state"] == "closed")
    select(qtbot, page, closed_row["id"])
    for button in (page.edit_button, page.attendance_button, page.close_button):
        assert not button.isEnabled()
    select(qtbot, page, open_row["id"])
    for button in (page.edit_button, page.attendance_button, page.close_button):
        assert button.isEnabled()
        assert button.height() >= 40


def test_double_click_or_enter_on_an_open_session_takes_attendance(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    rows = listed(page)
    open_row = next(row for row in rows if row["state"] == "open")
    closed_row = next(row for row in rows if row["state"] == "closed")
    asked: list[str] = []
    ctx.open_attendance.connect(asked.append)

    select(qtbot, page, open_row["id"])
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert asked == [open_row["id"]]

    rect = page.view.visualRect(page.model.index(page.model.find(open_row["id"]), 2))
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert asked == [open_row["id"]] * 2

    page.attendance_button.click()
    assert asked == [open_row["id"]] * 3

    select(qtbot, page, closed_row["id"])
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert asked == [open_row["id"]] * 3  # a closed session is final


def test_select_session_opens_the_filters_for_an_old_session(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    dahe = township_code(store, "大河乡")
    old_start = int(QDateTime(QDate(2024, 3, 9).startOfDay(CST_ZONE)).toSecsSinceEpoch()) + 36000
    old = create_session(
        store.db, kind="study", title="旧课堂", township_code=dahe, starts_at=old_start
    )
    page = make_page(qtbot, ctx)
    page.kind_filter.setCurrentIndex(page.kind_filter.findData("tent"))
    assert page.model.find(old) < 0
    page.select_session(old)
    assert page.selected_id() == old
    assert page.date_from.date() == QDate(2024, 3, 9)
    assert page.kind_filter.currentData() is None


# -- new, edit, close ----------------------------------------------------------------------


def test_create_a_session_with_the_keyboard_alone(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    asked: list[str] = []
    ctx.open_attendance.connect(asked.append)
    changed: list[bool] = []
    ctx.data_changed.connect(lambda: changed.append(True))

    dialog = open_new_dialog(qtbot, page)
    assert dialog.windowTitle() == "新建课堂"
    assert dialog.kind() == "tent"  # the first-class kinds come first
    assert dialog.start_attendance_check.isChecked()
    now = QDateTime.currentDateTime().toSecsSinceEpoch()
    assert abs(dialog.starts_edit.dateTime().toSecsSinceEpoch() - now) < 120

    assert dialog.title_edit.hasFocus()
    type_text(qtbot, dialog.title_edit, "草原生态保护补助政策宣讲")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Tab)
    assert dialog.topic_combo.hasFocus()
    type_text(qtbot, dialog.topic_combo, "草原生态保护")  # the combo hands it to its line edit
    qtbot.keyClick(dialog.topic_combo, Qt.Key.Key_Tab)
    assert dialog.lecturers_edit.hasFocus()
    type_text(qtbot, dialog.lecturers_edit, "安梅花、才让卓玛")
    qtbot.keyClick(dialog.lecturers_edit, Qt.Key.Key_Tab)
    assert dialog.starts_edit.hasFocus()
    # Tab steps through the date and time sections (year … minute), then leaves the field.
    for _ in range(dialog.starts_edit.sectionCount()):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.township_combo.hasFocus()
    dahe = township_code(store, "大河乡")
    # Type-ahead in a combo needs the first character; choose with the arrow keys instead.
    while dialog.township_combo.currentData() != dahe:
        qtbot.keyClick(dialog.township_combo, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.township_combo, Qt.Key.Key_Tab)
    assert dialog.village_combo.hasFocus()
    qtbot.keyClick(dialog.village_combo, Qt.Key.Key_Down)  # the first village of 大河乡
    village = dialog.village_combo.currentData()
    assert village is not None and str(village).startswith(dahe)
    qtbot.keyClick(dialog.village_combo, Qt.Key.Key_Tab)
    type_text(qtbot, dialog.place_edit, "夏季牧场")
    qtbot.keyClick(dialog.place_edit, Qt.Key.Key_Tab)
    assert dialog.latitude_edit.hasFocus()
    qtbot.keyClicks(dialog.latitude_edit, "38.81")
    qtbot.keyClick(dialog.latitude_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.longitude_edit, "99.62")
    qtbot.keyClick(dialog.longitude_edit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: page.session_dialog is None)
    created = ops(store, outbox.OP_SESSION_CREATE)
    assert len(created) == 1
    op = created[0]
    assert op["title"] == "草原生态保护补助政策宣讲"
    assert op["kind"] == "tent"
    assert op["topic"] == "草原生态保护"
    assert op["township_code"] == dahe and op["village_code"] == village
    assert (op["latitude"], op["longitude"]) == (38.81, 99.62)
    assert op["lecturers"] == "安梅花、才让卓玛"
    # in the list, selected, and straight on to taking attendance
    assert page.selected_id() == op["id"]
    assert page.model.data(page.model.index(page.model.find(op["id"]), 2)) == op["title"]
    assert asked == [op["id"]]
    assert changed


def test_the_last_township_is_the_next_default(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    from zhangye_desk.ui.main_window import app_settings

    page = make_page(qtbot, ctx)
    mati = township_code(store, "马蹄藏族乡")
    dialog = open_new_dialog(qtbot, page)
    type_text(qtbot, dialog.title_edit, "马背课堂进牧区")
    dialog.kind_buttons["horseback"].click()
    dialog.township_combo.setCurrentIndex(dialog.township_combo.findData(mati))
    dialog.start_attendance_check.setChecked(False)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: page.session_dialog is None)
    assert app_settings().value(LAST_TOWNSHIP_KEY) == mati

    again = open_new_dialog(qtbot, page)
    assert again.township_combo.currentData() == mati
    villages = [again.village_combo.itemData(i) for i in range(1, again.village_combo.count())]
    assert villages and all(str(code).startswith(mati) for code in villages)
    again.reject()


def test_topics_already_used_are_offered(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    dialog = open_new_dialog(qtbot, page)
    topics = [dialog.topic_combo.itemText(i) for i in range(dialog.topic_combo.count())]
    used = {row["topic"] for row in listed(page)}
    assert used <= set(topics)
    assert dialog.topic_combo.currentText() == ""
    dialog.reject()


def test_a_missing_title_or_bad_coordinates_are_explained_beside_the_field(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    dialog = open_new_dialog(qtbot, page)
    before = store.db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.error_labels["title"].isVisible()
    assert dialog.error_labels["title"].text() == "请填写课堂名称。"
    assert dialog.title_edit.hasFocus()

    type_text(qtbot, dialog.title_edit, "防范电信诈骗")
    qtbot.keyClicks(dialog.latitude_edit, "138.5")
    qtbot.keyClicks(dialog.longitude_edit, "99.6")
    dialog.save_button.click()
    assert dialog.isVisible()
    assert not dialog.error_labels["title"].isVisible()
    assert dialog.error_labels["latitude"].isVisible()
    assert "-90 到 90" in dialog.error_labels["latitude"].text()
    assert dialog.latitude_edit.hasFocus()

    dialog.latitude_edit.setText("38.8")
    dialog.longitude_edit.setText("东经99")
    dialog.save_button.click()
    assert dialog.error_labels["longitude"].isVisible()

    dialog.longitude_edit.clear()  # only one of the two: say which one is missing
    dialog.save_button.click()
    assert dialog.error_labels["longitude"].isVisible()
    assert store.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == before

    dialog.latitude_edit.clear()  # neither: fine
    dialog.save_button.click()
    qtbot.waitUntil(lambda: page.session_dialog is None)
    assert len(ops(store, outbox.OP_SESSION_CREATE)) == 1


def test_edit_an_open_session(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    open_row = next(row for row in listed(page) if row["state"] == "open")
    select(qtbot, page, open_row["id"])
    qtbot.keyClick(page.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.session_dialog is not None and page.session_dialog.isVisible())
    dialog = page.session_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.windowTitle() == "编辑课堂"
    assert dialog.title_edit.text() == open_row["title"]
    assert dialog.township_combo.currentData() == open_row["township_code"]
    assert dialog.village_combo.currentData() == open_row["village_code"]
    assert not dialog.start_attendance_check.isVisible()
    asked: list[str] = []
    ctx.open_attendance.connect(asked.append)

    dialog.title_edit.selectAll()
    type_text(qtbot, dialog.title_edit, "红西路军在祁连山（第二讲）")
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.session_dialog is None)

    assert get_session(demo_store.db, open_row["id"])["title"] == "红西路军在祁连山（第二讲）"
    updates = ops(demo_store, outbox.OP_SESSION_UPDATE)
    assert updates[-1]["id"] == open_row["id"]
    assert updates[-1]["f"] == {"title": "红西路军在祁连山（第二讲）"}  # nothing else changed
    position = page.model.find(open_row["id"])
    assert page.model.data(page.model.index(position, 2)) == "红西路军在祁连山（第二讲）"
    assert asked == []  # editing does not start attendance


def test_close_a_session_after_confirming(
    zh_app: QApplication,
    demo_store: OpenStore,
    ctx: AppContext,
    qtbot: QtBot,
    answer_yes: Questions,
) -> None:
    page = make_page(qtbot, ctx)
    open_row = next(row for row in listed(page) if row["state"] == "open")
    select(qtbot, page, open_row["id"])

    answer_yes.answer = QMessageBox.StandardButton.Cancel
    page.close_button.click()
    assert get_session(demo_store.db, open_row["id"])["state"] == "open"

    answer_yes.answer = QMessageBox.StandardButton.Yes
    page.close_button.click()
    title, text = answer_yes.asked[-1]
    assert title == "结束课堂"
    assert open_row["title"] in text and "不能再修改" in text
    assert get_session(demo_store.db, open_row["id"])["state"] == "closed"
    assert ops(demo_store, outbox.OP_SESSION_CLOSE)[-1]["id"] == open_row["id"]
    assert page.selected_id() == open_row["id"]
    position = page.model.find(open_row["id"])
    assert page.model.data(page.model.index(position, 6)) == "已结束"
    assert not page.edit_button.isEnabled()
    assert not page.close_button.isEnabled()
    assert not page.attendance_button.isEnabled()


# -- English and screenshots ---------------------------------------------------------------


def visible_texts(root: QWidget, data_widgets: tuple[str, ...] = ()) -> list[str]:
    """Texts of visible labels and buttons, and table headers (not data cells)."""
    texts: list[str] = []
    for label in root.findChildren(QLabel):
        if label.isVisibleTo(root) and not label.objectName().startswith(data_widgets):
            texts.append(label.text())
    for button in root.findChildren(QAbstractButton):
        if button.isVisibleTo(root):
            texts += [button.text(), button.toolTip()]
    for edit in root.findChildren(QLineEdit):
        if edit.isVisibleTo(root):
            texts += [edit.placeholderText(), edit.toolTip()]
    for view in root.findChildren(QTableView):
        model = view.model()
        texts += [
            str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
        ]
    return texts


def test_english_shows_no_chinese_only_labels(
    en_app: QApplication, demo_store: OpenStore, qtbot: QtBot
) -> None:
    window = MainWindow(demo_store, lang="en")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    page: Any = window.show_page("sessions")
    assert page.title() == "Sessions"
    texts = visible_texts(page)
    model = page.model
    texts += [str(model.data(model.index(r, 1))) for r in range(model.rowCount())]  # kinds
    texts += [str(model.data(model.index(r, 6))) for r in range(model.rowCount())]  # states
    texts += [page.kind_filter.itemText(i) for i in range(page.kind_filter.count())]
    texts += [page.state_filter.itemText(i) for i in range(page.state_filter.count())]
    texts += [page.township_filter.itemText(i) for i in range(page.township_filter.count())]
    assert "Dahe Township" in texts  # township names in English where the directory has them

    page.new_session()
    dialog = page.session_dialog
    assert dialog is not None
    texts += visible_texts(dialog) + [dialog.windowTitle()]
    assert "e.g. 38.81" in texts
    dialog.save_button.click()  # no title
    texts += [dialog.error_labels["title"].text()]
    assert dialog.error_labels["title"].text() == "Enter a title for the session."
    dialog.reject()
    offending = [text for text in texts if CJK.search(text)]
    assert offending == []
    window.close()


def test_screenshots(
    zh_app: QApplication, demo_store: OpenStore, qtbot: QtBot, tmp_path: Path
) -> None:
    folder = screenshot_folder(tmp_path)
    window = MainWindow(demo_store, remember_geometry=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.size() == QSize(1366, 768))
    page: Any = window.show_page("sessions")
    page.select_session(listed(page)[0]["id"])
    assert window.grab().save(str(folder / "sessions.png"))

    page.new_session()
    dialog = page.session_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    type_text(qtbot, dialog.title_edit, "草原生态保护补助奖励政策解读")
    dialog.topic_combo.setEditText("草原生态保护")
    dialog.place_edit.setText("光华村夏季牧场")
    dialog.latitude_edit.setText("38.92")
    dialog.longitude_edit.setText("99.31")
    dialog.lecturers_edit.setText("安梅花、才让卓玛")
    image = dialog.grab()
    assert image.width() <= 1366 and image.height() <= 728
    assert image.save(str(folder / "session_dialog.png"))
    dialog.reject()
    window.close()

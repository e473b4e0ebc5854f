"""The attendance page, driven the way a cadre in a tent uses it: find people by characters,
full pinyin and initials, mark them with a tap, Enter and the shortcuts, undo, add walk-ins,
count those not on the roster — and the outbox ops all of that leaves behind."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from zhangye_desk.core import attendance, directory, people
from zhangye_desk.core.errors import DiskFullError
from zhangye_desk.core.sessions import close_session, create_session
from zhangye_desk.core.store import OpenStore
from zhangye_desk.core.vocab import PARTY_MEMBER_STATUSES
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.pages import attendance as attendance_page
from zhangye_desk.ui.pages.attendance import (
    COL_ACTION,
    COL_STATUS,
    COL_VILLAGE,
    ROSTER_LIMIT,
    AttendancePage,
)

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DAHE = "大河乡"
KANGLE = "620721102"


# --- helpers ------------------------------------------------------------------------------------


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type as a user does: Latin letters as key presses, Chinese as an input method's commit
    (how a Chinese IME delivers the characters chosen; QTest only knows ASCII keys)."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def make_page(qtbot: QtBot, ctx: AppContext) -> AttendancePage:
    page = AttendancePage(ctx)
    qtbot.addWidget(page)
    # As a window of its own a page would push its minimum size to the window, which the
    # offscreen platform warns about; in the app it sits in the frame's stack.
    page.setMinimumSize(640, 480)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # shortcuts only reach the active window
    return page


def ops(store: OpenStore, kind: str) -> list[dict[str, Any]]:
    rows = store.db.execute(
        "SELECT body FROM outbox WHERE type = ? ORDER BY seq", [kind]
    ).fetchall()
    return [json.loads(body) for (body,) in rows]


def marks_for(store: OpenStore, session_id: str) -> list[tuple[str, str]]:
    return [(op["p"], op["st"]) for op in ops(store, "attendance.mark") if op["s"] == session_id]


def shown_session(page: AttendancePage) -> dict[str, Any]:
    session = page.current_session()
    assert session is not None
    return session


def attended_names(page: AttendancePage) -> list[tuple[str, str]]:
    return [(str(r["name"]), str(r["status"])) for r in page.attended_model.rows()]


def result_ids(page: AttendancePage) -> list[str]:
    return [str(r["id"]) for r in page.results_model.rows()]


def click_mark_button(qtbot: QtBot, page: AttendancePage, position: int) -> None:
    """Tap the big 到 button of the results' row ``position``."""
    view = page.results_view
    index = page.results_model.index(position, page.results_model.column_of(COL_ACTION))
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def unique_people(store: OpenStore, township_code: str, count: int) -> list[dict[str, Any]]:
    """People of the township whose name, full pinyin and initials are each unique in the
    county, so that typing them finds exactly them first."""
    rows = store.db.execute(
        """
        SELECT id, pinyin_full, pinyin_initials FROM person p
         WHERE township_code = ? AND deleted = 0
           AND (SELECT count(*) FROM person q WHERE q.name_norm = p.name_norm) = 1
           AND (SELECT count(*) FROM person q WHERE q.pinyin_initials = p.pinyin_initials) = 1
           AND instr(p.pinyin_full, ' ') = 0 AND length(p.name_norm) >= 3
         ORDER BY p.id LIMIT ?
        """,
        [township_code, count],
    ).fetchall()
    assert len(rows) == count, "the demo roster has too few distinctive names"
    return [
        {**people.get_person(store.db, person_id), "pinyin_full": full, "pinyin_initials": initials}
        for person_id, full, initials in rows
    ]


@pytest.fixture
def dahe(demo_store: OpenStore) -> str:
    return str(directory.township_by_name(demo_store.db, DAHE)["code"])


@pytest.fixture
def session_id(demo_store: OpenStore, dahe: str) -> str:
    village = directory.villages(demo_store.db, dahe)[0]["code"]
    return create_session(
        demo_store.db,
        kind="tent",
        title="学党史 感党恩 跟党走",
        township_code=dahe,
        village_code=village,
        place_name="夏季牧场",
    )


@pytest.fixture
def page(qtbot: QtBot, zh_app: QApplication, ctx: AppContext, session_id: str) -> AttendancePage:
    shown = make_page(qtbot, ctx)
    shown.show_session(session_id)
    return shown


class Errors:
    """Records what the page would show with messages.show_error (a modal box)."""

    def __init__(self) -> None:
        self.shown: list[BaseException] = []


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[Errors]:
    recorded = Errors()
    monkeypatch.setattr(
        attendance_page, "show_error", lambda parent, exc: recorded.shown.append(exc)
    )
    yield recorded


# --- the flow ----------------------------------------------------------------------------


def test_taking_attendance_at_a_tent_classroom(
    qtbot: QtBot, page: AttendancePage, demo_store: OpenStore, session_id: str, dahe: str
) -> None:
    db = demo_store.db
    # Shown: the session, zero counters, the search box focused over the township's roster.
    assert "帐篷课堂" in page.session_title.text()
    assert "学党史 感党恩 跟党走" in page.session_title.text()
    assert "大河乡" in page.session_details.text() and "进行中" in page.session_details.text()
    assert page.search_box.hasFocus()
    roster = page.results_model.rows()
    assert len(roster) == min(ROSTER_LIMIT, 300)
    assert {r["township_code"] for r in roster} == {dahe}
    assert [page.present_counter.value.text(), page.total_counter.value.text()] == ["0", "0"]
    assert "大河乡名册" in page.results_caption.text()

    first, second, third, fourth = unique_people(demo_store, dahe, 4)

    # 1. By characters; a tap on the row's 到 button.
    type_text(qtbot, page.search_box, str(first["name"]))
    assert result_ids(page)[0] == first["id"]
    click_mark_button(qtbot, page, 0)
    assert attendance.effective_status(db, session_id, first["id"]) == "present"
    assert page.results_model.row(0)[COL_STATUS] == "present"
    assert page.status_line.text() == f"已记录：{first['name']} 已到"
    # The text stays, selected, so the next name typed replaces it.
    assert page.search_box.hasFocus() and page.search_box.selectedText() == first["name"]

    # 2. By full pinyin; Enter.
    full = str(second["pinyin_full"])
    type_text(qtbot, page.search_box, full)
    assert page.search_box.text() == full
    assert result_ids(page)[0] == second["id"]
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert attendance.effective_status(db, session_id, second["id"]) == "present"

    # 3. By initials, Down/Up to the right row if a namesake comes first; Ctrl+L = late.
    type_text(qtbot, page.search_box, str(third["pinyin_initials"]))
    position = result_ids(page).index(third["id"])
    for _ in range(position + 1):
        qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Up)
    assert page.search_box.hasFocus()
    assert page.results_view.currentIndex().row() == position
    qtbot.keyClick(page.search_box, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert attendance.effective_status(db, session_id, third["id"]) == "late"
    assert page.search_box.text() == third["pinyin_initials"]  # Ctrl+L did not reach the text

    assert attended_names(page) == [
        (third["name"], "late"),
        (second["name"], "present"),
        (first["name"], "present"),
    ]
    members = sum(p["political_status"] in PARTY_MEMBER_STATUSES for p in (first, second, third))
    assert page.present_counter.value.text() == "3"
    assert page.members_counter.value.text() == str(members)
    assert page.attended_caption.text() == "已签到 3 人"

    # 4. Undo (Ctrl+Z, even with the focus in the search box): the late mark goes.
    qtbot.keyClick(page.search_box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert attendance.effective_status(db, session_id, third["id"]) == "removed"
    assert page.status_line.text() == f"已撤销：{third['name']} 迟到"
    assert page.present_counter.value.text() == "2"
    assert [name for name, _ in attended_names(page)] == [second["name"], first["name"]]
    row = page.results_model.row(page.results_model.find(third["id"]))
    assert row[COL_STATUS] is None

    # 5. A walk-in, without leaving the screen.
    newcomer = "阿拉坦其其格"
    assert people.likely_duplicates(db, newcomer, None, dahe) == []
    people_before = db.execute("SELECT count(*) FROM person").fetchone()[0]
    qtbot.keyClick(page.search_box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = page.walk_in_form
    assert page.side.currentWidget() is form and form.name_edit.hasFocus()
    type_text(qtbot, form.name_edit, newcomer)
    form.gender_combo.setCurrentIndex(form.gender_combo.findData("F"))
    form.birth_year_spin.setValue(1990)
    form.political_combo.setCurrentIndex(form.political_combo.findData("member"))
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert page.side.currentIndex() == 0
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] == people_before + 1
    (walk_in,) = [op for op in ops(demo_store, "person.create") if op["name"] == newcomer]
    assert walk_in["township_code"] == dahe and walk_in["birth_year"] == 1990
    assert walk_in["village_code"] == shown_session(page)["village_code"]
    assert attended_names(page)[0] == (newcomer, "present")
    assert page.present_counter.value.text() == "3"
    assert page.status_line.text() == f"已添加临时参加人员并签到：{newcomer}"

    # 6. A walk-in who is in fact on the roster: the page offers to mark that person instead.
    qtbot.keyClick(page.search_box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, form.name_edit, str(fourth["name"]))
    if fourth["birth_year"]:
        form.birth_year_spin.setValue(int(fourth["birth_year"]))
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert form.duplicates_box.isVisible()
    assert [r["id"] for r in form.duplicates_model.rows()] == [fourth["id"]]
    assert "已有 1 个同名的人" in form.duplicates_label.text()
    qtbot.mouseClick(form.mark_duplicate_button, Qt.MouseButton.LeftButton)
    assert page.side.currentIndex() == 0
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] == people_before + 1
    assert attendance.effective_status(db, session_id, fourth["id"]) == "present"
    assert page.present_counter.value.text() == "4"

    # 7. People not on the roster, only counted: + three times, − once, then typed.
    for _ in range(3):
        qtbot.mouseClick(page.headcount_plus, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.headcount_minus, Qt.MouseButton.LeftButton)
    assert page.headcount_spin.value() == 2
    assert page.total_counter.value.text() == "6"
    page.headcount_spin.setFocus()
    page.headcount_spin.selectAll()
    qtbot.keyClicks(page.headcount_spin, "5")
    qtbot.keyClick(page.headcount_spin, Qt.Key.Key_Return)
    assert page.total_counter.value.text() == "9"
    assert page.present_counter.value.text() == "4"

    # The outbox holds every change, in order, ready to sync.
    newcomer_id = walk_in["id"]
    assert marks_for(demo_store, session_id) == [
        (first["id"], "present"),
        (second["id"], "present"),
        (third["id"], "late"),
        (third["id"], "removed"),
        (newcomer_id, "present"),
        (fourth["id"], "present"),
    ]
    headcounts = [
        op["f"]["headcount_unregistered"]
        for op in ops(demo_store, "session.update")
        if op["id"] == session_id
    ]
    assert headcounts == [1, 2, 3, 2, 5]


def test_a_mark_updates_the_row_in_place(
    qtbot: QtBot, page: AttendancePage, demo_store: OpenStore, session_id: str
) -> None:
    """Ticking people off the township's roster keeps the list where it is."""
    view = page.results_view
    target = 120
    for _ in range(target):
        qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0 and view.currentIndex().row() == target
    person = page.results_model.row(target)
    with qtbot.assertNotEmitted(page.results_model.modelReset):
        qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert attendance.effective_status(demo_store.db, session_id, person["id"]) == "present"
    assert view.currentIndex().row() == target
    assert view.verticalScrollBar().value() == scrolled
    assert page.results_model.row(target)[COL_STATUS] == "present"
    # Enter again on the same row changes nothing and says so.
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert marks_for(demo_store, session_id) == [(person["id"], "present")]
    assert page.status_line.text() == f"{person['name']} 已经签到：已到"


def test_search_covers_the_county_with_the_session_township_first(
    qtbot: QtBot, page: AttendancePage, demo_store: OpenStore, dahe: str
) -> None:
    (local,) = unique_people(demo_store, dahe, 1)
    elsewhere = people.add_person(
        demo_store.db, name=str(local["name"]), township_code=KANGLE, birth_year=1970
    )
    type_text(qtbot, page.search_box, str(local["name"]))
    rows = page.results_model.rows()
    assert [r["id"] for r in rows[:2]] == [local["id"], elsewhere]
    assert rows[1][COL_VILLAGE].startswith("康乐镇")
    assert not rows[0][COL_VILLAGE].startswith("大河乡")
    # Nobody found: the caption says how to add the person as a walk-in.
    page.search_box.clear()
    type_text(qtbot, page.search_box, "qqqq")
    assert page.results_model.rowCount() == 0
    assert "临时参加人员" in page.results_caption.text()


def test_keyboard_only(
    qtbot: QtBot, page: AttendancePage, demo_store: OpenStore, session_id: str, dahe: str
) -> None:
    """Everything a cadre needs without touching the mouse."""
    person, other = unique_people(demo_store, dahe, 2)
    box = page.search_box
    type_text(qtbot, box, str(person["pinyin_initials"]))
    qtbot.keyClick(box, Qt.Key.Key_Return)  # present
    qtbot.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # left early
    assert attendance.effective_status(demo_store.db, session_id, person["id"]) == "left_early"
    qtbot.keyClick(box, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)  # mark removed
    assert attendance.effective_status(demo_store.db, session_id, person["id"]) == "removed"
    assert page.status_line.text() == f"已取消签到：{person['name']}"
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # back to left early
    assert attendance.effective_status(demo_store.db, session_id, person["id"]) == "left_early"
    # Escape clears the box; the township's roster is back.
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "" and page.results_model.rowCount() == min(ROSTER_LIMIT, 300)
    # A typed name, then a walk-in form filled field by field with Tab, added with Enter.
    type_text(qtbot, box, str(other["pinyin_full"]))
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClick(box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = page.walk_in_form
    type_text(qtbot, form.name_edit, "巴图孟和")
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Tab)
    assert form.gender_combo.hasFocus()
    qtbot.keyClick(form.gender_combo, Qt.Key.Key_Down)  # the first gender after "not given"
    qtbot.keyClick(form.gender_combo, Qt.Key.Key_Tab)
    assert form.birth_year_spin.hasFocus()
    qtbot.keyClicks(form.birth_year_spin, "1975")
    form.name_edit.setFocus()
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Return)
    assert page.side.currentIndex() == 0 and box.hasFocus()
    (walk_in,) = [op for op in ops(demo_store, "person.create") if op["name"] == "巴图孟和"]
    assert walk_in["birth_year"] == 1975 and walk_in["gender"] in ("M", "F")
    # The walk-in form closes without adding anyone: Escape, or Space on Cancel.
    people_before = demo_store.db.execute("SELECT count(*) FROM person").fetchone()[0]
    qtbot.keyClick(box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, form.name_edit, "不来了")
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Escape)
    assert page.side.currentIndex() == 0 and box.hasFocus()
    qtbot.keyClick(box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form.cancel_button.setFocus()
    qtbot.keyClick(form.cancel_button, Qt.Key.Key_Space)
    assert page.side.currentIndex() == 0 and box.hasFocus()
    assert demo_store.db.execute("SELECT count(*) FROM person").fetchone()[0] == people_before
    # Tab from the buttons reaches the headcount; typing a number and Enter counts it.
    page.walk_in_button.setFocus()
    qtbot.keyClick(page.walk_in_button, Qt.Key.Key_Tab)
    assert page.headcount_spin.hasFocus()
    page.headcount_spin.selectAll()
    qtbot.keyClicks(page.headcount_spin, "7")
    qtbot.keyClick(page.headcount_spin, Qt.Key.Key_Return)
    assert shown_session(page)["headcount_unregistered"] == 7
    # Ctrl+F brings the cursor back to the search box.
    qtbot.keyClick(page.headcount_spin, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert box.hasFocus()
    assert [status for _, status in marks_for(demo_store, session_id)] == [
        "present",
        "left_early",
        "removed",
        "left_early",
        "present",
        "present",
    ]


def test_a_closed_session_is_read_only(
    qtbot: QtBot,
    zh_app: QApplication,
    ctx: AppContext,
    demo_store: OpenStore,
    session_id: str,
    dahe: str,
) -> None:
    (person,) = unique_people(demo_store, dahe, 1)
    attendance.mark_present(demo_store.db, session_id, person["id"])
    close_session(demo_store.db, session_id)
    page = make_page(qtbot, ctx)
    page.show_session(session_id)
    assert page.closed_note.isVisible()
    assert "已经结束" in page.closed_note.text()
    for button in (page.present_button, page.late_button, page.undo_button, page.walk_in_button):
        assert not button.isEnabled()
    assert not page.headcount_spin.isEnabled()
    assert attended_names(page) == [(person["name"], "present")]
    # Search still works; marking does not, and says why.
    type_text(qtbot, page.search_box, "a")
    before = marks_for(demo_store, session_id)
    unmarked = next(p for p, row in enumerate(page.results_model.rows()) if row[COL_STATUS] is None)
    click_mark_button(qtbot, page, unmarked)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.search_box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert marks_for(demo_store, session_id) == before
    assert page.side.currentIndex() == 0
    assert "已经结束" in page.status_line.text()


def test_a_session_closed_elsewhere_turns_read_only_with_a_message(
    qtbot: QtBot, page: AttendancePage, demo_store: OpenStore, session_id: str, errors: Errors
) -> None:
    close_session(demo_store.db, session_id)  # e.g. on the sessions page, meanwhile
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert [type(e).__name__ for e in errors.shown] == ["SessionClosedError"]
    assert page.closed_note.isVisible() and not page.present_button.isEnabled()


def test_a_full_disk_is_shown_and_nothing_changes(
    qtbot: QtBot,
    page: AttendancePage,
    demo_store: OpenStore,
    session_id: str,
    errors: Errors,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full(*args: Any, **kwargs: Any) -> None:
        raise DiskFullError("database or disk is full")

    monkeypatch.setattr(attendance_page.attendance, "mark", full)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert [type(e).__name__ for e in errors.shown] == ["DiskFullError"]
    assert page.present_counter.value.text() == "0"
    assert page.results_model.row(0)[COL_STATUS] is None


def test_without_a_session_the_open_sessions_are_offered(
    qtbot: QtBot, zh_app: QApplication, ctx: AppContext, session_id: str
) -> None:
    page = make_page(qtbot, ctx)
    assert page.stack.currentIndex() == 0
    button = page.findChild(QAbstractButton, f"choose_{session_id}")
    assert button is not None and "学党史" in button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert page.stack.currentIndex() == 1 and page.session_id == session_id


def test_models_pass_the_model_tester(
    qtbot: QtBot,
    page: AttendancePage,
    qtmodeltester: ModelTester,
    demo_store: OpenStore,
    dahe: str,
) -> None:
    type_text(qtbot, page.search_box, "zm")
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtmodeltester.check(page.results_model, force_py=True)
    qtmodeltester.check(page.attended_model, force_py=True)
    (person,) = unique_people(demo_store, dahe, 1)
    page.start_walk_in()
    page.walk_in_form.name_edit.setText(str(person["name"]))
    page.walk_in_form.add_requested.emit()
    assert page.walk_in_form.duplicates_model.rowCount() == 1
    qtmodeltester.check(page.walk_in_form.duplicates_model, force_py=True)


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(object name, text) of every label, button, placeholder, tooltip and combo item."""
    texts: list[tuple[str, str]] = []
    for widget in [root, *root.findChildren(QWidget)]:
        name = widget.objectName()
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append((name, widget.text()))
        if isinstance(widget, QLineEdit):
            texts.append((name, widget.placeholderText()))
        if isinstance(widget, QComboBox):
            texts += [(name, widget.itemText(i)) for i in range(widget.count())]
        texts.append((name, widget.toolTip()))
    for view in root.findChildren(QTableView):
        model = view.model()
        texts += [
            (view.objectName(), str(model.headerData(c, Qt.Orientation.Horizontal)))
            for c in range(model.columnCount())
        ]
    return texts


def test_english_shows_no_chinese_only_labels(
    qtbot: QtBot, en_app: QApplication, ctx: AppContext, session_id: str, demo_store: OpenStore
) -> None:
    ctx.lang = "en"
    page = make_page(qtbot, ctx)
    chooser = visible_texts(page)
    page.show_session(session_id)
    qtbot.keyClicks(page.search_box, "zm")
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    page.start_walk_in()
    assert page.title() == "Attendance"
    # Names, titles and places come from the data and may be Chinese; the rest may not.
    data = {"session_title", "session_details", "status_line", "walk_in_village"}
    offending = [
        (name, text)
        for name, text in chooser + visible_texts(page)
        if CJK.search(text) and name not in data and not name.startswith("choose_")
    ]
    assert offending == []
    assert "Dahe" in page.session_details.text()
    assert page.results_caption.text().endswith("this township first.")
    assert page.status_line.text().startswith("Recorded: ")


def test_screenshot(
    qtbot: QtBot, page: AttendancePage, demo_store: OpenStore, dahe: str, tmp_path: Path
) -> None:
    """The page at 1366×768 in Chinese, mid-session (into docs/ with ZHANGYE_SCREENSHOTS=1)."""
    for person in unique_people(demo_store, dahe, 6):
        page.search_box.selectAll()
        type_text(qtbot, page.search_box, str(person["name"]))
        qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.keyClick(page.search_box, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    for _ in range(4):
        qtbot.mouseClick(page.headcount_plus, Qt.MouseButton.LeftButton)
    page.search_box.selectAll()
    type_text(qtbot, page.search_box, "zm")
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    target = (
        SCREENSHOTS / "attendance.png"
        if os.environ.get("ZHANGYE_SCREENSHOTS") == "1"
        else tmp_path / "attendance.png"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    assert page.size().width() == 1366 and page.size().height() == 768
    assert page.grab().save(str(target))
    assert target.stat().st_size > 10_000
    # Nothing important is cut off: the buttons' texts fit.
    for button in (page.walk_in_button, page.unmark_button, page.present_button):
        metrics = button.fontMetrics()
        assert metrics.horizontalAdvance(button.text()) < button.width()


def test_typing_does_not_use_up_references_to_none(qtbot: QtBot, page: AttendancePage) -> None:
    """A cadre types thousands of keys a day; the process must be able to keep going.

    PySide6 6.12.0 on Python 3.11 took a reference to None away on every void C++ call and
    the window aborted (none_dealloc) after ~1,500 keystrokes; we pin 6.11.
    """
    # Warm up first: replacing the township's 200-row listing by 50 results frees rows that
    # held Nones (unknown birth years …), which is not a leak.
    page.search_box.selectAll()
    qtbot.keyClicks(page.search_box, "zhuoma")
    before = sys.getrefcount(None)
    for _ in range(20):
        page.search_box.selectAll()
        qtbot.keyClicks(page.search_box, "zhuoma")
    # The rows shown hold some Nones (unknown birth years …): that only adds references.
    assert sys.getrefcount(None) - before > -20

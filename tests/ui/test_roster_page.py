"""The roster page, driven like a cadre would: search, select, add and edit people."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton, QTableView, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from zhangye_desk.core import attendance, directory, people, sessions
from zhangye_desk.core.search_keys import normalise_query, search_keys
from zhangye_desk.core.store import OpenStore
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.pages.roster import LIST_LIMIT, PersonDialog, RosterPage, find_people

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def make_page(qtbot: QtBot, ctx: AppContext) -> RosterPage:
    page = RosterPage(ctx)
    qtbot.addWidget(page)
    # Shown as a window of its own, a page whose layout grows would push a new minimum size
    # to the window, which Qt's offscreen platform warns about; in the app it sits in the
    # frame's stack. An explicit minimum keeps the layout from setting one.
    page.setMinimumSize(640, 480)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # shortcuts only reach the active window
    page.refresh()
    return page


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type ``text`` as a user would: Latin letters as keys, Chinese as an input method's
    commit (QTest can only press keys of the ASCII keyboard)."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def township_code(store: OpenStore, name: str) -> str:
    return str(directory.township_by_name(store.db, name)["code"])


def listed_names(page: RosterPage) -> list[str]:
    return [str(row["name"]) for row in page.model.rows()]


def matches(name: str, query: str) -> bool:
    keys = search_keys(name)
    q = normalise_query(query)
    return q in keys.name_norm or q in keys.pinyin_full or q in keys.pinyin_initials


def counts(store: OpenStore) -> tuple[int, int]:
    """(people, outbox ops): a refused form must change neither."""
    people_count = store.db.execute("SELECT count(*) FROM person").fetchone()[0]
    ops = store.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    return people_count, ops


def open_add_dialog(qtbot: QtBot, page: RosterPage) -> PersonDialog:
    page.search_edit.setFocus()
    qtbot.keyClick(page.search_edit, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.person_dialog is not None and page.person_dialog.isVisible())
    assert page.person_dialog is not None
    return page.person_dialog


def test_the_list_shows_the_first_200_and_filters_narrow_it(
    zh_app: QApplication,
    demo_store: OpenStore,
    ctx: AppContext,
    qtbot: QtBot,
    qtmodeltester: ModelTester,
) -> None:
    page = make_page(qtbot, ctx)
    assert page.model.rowCount() == LIST_LIMIT  # 300 people in the demo
    assert "显示前 200 人" in page.note_label.text()
    qtmodeltester.check(page.model, force_py=True)  # stays connected: checks every reset below
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "姓名"

    dahe = township_code(demo_store, "大河乡")
    page.township_combo.setCurrentIndex(page.township_combo.findData(dahe))
    assert all(row["township_code"] == dahe for row in page.model.rows())

    # filtering by political status reads a wider window: that runs on a worker
    page.political_combo.setCurrentIndex(page.political_combo.findData("member"))
    assert page.searching
    assert page.note_label.text() == "正在查找…"
    qtbot.waitUntil(lambda: not page.searching)
    members = page.model.rows()
    assert 0 < len(members) < LIST_LIMIT
    assert all(row["political_status"] == "member" for row in members)
    assert "显示前" not in page.note_label.text()
    assert page.model.data(page.model.index(0, page.model.column_of("political_status"))) == "党员"
    assert any(row["phone"] for row in members)  # read for the list (search rows lack it)

    page.township_combo.setCurrentIndex(0)  # 全县
    assert page.township_combo.currentText() == "全县"
    qtbot.waitUntil(lambda: not page.searching)
    county_members = people.search_people(demo_store.db, "", limit=10_000)
    expected = sorted(r["id"] for r in county_members if r["political_status"] == "member")
    assert sorted(row["id"] for row in page.model.rows()) == expected


def test_search_by_characters_full_pinyin_and_initials_narrows_the_list(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    dahe = township_code(demo_store, "大河乡")
    target = people.add_person(demo_store.db, name="安梅花", township_code=dahe, birth_year=1971)
    page = make_page(qtbot, ctx)
    everyone = page.model.rowCount()

    for query in ("安梅", "anmeihua", "amh"):
        page.search_edit.clear()
        type_text(qtbot, page.search_edit, query)
        names = listed_names(page)
        assert 0 < len(names) < everyone, query
        assert page.model.find(target) >= 0, query
        assert all(matches(name, query) for name in names), (query, names)
        assert "安梅花" == names[0], query  # exact and prefix matches rank first

    page.search_edit.clear()
    type_text(qtbot, page.search_edit, "zzzzqqq")
    assert page.model.rowCount() == 0
    assert "没有" in page.note_label.text()
    # search_people with a township ranks it first but does not filter: the page filters
    assert find_people(demo_store.db, "a", township_code=dahe)[0]
    assert all(
        r["township_code"] == dahe for r in find_people(demo_store.db, "a", township_code=dahe)[0]
    )


def test_selecting_a_person_shows_their_history_and_a_session_opens_on_double_click(
    zh_app: QApplication,
    demo_store: OpenStore,
    ctx: AppContext,
    qtbot: QtBot,
    qtmodeltester: ModelTester,
) -> None:
    person_id, attended = demo_store.db.execute(
        "SELECT person_id, count(*) FROM attendance WHERE status != 'removed' "
        "GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1"
    ).fetchone()
    person = people.get_person(demo_store.db, person_id)
    page = make_page(qtbot, ctx)

    type_text(qtbot, page.search_edit, person["name"])
    row = page.model.find(person_id)
    assert row >= 0
    index = page.model.index(row, 0)
    rect = page.table.visualRect(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.current_person_id() == person_id
    details = page.details
    assert details.name_label.text() == person["name"]
    assert details.values["township"].text() == "大河乡"
    history = people.attendance_history(demo_store.db, person_id)
    assert details.history_model.rowCount() == len(history) == attended
    assert f"参加过 {attended} 次课堂" in details.history_heading.text()
    qtmodeltester.check(details.history_model, force_py=True)
    first = details.history_model.rows()[0]
    kind_column = details.history_model.column_of("kind")
    assert details.history_model.data(details.history_model.index(0, kind_column)) in {
        "帐篷课堂",
        "马背课堂",
        "集中学习",
        "专题党课",
        "主题党日",
        "流动宣讲",
    }

    view = details.history_view
    cell = view.visualRect(details.history_model.index(0, 1)).center()
    with qtbot.waitSignal(ctx.open_session, timeout=2000) as opened:
        # a real double-click: press and release, then the double-click event
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert opened.args == [first["session_id"]]

    # the frame calls show_person on ctx.open_person: it finds the person across the county
    other = people.search_people(demo_store.db, "", limit=300)[-1]
    page.show_person(other["id"])
    assert page.current_person_id() == other["id"]
    assert page.search_edit.text() == other["name"]
    assert page.township_combo.currentIndex() == 0
    assert details.name_label.text() == other["name"]
    selected = page.table.selectionModel().selectedRows()
    assert [i.row() for i in selected] == [page.model.find(other["id"])]


def test_add_a_person_with_the_keyboard(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    dahe = township_code(store, "大河乡")
    page = make_page(qtbot, ctx)
    page.township_combo.setCurrentIndex(page.township_combo.findData(dahe))
    assert page.model.rowCount() == 0

    dialog = open_add_dialog(qtbot, page)
    assert dialog.windowTitle() == "添加人员"
    assert dialog.township_combo.currentData() == dahe  # the page's filter is the default
    assert dialog.focusWidget() is dialog.name_edit
    type_text(qtbot, dialog.name_edit, "才让卓玛")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.gender_combo
    qtbot.keyClick(dialog.gender_combo, Qt.Key.Key_Down)  # 男 → 女 below "未填"
    qtbot.keyClick(dialog.gender_combo, Qt.Key.Key_Down)
    assert dialog.gender_combo.currentData() == "F"
    qtbot.keyClick(dialog.gender_combo, Qt.Key.Key_Tab)
    ethnicity_edit = dialog.ethnicity_combo.lineEdit()
    assert ethnicity_edit is not None
    type_text(qtbot, ethnicity_edit, "藏族")
    qtbot.keyClick(dialog.ethnicity_combo, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.birth_year_edit
    type_text(qtbot, dialog.birth_year_edit, "1968")
    org_items = [
        dialog.organisation_combo.itemText(i) for i in range(dialog.organisation_combo.count())
    ]
    assert any(text.startswith("\u3000") for text in org_items)  # branches indented under 党委
    dialog.organisation_combo.setCurrentIndex(2)
    org_id = dialog.organisation_combo.currentData()
    dialog.political_combo.setCurrentIndex(dialog.political_combo.findData("member"))
    type_text(qtbot, dialog.phone_edit, "13800001234")

    with qtbot.waitSignal(ctx.data_changed, timeout=2000):
        qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.person_dialog is None)

    found = people.search_people(store.db, "cairangzhuoma")
    assert len(found) == 1
    person = people.get_person(store.db, found[0]["id"])
    assert person["gender"] == "F"
    assert person["ethnicity"] == "藏族"
    assert person["birth_year"] == 1968
    assert person["township_code"] == dahe
    assert person["organisation_id"] == org_id
    assert person["political_status"] == "member"
    assert person["phone"] == "13800001234"
    assert page.current_person_id() == person["id"]
    assert page.details.name_label.text() == "才让卓玛"
    assert listed_names(page) == ["才让卓玛"]
    ops = store.db.execute("SELECT type FROM outbox").fetchall()
    assert [t for (t,) in ops] == ["person.create"]


def test_adding_a_likely_duplicate_warns_first(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    dahe = township_code(store, "大河乡")
    people.add_person(store.db, name="安梅花", township_code=dahe, birth_year=1971)
    page = make_page(qtbot, ctx)
    page.township_combo.setCurrentIndex(page.township_combo.findData(dahe))
    before = counts(store)

    dialog = open_add_dialog(qtbot, page)
    type_text(qtbot, dialog.name_edit, "安梅花")
    type_text(qtbot, dialog.birth_year_edit, "1971")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.duplicates_label.isVisible()
    assert "安梅花（1971" in dialog.duplicates_label.text()
    assert "再点一次" in dialog.duplicates_label.text()
    assert counts(store) == before

    with qtbot.waitSignal(dialog.saved, timeout=2000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # "it is someone else"
    assert counts(store)[0] == before[0] + 1


def test_edit_a_field(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    person_id = page.current_person_id()  # the first person is selected
    assert person_id is not None
    before = people.get_person(demo_store.db, person_id)

    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.person_dialog is not None)
    dialog = page.person_dialog
    assert dialog is not None
    assert dialog.windowTitle() == "编辑人员信息"
    assert dialog.name_edit.text() == before["name"]
    assert dialog.birth_year_edit.text() == str(before["birth_year"])
    dialog.phone_edit.selectAll()
    type_text(qtbot, dialog.phone_edit, "0936-6721234")
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Enter)

    after = people.get_person(demo_store.db, person_id)
    assert after["phone"] == "0936-6721234"
    assert {k: v for k, v in after.items() if k not in ("phone", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("phone", "updated_at")
    }
    op = demo_store.db.execute("SELECT type, body FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
    assert op[0] == "person.update"
    assert '"f":{"phone":"0936-6721234"}' in op[1]
    assert page.details.values["phone"].text() == "0936-6721234"
    row = page.model.find(person_id)
    assert page.model.data(page.model.index(row, page.model.column_of("phone"))) == "0936-6721234"


@pytest.mark.parametrize("adding", [True, False])
def test_an_invalid_birth_year_is_shown_next_to_the_field_and_nothing_is_written(
    adding: bool, zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    person_id = page.current_person_id()
    assert person_id is not None
    before_person = people.get_person(demo_store.db, person_id)
    before = counts(demo_store)
    if adding:
        dialog = open_add_dialog(qtbot, page)
        type_text(qtbot, dialog.name_edit, "贺兰山")
        dialog.township_combo.setCurrentIndex(1)
    else:
        page.edit_button.click()
        dialog = page.person_dialog  # type: ignore[assignment]
        assert dialog is not None
        dialog.birth_year_edit.clear()
    type_text(qtbot, dialog.birth_year_edit, "1850")
    qtbot.keyClick(dialog.birth_year_edit, Qt.Key.Key_Return)

    assert dialog.isVisible()
    message = dialog.error_text("birth_year")
    assert message.startswith("出生年份请填写 1900 到 ")
    error_label = dialog.findChild(QLabel, "error_birth_year")
    assert error_label is not None and error_label.isVisible()
    assert dialog.focusWidget() is dialog.birth_year_edit
    assert dialog.error_text("name") == ""
    assert counts(demo_store) == before
    assert people.get_person(demo_store.db, person_id) == before_person

    # an empty name is refused the same way, next to the name
    dialog.birth_year_edit.clear()
    dialog.name_edit.clear()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert "姓名" in dialog.error_text("name")
    assert dialog.error_text("birth_year") == ""
    assert counts(demo_store) == before
    dialog.reject()


def _visible_texts(root: QWidget, skip: tuple[str, ...]) -> list[str]:
    """Interface text under ``root``: labels, buttons, placeholders and combo entries, minus
    the widgets named in ``skip`` (they show data: names of people and places)."""
    texts: list[str] = []
    for label in root.findChildren(QLabel):
        if not label.objectName().startswith(skip):
            texts.append(label.text())
    for button in root.findChildren(QPushButton):
        texts += [button.text(), button.toolTip()]
    for combo in root.findChildren(QComboBox):
        if not combo.objectName().startswith(skip):
            texts += [combo.itemText(i) for i in range(combo.count())]
    for view in root.findChildren(QTableView):
        model = view.model()
        texts += [
            str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
        ]
    return texts


def test_english_shows_no_chinese_only_labels(
    en_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    assert page.title() == "Roster"
    data_widgets = ("detail_", "township_filter", "duplicates_label")
    texts = _visible_texts(page, data_widgets)
    texts += [page.search_edit.placeholderText(), page.details.history_view.toolTip()]
    assert "Showing the first 200 people" in page.note_label.text()
    dialog = open_add_dialog(qtbot, page)
    texts += _visible_texts(
        dialog,
        ("township_combo", "village_combo", "organisation_combo", "ethnicity_combo", "detail_"),
    )
    type_text(qtbot, dialog.name_edit, "Tashi")
    dialog.township_combo.setCurrentIndex(1)
    type_text(qtbot, dialog.birth_year_edit, "1850")
    qtbot.keyClick(dialog.birth_year_edit, Qt.Key.Key_Return)
    texts += [dialog.error_text("birth_year"), dialog.windowTitle()]
    dialog.reject()
    offending = [text for text in texts if CJK.search(text)]
    assert offending == []
    assert "Enter a year between 1900" in texts[-2]
    history_kinds = {
        page.details.history_model.data(page.details.history_model.index(r, 2))
        for r in range(page.details.history_model.rowCount())
    }
    assert not any(CJK.search(str(kind)) for kind in history_kinds)


def test_screenshot(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    page = make_page(qtbot, ctx)
    dahe = township_code(demo_store, "大河乡")
    page.township_combo.setCurrentIndex(page.township_combo.findData(dahe))
    # the listed person with the longest history, so the detail panel shows some
    busiest = max(
        range(page.model.rowCount()),
        key=lambda r: len(people.attendance_history(demo_store.db, page.model.row(r)["id"])),
    )
    page.table.setCurrentIndex(page.model.index(busiest, 0))
    assert page.details.history_model.rowCount() > 0
    folder = SCREENSHOTS if os.environ.get("ZHANGYE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(folder / "roster.png"))
    page.resize(1100, 640)  # inside the frame, beside its navigation, on a 1366×768 laptop
    assert page.grab().save(str(tmp_path / "roster_in_frame.png"))


def test_sessions_a_person_attended_are_listed_newest_first(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    dahe = township_code(store, "大河乡")
    person = people.add_person(store.db, name="巴特尔", township_code=dahe)
    older = sessions.create_session(
        store.db, kind="horseback", title="马背宣讲", township_code=dahe, starts_at=1_767_225_600
    )
    newer = sessions.create_session(
        store.db, kind="tent", title="帐篷夜校", township_code=dahe, starts_at=1_772_294_400
    )
    attendance.mark(store.db, older, person, "late")
    attendance.mark(store.db, newer, person, "present")
    removed = sessions.create_session(
        store.db, kind="study", title="不算", township_code=dahe, starts_at=1_772_300_000
    )
    attendance.mark(store.db, removed, person, "present")
    attendance.unmark(store.db, removed, person)
    page = make_page(qtbot, ctx)
    page.show_person(person)
    model = page.details.history_model
    shown = [
        [str(model.data(model.index(r, c))) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    assert shown == [
        ["2026-03-01", "帐篷夜校", "帐篷课堂", "已到"],
        ["2026-01-01", "马背宣讲", "马背课堂", "迟到"],
    ]
    view = page.details.history_view
    view.setFocus()
    view.setCurrentIndex(model.index(1, 0))
    with qtbot.waitSignal(ctx.open_session, timeout=2000) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [older]


def test_show_person_works_before_the_page_is_shown(
    zh_app: QApplication, demo_store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    """The frame calls show_person on ctx.open_person, then switches to the page."""
    page = RosterPage(ctx)
    qtbot.addWidget(page)
    page.refresh()  # hidden: only remembered, nothing read
    assert page.model.rowCount() == 0
    person = people.search_people(demo_store.db, "", limit=300)[-1]
    page.show_person(person["id"])
    assert page.details.name_label.text() == person["name"]
    assert page.model.find(person["id"]) >= 0
    page.setMinimumSize(640, 480)
    page.show()
    qtbot.waitExposed(page)
    assert page.current_person_id() == person["id"]
    assert page.details.values["township"].text() == "大河乡"

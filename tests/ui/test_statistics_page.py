"""The statistics page against figures worked out by hand on a small, fully known data set."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QHorizontalBarSeries, QLineSeries, QValueAxis
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from zhangye_desk.core import attendance, directory, people, sessions
from zhangye_desk.core import stats as core_stats
from zhangye_desk.core.demo import generate_demo
from zhangye_desk.core.sessions import CST
from zhangye_desk.core.store import OpenStore
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.fonts import CJK_FAMILIES
from zhangye_desk.ui.pages.statistics import DEBOUNCE_MS, StatisticsPage, period, today_cst

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# The data set (A = 大河乡, B = 康乐镇; times in CST):
#   roster: A a1 member, a2 member, a3 probationary, a4 masses, a5 member (never attends);
#           B b1 member, b2 masses.                        Party members: A 4, B 1, county 5.
#   S1 tent      A 2026-03-10 10:00  a1 present, a2 late, a4 present, a3 present→removed  hc 5
#   S2 horseback A 2026-04-02 10:00  a1 left early, a3 late                                hc 3
#   S3 tent      B 2026-04-20 10:00  b1 present, b2 present, a2 present (from A)           hc 2
# Period 2026-03-01 … 2026-04-30, whole county:
#   sessions 3; registered 3 + 2 + 3 = 8, + headcount 10 → 18 participant-times;
#   unique a1 a2 a3 a4 b1 b2 = 6; members attended a1 a2 a3 b1 = 4 of 5 → 80.0%.
#   By township: A 2 sessions, 5 + 8 = 13, unique 4, members 4, attended a1 a2 a3 = 3 → 75.0%
#                B 1 session, 3 + 2 = 5, unique 3, members 1, attended b1 = 1 → 100.0%
#                (a2 attended in B but is A's member); the other six townships: zeros and "—".
#   By kind:  tent 2, 6 + 7 = 13, unique 5, attended a1 a2 b1 = 3/5 → 60.0%
#             horseback 1, 2 + 3 = 5, unique 2, attended a1 a3 = 2/5 → 40.0%
#   By month: 2026-03 1, 3 + 5 = 8, unique 3, attended a1 a2 = 2/5 → 40.0%
#             2026-04 2, 5 + 5 = 10, unique 5, attended a1 a3 b1 a2 = 4/5 → 80.0%
FROM, TO = date(2026, 3, 1), date(2026, 4, 30)
FIGURES = ("sessions", "participant_times", "unique_participants", "party_members")


def cst(year: int, month: int, day: int, hour: int) -> int:
    return int(datetime(year, month, day, hour, tzinfo=CST).timestamp())


@pytest.fixture
def known(store: OpenStore) -> dict[str, str]:
    db = store.db
    a = directory.township_by_name(db, "大河乡")["code"]
    b = directory.township_by_name(db, "康乐镇")["code"]
    who = {
        name: people.add_person(db, name=name, township_code=township, political_status=status)
        for name, township, status in [
            ("甲一", a, "member"),
            ("甲二", a, "member"),
            ("甲三", a, "probationary"),
            ("甲四", a, "masses"),
            ("甲五", a, "member"),
            ("乙一", b, "member"),
            ("乙二", b, "masses"),
        ]
    }

    def held(kind: str, township: str, starts: int, headcount: int, *marks: str) -> str:
        sid = sessions.create_session(
            db, kind=kind, title=kind, township_code=township, starts_at=starts
        )
        for spec in marks:
            name, _, status = spec.partition(":")
            if status == "removed":  # marked by mistake, then taken off again
                attendance.mark(db, sid, who[name], "present", at=starts + 60)
                attendance.unmark(db, sid, who[name], at=starts + 120)
            else:
                attendance.mark(db, sid, who[name], status or "present", at=starts + 60)
        sessions.set_headcount(db, sid, headcount)
        sessions.close_session(db, sid, at=starts + 7200)
        return sid

    held("tent", a, cst(2026, 3, 10, 10), 5, "甲一", "甲二:late", "甲四", "甲三:removed")
    held("horseback", a, cst(2026, 4, 2, 10), 3, "甲一:left_early", "甲三:late")
    held("tent", b, cst(2026, 4, 20, 10), 2, "乙一", "乙二", "甲二")
    # outside the period: must not count
    held("tent", a, cst(2026, 2, 28, 23), 9, "甲五")
    held("study", b, cst(2026, 5, 1, 0), 9, "乙一")
    return {"A": a, "B": b}


def make_page(qtbot: QtBot, ctx: AppContext) -> StatisticsPage:
    page = StatisticsPage(ctx)
    qtbot.addWidget(page)
    page.setMinimumSize(640, 480)  # see test_roster_page.make_page
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    settle(qtbot, page)
    return page


def settle(qtbot: QtBot, page: StatisticsPage) -> None:
    """Wait until the figures shown are those the filters ask for."""
    qtbot.waitUntil(lambda: not page.busy and page.shown_request == page.request(), timeout=10_000)


def show(qtbot: QtBot, page: StatisticsPage, by: str, start: date = FROM, end: date = TO) -> None:
    page.set_grouping(by)
    page.set_dates(start, end)
    settle(qtbot, page)


def headline(page: StatisticsPage) -> list[str]:
    return [
        page.figures[n].value.text()
        for n in ("sessions", "participant_times", "unique_participants", "rate")
    ]


def table(page: StatisticsPage) -> dict[str, list[str]]:
    model = page.model
    return {
        str(model.data(model.index(r, 0))): [
            str(model.data(model.index(r, c))) for c in range(1, model.columnCount())
        ]
        for r in range(model.rowCount())
    }


def same_as_core(store: OpenStore, page: StatisticsPage) -> None:
    request = page.request()
    expected = core_stats.statistics(
        store.db,
        date_from=request.date_from,
        date_to=request.date_to,
        by=request.by,
        township_code=request.township_code,
    )
    assert page.result == expected


def test_figures_equal_the_hand_computed_ones_and_core_stats(
    zh_app: QApplication,
    store: OpenStore,
    known: dict[str, str],
    ctx: AppContext,
    qtbot: QtBot,
    qtmodeltester: ModelTester,
) -> None:
    page = make_page(qtbot, ctx)
    qtmodeltester.check(page.model, force_py=True)  # stays connected for every reset below
    show(qtbot, page, "township")

    assert headline(page) == ["3", "18", "6", "80.0%"]
    assert [page.figures[n].caption.text() for n in page.figures] == [
        "场次",
        "人次",
        "人数",
        "党员参与率",
    ]
    rows = table(page)
    assert list(rows)[:3] == ["红湾寺镇", "皇城镇", "康乐镇"]  # the county's order, all eight
    assert len(rows) == 8
    assert rows["大河乡"] == ["2", "13", "4", "4", "3", "75.0%"]
    assert rows["康乐镇"] == ["1", "5", "3", "1", "1", "100.0%"]
    assert rows["明花乡"] == ["0", "0", "0", "0", "0", "—"]
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "乡镇"
    assert [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(1, 7)] == [
        "场次",
        "人次",
        "人数",
        "党员人数",
        "参与党员",
        "党员参与率",
    ]
    same_as_core(store, page)

    show(qtbot, page, "kind")
    assert table(page) == {
        "帐篷课堂": ["2", "13", "5", "5", "3", "60.0%"],
        "马背课堂": ["1", "5", "2", "5", "2", "40.0%"],
    }
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "课堂类型"
    same_as_core(store, page)

    show(qtbot, page, "month")
    assert table(page) == {
        "2026年3月": ["1", "8", "3", "5", "2", "40.0%"],
        "2026年4月": ["2", "10", "5", "5", "4", "80.0%"],
    }
    same_as_core(store, page)

    # a narrower period and a township filter change the figures
    show(qtbot, page, "kind", date(2026, 4, 1), date(2026, 4, 30))
    assert headline(page) == ["2", "10", "5", "80.0%"]
    assert table(page) == {
        "帐篷课堂": ["1", "5", "3", "5", "2", "40.0%"],
        "马背课堂": ["1", "5", "2", "5", "2", "40.0%"],
    }
    same_as_core(store, page)
    page.township_combo.setCurrentIndex(page.township_combo.findData(known["B"]))
    settle(qtbot, page)
    # only B's session; B's one member attended
    assert headline(page) == ["1", "5", "3", "100.0%"]
    same_as_core(store, page)

    # no members in scope → "—"; no sessions → a calm note
    page.township_combo.setCurrentIndex(page.township_combo.findText("明花乡"))
    settle(qtbot, page)
    assert headline(page) == ["0", "0", "0", "—"]
    assert page.message_label.text() == "这段时间没有课堂记录。"
    assert page.model.rowCount() == 0


def test_the_chart_has_one_series_per_figure_and_a_category_per_group(
    zh_app: QApplication, store: OpenStore, known: dict[str, str], ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    show(qtbot, page, "township")
    chart = page.chart  # a new chart for every answer
    assert chart.animationOptions() == chart.AnimationOption.NoAnimation
    (bars,) = chart.series()
    assert isinstance(bars, QHorizontalBarSeries)
    sets = bars.barSets()
    assert [s.label() for s in sets] == ["场次", "人次"]
    assert all(s.count() == 8 for s in sets)
    (groups,) = chart.axes(Qt.Orientation.Vertical)
    assert isinstance(groups, QBarCategoryAxis)
    # drawn bottom-up, so the table's first township is the top bar
    assert groups.categories() == list(table(page))[::-1]
    dahe = groups.categories().index("大河乡")
    assert (sets[0].at(dahe), sets[1].at(dahe)) == (2, 13)
    families = groups.labelsFont().families()
    assert any(name in families for name in CJK_FAMILIES)

    show(qtbot, page, "kind")
    chart = page.chart
    (bars,) = chart.series()
    assert isinstance(bars, QHorizontalBarSeries)
    assert [s.count() for s in bars.barSets()] == [2, 2]
    (groups,) = chart.axes(Qt.Orientation.Vertical)
    assert isinstance(groups, QBarCategoryAxis)
    assert groups.categories() == ["马背课堂", "帐篷课堂"]

    show(qtbot, page, "month")
    chart = page.chart
    assert list(table(page)) == ["2026年3月", "2026年4月"]
    lines = chart.series()
    assert all(isinstance(line, QLineSeries) for line in lines)
    assert [line.name() for line in lines] == ["场次", "人次"]
    assert [[p.y() for p in line.points()] for line in lines] == [[1, 2], [8, 10]]  # type: ignore[attr-defined]
    (months,) = chart.axes(Qt.Orientation.Horizontal)
    assert isinstance(months, QBarCategoryAxis)
    assert months.categories() == ["3月", "4月"]
    assert months.titleText() == "2026年3月 – 2026年4月"
    value_axes = chart.axes(Qt.Orientation.Vertical)
    assert len(value_axes) == 2 and all(isinstance(a, QValueAxis) for a in value_axes)

    # a month without sessions between two with sessions is drawn as a zero, not skipped
    sessions.create_session(
        store.db, kind="tent", title="七月", township_code=known["A"], starts_at=cst(2026, 7, 5, 9)
    )
    show(qtbot, page, "month", date(2026, 1, 1), date(2026, 12, 31))
    chart = page.chart
    assert list(table(page)) == ["2026年2月", "2026年3月", "2026年4月", "2026年5月", "2026年7月"]
    (months,) = chart.axes(Qt.Orientation.Horizontal)
    assert months.categories() == ["2月", "3月", "4月", "5月", "6月", "7月"]  # type: ignore[attr-defined]
    sessions_line = chart.series()[0]
    assert [p.y() for p in sessions_line.points()] == [1, 1, 2, 1, 0, 1]  # type: ignore[attr-defined]


def test_quick_periods_and_the_default_year(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot
) -> None:
    today = today_cst()
    page = make_page(qtbot, ctx)
    assert page.request().date_from == date(today.year, 1, 1)
    assert page.request().date_to == date(today.year, 12, 31)
    assert page.group_combo.currentText() == "乡镇"
    assert [b.text() for b in page.period_buttons.values()] == [
        "本月",
        "本季度",
        "本年",
        "近12个月",
    ]

    page.period_buttons["month"].click()
    settle(qtbot, page)
    assert page.request().date_from == today.replace(day=1)

    assert period("month", date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert period("quarter", date(2026, 11, 26)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert period("quarter", date(2026, 2, 1)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period("year", date(2026, 11, 26)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert period("last12", date(2026, 11, 26)) == (date(2025, 12, 1), date(2026, 11, 30))
    assert period("last12", date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))

    # a reversed range asks nothing of the store and says why
    page.set_dates(date(2026, 5, 1), date(2026, 4, 1))
    qtbot.waitUntil(lambda: page.message_label.text() == "结束日期早于开始日期。")
    assert not page.busy


def test_a_hidden_page_counts_nothing_until_it_is_shown(
    zh_app: QApplication,
    store: OpenStore,
    known: dict[str, str],
    ctx: AppContext,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = slow(monkeypatch, lambda kwargs: None)
    page = StatisticsPage(ctx)
    qtbot.addWidget(page)
    for _ in range(3):  # data_changed after each attendance mark on another page
        page.refresh()
    qtbot.wait(DEBOUNCE_MS * 2)
    assert calls == [] and not page.busy
    page.setMinimumSize(640, 480)
    page.show()
    page.set_grouping("kind")
    page.set_dates(FROM, TO)
    settle(qtbot, page)
    assert len(calls) == 1
    assert table(page) == {
        "帐篷课堂": ["2", "13", "5", "5", "3", "60.0%"],
        "马背课堂": ["1", "5", "2", "5", "2", "40.0%"],
    }


def test_copy_table_puts_tab_separated_rows_on_the_clipboard(
    zh_app: QApplication, store: OpenStore, known: dict[str, str], ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    show(qtbot, page, "kind")
    page.copy_button.click()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines == [
        "课堂类型\t场次\t人次\t人数\t党员人数\t参与党员\t党员参与率",
        "帐篷课堂\t2\t13\t5\t5\t3\t60.0%",
        "马背课堂\t1\t5\t2\t5\t2\t40.0%",
    ]
    assert "2" in page.message_label.text()


def slow(
    monkeypatch: pytest.MonkeyPatch, gate: Callable[[dict[str, Any]], None]
) -> list[dict[str, Any]]:
    """Make the page's query call ``gate(kwargs)`` on the worker first; returns the calls."""
    real = core_stats.statistics
    calls: list[dict[str, Any]] = []

    def statistics(db: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        gate(kwargs)
        return real(db, **kwargs)

    monkeypatch.setattr(core_stats, "statistics", statistics)
    return calls


def test_the_page_stays_responsive_while_the_query_runs(
    zh_app: QApplication,
    store: OpenStore,
    known: dict[str, str],
    ctx: AppContext,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = make_page(qtbot, ctx)
    gui_thread = threading.get_ident()
    threads: list[int] = []

    def gate(kwargs: dict[str, Any]) -> None:
        threads.append(threading.get_ident())
        time.sleep(0.6)

    slow(monkeypatch, gate)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    page.set_grouping("kind")
    page.set_dates(FROM, TO)
    qtbot.waitUntil(lambda: page.busy, timeout=2000)
    assert page.busy_bar.isVisible()
    assert page.message_label.text() == "正在统计…"
    started = len(ticks)
    settle(qtbot, page)
    timer.stop()
    assert threads and threads[0] != gui_thread
    assert len(ticks) - started >= 10  # the GUI thread kept ticking through the 0.6 s query
    assert not page.busy_bar.isVisible()
    assert headline(page) == ["3", "18", "6", "80.0%"]


def test_a_superseded_request_is_ignored(
    zh_app: QApplication,
    store: OpenStore,
    known: dict[str, str],
    ctx: AppContext,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = make_page(qtbot, ctx)
    release_first = threading.Event()
    first_running = threading.Event()

    def gate(kwargs: dict[str, Any]) -> None:
        if kwargs["by"] == "month":  # the first request: held until the second one is shown
            first_running.set()
            assert release_first.wait(10)

    calls = slow(monkeypatch, gate)
    show_month = page.request().by != "month"
    assert show_month
    page.set_dates(FROM, TO)
    page.set_grouping("month")
    qtbot.waitUntil(first_running.is_set, timeout=5000)
    page.set_grouping("kind")  # the user changes their mind
    settle(qtbot, page)
    assert list(table(page)) == ["帐篷课堂", "马背课堂"]
    release_first.set()
    ctx.tasks.wait_for_done()
    qtbot.wait(100)  # let the first answer arrive: it must be dropped
    assert [c["by"] for c in calls] == ["month", "kind"]
    assert list(table(page)) == ["帐篷课堂", "马背课堂"]
    assert page.shown_request is not None and page.shown_request.by == "kind"
    assert not page.busy


def test_english_shows_no_chinese_only_labels(
    en_app: QApplication, store: OpenStore, known: dict[str, str], ctx: AppContext, qtbot: QtBot
) -> None:
    page = make_page(qtbot, ctx)
    assert page.title() == "Statistics"
    show(qtbot, page, "month")
    assert list(table(page)) == ["Mar 2026", "Apr 2026"]
    assert page.chart.axes(Qt.Orientation.Horizontal)[0].titleText() == "Mar 2026 – Apr 2026"
    texts: list[str] = []
    for label in page.findChildren(QLabel):
        texts.append(label.text())
    for button in page.findChildren(QPushButton):
        texts += [button.text(), button.toolTip()]
    for combo in page.findChildren(QComboBox):
        if combo is not page.township_combo:  # township names are data
            texts += [combo.itemText(i) for i in range(combo.count())]
    texts.append(page.township_combo.itemText(0))
    model = page.model
    texts += [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(7)]
    texts += [line.name() for line in page.chart.series()]
    texts += [axis.titleText() for axis in page.chart.axes()]
    texts += page.chart.axes(Qt.Orientation.Horizontal)[0].categories()  # type: ignore[attr-defined]
    texts += list(table(page))
    show(qtbot, page, "kind")
    texts += list(table(page))
    texts += [s.label() for s in page.chart.series()[0].barSets()]  # type: ignore[attr-defined]
    texts += page.chart.axes(Qt.Orientation.Vertical)[0].categories()  # type: ignore[attr-defined]
    assert "Whole county" in texts and "Tent classroom" in texts
    assert [t for t in texts if CJK.search(t)] == []
    page.copy_button.click()
    assert (
        QGuiApplication.clipboard()
        .text()
        .startswith("Session kind\tSessions\tParticipant-times\tParticipants")
    )


def test_screenshot(
    zh_app: QApplication, store: OpenStore, ctx: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    generate_demo(
        store.db,
        materials_dir=store.paths.materials,
        people=1500,
        sessions=90,
        marks=2500,
        seed=11,
    )
    page = make_page(qtbot, ctx)
    page.period_buttons["last12"].click()
    settle(qtbot, page)
    assert page.model.rowCount() == 8
    folder = SCREENSHOTS if os.environ.get("ZHANGYE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(folder / "statistics.png"))
    show(qtbot, page, "month", *period("last12", today_cst()))
    page.resize(1100, 640)  # inside the frame, beside its navigation
    assert page.grab().save(str(tmp_path / "statistics_by_month.png"))

"""The statistics page: sessions, participant-times, participants and the Party-member
participation rate over a date range, by township, session kind or month, as headline
figures, a table and a chart.

Lives here: ``StatisticsPage`` (key "statistics"), ``StatsRequest`` (what the filters ask for)
and ``compute`` (the worker function). The figures are ``core.stats.statistics`` exactly (its
docstring has the definitions); this module only labels and draws them. The query takes
about half a second on a county-sized store, so it runs on the task runner with its own
connection; a newer request supersedes an older one, whose result is dropped.

Must not live here: SQL or figures computed in the UI (the page and the CLI/server exports
must agree), exporting files (a later issue), or anything another page needs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QLocale, QMargins, Qt, QTimer, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core import directory
from ...core import stats as core_stats
from ...core.sessions import CST
from ...core.store import connect_worker
from ...core.tasks import TaskState
from .. import labels
from ..context import AppContext
from ..fonts import scaled
from ..page import Page
from ..table_model import Column, Row, RowsTableModel
from ..task_runner import TaskHandle

log = logging.getLogger(__name__)

GROUPINGS: tuple[str, ...] = ("township", "kind", "month")
# Filters change on every keystroke in a date field: wait this long for the user to finish.
DEBOUNCE_MS = 150
ROW_HEIGHT = 40
TABLE_WIDTH = 480
BUTTON_HEIGHT = 44
EARLIEST = QDate(2000, 1, 1)
SESSIONS_COLOUR = QColor("#2f6fb0")
PARTICIPANTS_COLOUR = QColor("#d9822b")
LABEL_COLOUR = QColor("#202020")

# Column keys of the table (the figures are core.stats' names).
COL_GROUP = "label"
COL_SESSIONS = "sessions"
COL_PARTICIPANT_TIMES = "participant_times"
COL_UNIQUE = "unique_participants"
COL_MEMBERS = "party_members"
COL_MEMBERS_ATTENDED = "party_members_attended"
COL_RATE = "participation_rate"
FIGURE_COLUMNS: tuple[str, ...] = (
    COL_SESSIONS,
    COL_PARTICIPANT_TIMES,
    COL_UNIQUE,
    COL_MEMBERS,
    COL_MEMBERS_ATTENDED,
    COL_RATE,
)


@dataclass(frozen=True)
class StatsRequest:
    """What the filters ask for: inclusive CST days, a grouping and an optional township."""

    date_from: date
    date_to: date
    by: str
    township_code: str | None = None


def compute(db_path: Path, request: StatsRequest, state: TaskState) -> dict[str, Any]:
    """Worker: ``core.stats.statistics`` for ``request`` on a connection of its own."""
    db = connect_worker(db_path)
    try:
        result = core_stats.statistics(
            db,
            date_from=request.date_from,
            date_to=request.date_to,
            by=request.by,
            township_code=request.township_code,
        )
    finally:
        db.close()
    state.check()  # superseded while it ran: nobody wants this answer
    return result


def today_cst() -> date:
    return datetime.now(CST).date()


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period(name: str, today: date) -> tuple[date, date]:
    """The quick periods: "month", "quarter", "year" (calendar, containing ``today``) and
    "last12" (the twelve whole calendar months up to and including this one, so a chart by
    month has no half-empty first month).
    """
    if name == "month":
        return today.replace(day=1), _month_end(today)
    if name == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return first, _month_end(date(first.year, first.month + 2, 1))
    if name == "year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if name == "last12":
        months = today.year * 12 + today.month - 1 - 11
        return date(months // 12, months % 12 + 1, 1), _month_end(today)
    raise ValueError(f"unknown period {name!r}")


def percent(rate: float | None) -> str:
    """A participation rate as the reports write it: one decimal, "—" without members."""
    if rate is None:
        return "—"
    return QLocale().toString(rate * 100, "f", 1) + "%"


def _count(value: Any, row: Row) -> str:
    return QLocale().toString(int(value or 0))


def _to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _to_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class _Figure(QFrame):
    """One headline figure: a big number over its caption."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = QLabel("—", self)
        self.value.setObjectName(f"{name}_value")
        self.value.setFont(scaled(self.font(), 2.2, bold=True))
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(self)
        self.caption.setObjectName(f"{name}_caption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)


class StatisticsPage(Page):
    """Local statistics over a date range, grouped by township, kind or month."""

    key = "statistics"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.township_names: dict[str, str] = {}
        self.result: dict[str, Any] | None = None
        self.shown_request: StatsRequest | None = None
        self._generation = 0
        self._handle: TaskHandle | None = None
        self._stale = True  # refresh() while hidden only marks; showing runs the query

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start)

        # -- filters
        start, end = period("year", today_cst())
        self.from_edit = self._date_edit("from_edit", start)
        self.to_edit = self._date_edit("to_edit", end)
        self.period_buttons: dict[str, QPushButton] = {}
        for name, text in (
            ("month", self.tr("This month")),
            ("quarter", self.tr("This quarter")),
            ("year", self.tr("This year")),
            ("last12", self.tr("Last 12 months")),
        ):
            button = QPushButton(text, self)
            button.setObjectName(f"{name}_button")
            button.setMinimumHeight(BUTTON_HEIGHT)
            button.clicked.connect(partial(self.set_period, name))
            self.period_buttons[name] = button
        self.group_combo = QComboBox(self)
        self.group_combo.setObjectName("group_combo")
        self.group_combo.setMinimumHeight(BUTTON_HEIGHT)
        for by, text in (
            ("township", self.tr("Township")),
            ("kind", self.tr("Session kind")),
            ("month", self.tr("Month")),
        ):
            self.group_combo.addItem(text, by)
        self.township_combo = QComboBox(self)
        self.township_combo.setObjectName("township_filter")
        self.township_combo.setMinimumHeight(BUTTON_HEIGHT)
        self.township_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.township_combo.addItem(self.tr("Whole county"), None)
        self.copy_button = QPushButton(self.tr("&Copy table"), self)
        self.copy_button.setObjectName("copy_button")
        self.copy_button.setToolTip(
            self.tr("Copy the table as tab-separated text, to paste into a spreadsheet")
        )
        self.copy_button.setMinimumHeight(BUTTON_HEIGHT)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setObjectName("busy_bar")
        self.busy_bar.setRange(0, 0)  # no steps to report: a moving bar says "working"
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.hide()
        self.message_label = QLabel(self)
        self.message_label.setObjectName("message_label")

        from_label = QLabel(self.tr("&From"), self)
        from_label.setBuddy(self.from_edit)
        to_label = QLabel(self.tr("&To"), self)
        to_label.setBuddy(self.to_edit)
        group_label = QLabel(self.tr("&Group by"), self)
        group_label.setBuddy(self.group_combo)
        township_label = QLabel(self.tr("T&ownship"), self)
        township_label.setBuddy(self.township_combo)

        dates = QHBoxLayout()
        dates.addWidget(from_label)
        dates.addWidget(self.from_edit)
        dates.addWidget(to_label)
        dates.addWidget(self.to_edit)
        dates.addSpacing(12)
        for button in self.period_buttons.values():
            dates.addWidget(button)
        dates.addStretch(1)
        grouping = QHBoxLayout()
        grouping.addWidget(group_label)
        grouping.addWidget(self.group_combo)
        grouping.addSpacing(12)
        grouping.addWidget(township_label)
        grouping.addWidget(self.township_combo)
        grouping.addSpacing(12)
        grouping.addWidget(self.busy_bar)
        grouping.addWidget(self.message_label, 1)
        grouping.addWidget(self.copy_button)

        # -- headline figures
        self.figures: dict[str, _Figure] = {}
        headline = QHBoxLayout()
        for name in ("sessions", "participant_times", "unique_participants", "rate"):
            figure = _Figure(name, self)
            self.figures[name] = figure
            headline.addWidget(figure, 1)
        self._caption_figures()

        # -- table and chart
        self.model = RowsTableModel(
            [
                Column(COL_GROUP, self._group_header),
                Column(COL_SESSIONS, lambda: self.tr("Sessions"), _count, _right()),
                Column(
                    COL_PARTICIPANT_TIMES, lambda: self.tr("Participant-times"), _count, _right()
                ),
                Column(COL_UNIQUE, lambda: self.tr("Participants"), _count, _right()),
                Column(COL_MEMBERS, lambda: self.tr("Party members"), _count, _right()),
                Column(COL_MEMBERS_ATTENDED, lambda: self.tr("Members attended"), _count, _right()),
                Column(COL_RATE, lambda: self.tr("Participation rate"), _rate, _right()),
            ],
            self,
            key="key",
        )
        self.table = QTableView(self)
        self.table.setObjectName("stats_view")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)

        self.chart = self._new_chart()
        self.chart_view = QChartView(self.chart, self)
        self.chart_view.setObjectName("chart_view")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumWidth(320)
        self.chart_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("stats_splitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart_view)
        # The table's seven short columns need ~470 px; the chart takes what is left.
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([TABLE_WIDTH, 2 * TABLE_WIDTH])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(dates)
        layout.addLayout(grouping)
        layout.addLayout(headline)
        layout.addWidget(splitter, 1)

        self.setTabOrder(self.from_edit, self.to_edit)
        previous: QWidget = self.to_edit
        for widget in (
            *self.period_buttons.values(),
            self.group_combo,
            self.township_combo,
            self.copy_button,
            self.table,
        ):
            self.setTabOrder(previous, widget)
            previous = widget
        copy_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.table)
        copy_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy_shortcut.activated.connect(self.copy_table)

        self.from_edit.dateChanged.connect(self.schedule)
        self.to_edit.dateChanged.connect(self.schedule)
        self.group_combo.currentIndexChanged.connect(self.schedule)
        self.township_combo.currentIndexChanged.connect(self.schedule)
        self.copy_button.clicked.connect(self.copy_table)

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit(_to_qdate(day), self)
        edit.setObjectName(name)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setCalendarPopup(True)
        edit.setMinimumDate(EARLIEST)
        edit.setMinimumHeight(BUTTON_HEIGHT)
        return edit

    def title(self) -> str:
        return self.tr("Statistics")

    def _caption_figures(self) -> None:
        self.figures["sessions"].caption.setText(self.tr("Sessions"))
        self.figures["participant_times"].caption.setText(self.tr("Participant-times"))
        self.figures["unique_participants"].caption.setText(self.tr("Participants"))
        self.figures["rate"].caption.setText(self.tr("Party-member participation rate"))

    def _group_header(self) -> str:
        by = self.shown_request.by if self.shown_request else self.group_combo.currentData()
        if by == "kind":
            return self.tr("Session kind")
        if by == "month":
            return self.tr("Month")
        return self.tr("Township")

    # -- filters -------------------------------------------------------------------------
    def request(self) -> StatsRequest:
        return StatsRequest(
            date_from=_to_date(self.from_edit.date()),
            date_to=_to_date(self.to_edit.date()),
            by=self.group_combo.currentData(),
            township_code=self.township_combo.currentData(),
        )

    def set_period(self, name: str) -> None:
        """Set both dates to one of the quick periods (see ``period``); one query follows."""
        start, end = period(name, today_cst())
        self.set_dates(start, end)

    def set_dates(self, date_from: date, date_to: date) -> None:
        for edit, day in ((self.from_edit, date_from), (self.to_edit, date_to)):
            edit.blockSignals(True)
            edit.setDate(_to_qdate(day))
            edit.blockSignals(False)
        self.schedule()

    def set_grouping(self, by: str) -> None:
        self.group_combo.setCurrentIndex(self.group_combo.findData(by))

    # -- running the query ---------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Re-read township names and recompute (only once the page is visible)."""
        self.township_names = {t["code"]: t["name"] for t in directory.townships(self.ctx.db)}
        wanted = self.township_combo.currentData()
        self.township_combo.blockSignals(True)
        self.township_combo.clear()
        self.township_combo.addItem(self.tr("Whole county"), None)
        for code, name in self.township_names.items():
            self.township_combo.addItem(name, code)
        self.township_combo.setCurrentIndex(max(self.township_combo.findData(wanted), 0))
        self.township_combo.blockSignals(False)
        if self.isVisible():
            self.schedule()
        else:
            # Attendance marks emit data_changed many times a minute: a half-second query for
            # a page nobody looks at would only slow the old laptop down.
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self.refresh()

    @Slot()
    def schedule(self) -> None:
        """Ask for new figures shortly (filters often change several times in a row)."""
        self._stale = False
        self._debounce.start()

    @Slot()
    def run_now(self) -> None:
        """Start the query at once (skips the debounce)."""
        self._debounce.stop()
        self._start()

    @property
    def busy(self) -> bool:
        return self._handle is not None

    @Slot()
    def _start(self) -> None:
        request = self.request()
        if request.date_to < request.date_from:
            self._cancel_running()
            self.message_label.setText(self.tr("The end date is before the start date."))
            return
        self._cancel_running()
        self._generation += 1
        generation = self._generation
        self.busy_bar.show()
        self.message_label.setText(self.tr("Counting…"))
        self._handle = self.ctx.tasks.run(
            partial(compute, self.ctx.paths.db, request),
            on_done=partial(self._finished, generation, request),
            on_error=partial(self._failed, generation),
            on_cancelled=partial(self._cancelled, generation),
        )

    def _cancel_running(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self.busy_bar.hide()

    def _current(self, generation: int) -> bool:
        """Whether a callback belongs to the latest request of a page that still exists."""
        return shiboken6.isValid(self) and generation == self._generation

    def _finished(self, generation: int, request: StatsRequest, result: dict[str, Any]) -> None:
        if not self._current(generation):
            return  # the user changed the filters meanwhile; a newer answer is coming
        self._handle = None
        self.busy_bar.hide()
        self.show_result(request, result)

    def _failed(self, generation: int, error: BaseException) -> None:
        if not self._current(generation):
            return
        self._handle = None
        self.busy_bar.hide()
        self.message_label.setText(self.tr("The figures could not be counted."))
        self.ctx.tasks.report_error(error)

    def _cancelled(self, generation: int) -> None:
        if self._current(generation):
            self._handle = None
            self.busy_bar.hide()

    # -- showing -------------------------------------------------------------------------
    def group_label(self, by: str, key: str) -> str:
        """A group's name: township name, translated kind, or month as "2026年3月"/"Mar 2026"."""
        if by == "township":
            return self.township_names.get(key, key)
        if by == "kind":
            return labels.session_kind(key)
        if by == "month":
            year, _, month = key.partition("-")
            if year.isdigit() and month.isdigit():
                # A QLocale date format, translated: "yyyy年M月" in Chinese.
                return QLocale().toString(QDate(int(year), int(month), 1), self.tr("MMM yyyy"))
        return key

    def show_result(self, request: StatsRequest, result: dict[str, Any]) -> None:
        self.result = result
        self.shown_request = request
        totals = result["totals"]
        locale = QLocale()
        self.figures["sessions"].value.setText(locale.toString(int(totals["sessions"])))
        self.figures["participant_times"].value.setText(
            locale.toString(int(totals["participant_times"]))
        )
        self.figures["unique_participants"].value.setText(
            locale.toString(int(totals["unique_participants"]))
        )
        self.figures["rate"].value.setText(percent(totals["participation_rate"]))
        self.figures["rate"].setToolTip(
            self.tr("%1 of %2 Party members attended at least one session")
            .replace("%1", locale.toString(int(totals["party_members_attended"])))
            .replace("%2", locale.toString(int(totals["party_members"])))
        )
        rows = [
            {**row, COL_GROUP: self.group_label(request.by, row["key"])} for row in result["rows"]
        ]
        self.model.set_rows(rows)
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)
        if totals["sessions"]:
            self.message_label.clear()
        else:
            self.message_label.setText(self.tr("No sessions in this period."))
        self._draw_chart(request.by, rows)

    def _draw_chart(self, by: str, rows: list[dict[str, Any]]) -> None:
        """Bars of sessions and participant-times per township or kind, or two lines by month.

        The bars lie horizontally so township and kind names (白银蒙古族乡, "Horseback
        classroom") are read whole: upright category labels are cut to the bar's width, and
        turned ones even more. Participant-times are often a hundred times the sessions, so
        the bars carry their numbers (small bars still read) and the month lines get an axis
        each.
        """
        # A new chart each time: axes removed from a chart left their labels in the scene.
        old = self.chart
        chart = self.chart = self._new_chart()
        self.chart_view.setChart(chart)
        old.deleteLater()
        font = QFont(self.font())  # the app's CJK family list: Chinese labels never box
        small = scaled(font, 0.85)
        chart.legend().setFont(font)
        figures = (
            (self.tr("Sessions"), COL_SESSIONS, SESSIONS_COLOUR),
            (self.tr("Participant-times"), COL_PARTICIPANT_TIMES, PARTICIPANTS_COLOUR),
        )
        if by == "month":
            self._draw_months(rows, figures, font, small)
            return
        ordered = rows[::-1]  # a horizontal bar chart draws its first category at the bottom
        bars = QHorizontalBarSeries()
        bars.setLabelsVisible(True)
        bars.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        for name, key, colour in figures:
            bar_set = QBarSet(name)
            bar_set.setColor(colour)
            bar_set.setLabelFont(small)
            bar_set.setLabelColor(LABEL_COLOUR)
            bar_set.append([float(row[key]) for row in ordered])
            bars.append(bar_set)
        groups = QBarCategoryAxis()
        groups.append([str(row[COL_GROUP]) for row in ordered])
        groups.setLabelsFont(small)
        values = self._value_axis(font, "", None)
        top = max((int(row[key]) for row in rows for _, key, _ in figures), default=0)
        values.setRange(0, _nice_top(top))
        chart.addSeries(bars)
        chart.addAxis(groups, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        bars.attachAxis(groups)
        bars.attachAxis(values)

    def _draw_months(
        self,
        rows: list[dict[str, Any]],
        figures: tuple[tuple[str, str, QColor], ...],
        font: QFont,
        small: QFont,
    ) -> None:
        keys = _months_between([str(row["key"]) for row in rows])
        by_key = {str(row["key"]): row for row in rows}
        months = QBarCategoryAxis()
        months.append(self._month_ticks(keys))
        months.setLabelsFont(small)
        months.setTitleFont(small)
        if keys:
            months.setTitleText(
                self.tr("%1 – %2")
                .replace("%1", self.group_label("month", keys[0]))
                .replace("%2", self.group_label("month", keys[-1]))
            )
        self.chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        for (name, key, colour), side in zip(
            figures, (Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight), strict=True
        ):
            axis = self._value_axis(font, name, colour)
            axis.setRange(0, _nice_top(max((int(row[key]) for row in rows), default=0)))
            self.chart.addAxis(axis, side)
            line = QLineSeries()
            line.setName(name)
            line.setColor(colour)
            line.setPointsVisible(True)
            line.setPointLabelsVisible(True)
            line.setPointLabelsFont(small)
            line.setPointLabelsColor(colour)
            line.setPointLabelsFormat("@yPoint")
            for position, month in enumerate(keys):
                # A month without sessions between two with sessions is a real zero: draw it,
                # or the line would join March to May as if April had been in between.
                line.append(position, int(by_key[month][key]) if month in by_key else 0)
            self.chart.addSeries(line)
            line.attachAxis(months)
            line.attachAxis(axis)

    def _month_ticks(self, keys: list[str]) -> list[str]:
        """Labels under the month points: "3月" / "Mar" (the axis title gives the years), or
        "2026-03" when the months span more than a year and a short name would repeat.
        """
        dates = [QDate.fromString(key + "-01", "yyyy-MM-dd") for key in keys]
        if not dates or any(not d.isValid() for d in dates):
            return keys
        first, last = dates[0], dates[-1]
        span = (last.year() - first.year()) * 12 + last.month() - first.month()
        if span >= 12:
            return keys
        # A QLocale date format, translated: "M月" in Chinese.
        short = self.tr("MMM")
        return [QLocale().toString(d, short) for d in dates]

    @staticmethod
    def _new_chart() -> QChart:
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)  # tests; old laptops
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        return chart

    def _value_axis(self, font: QFont, title: str, colour: QColor | None) -> QValueAxis:
        axis = QValueAxis()
        axis.setLabelFormat("%d")
        axis.setTickCount(6)
        axis.setLabelsFont(scaled(font, 0.85))
        axis.setTitleFont(scaled(font, 0.85))
        if title:
            axis.setTitleText(title)
        if colour is not None:
            axis.setLabelsColor(colour)
            axis.setTitleBrush(colour)
        return axis

    # -- copying -------------------------------------------------------------------------
    def table_text(self) -> str:
        """The table as tab-separated text with a header line (numbers without separators)."""
        header = [self.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
        lines = ["\t".join(str(h) for h in header)]
        for row in self.model.rows():
            cells = [str(row[COL_GROUP])]
            cells += [str(int(row[key] or 0)) for key in FIGURE_COLUMNS[:-1]]
            rate = row[COL_RATE]
            cells.append("" if rate is None else f"{rate * 100:.1f}%")
            lines.append("\t".join(cells))
        return "\n".join(lines) + "\n"

    @Slot()
    def copy_table(self) -> None:
        QGuiApplication.clipboard().setText(self.table_text())
        self.message_label.setText(
            self.tr("Rows copied: %n. Paste them into a spreadsheet.", "", self.model.rowCount())
        )


def _right() -> Qt.AlignmentFlag:
    return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _rate(value: Any, row: Row) -> str:
    return percent(value)


def _months_between(keys: list[str]) -> list[str]:
    """Every "YYYY-MM" from the first of ``keys`` to the last (sorted input), gaps filled."""
    if not keys:
        return []
    year, month = (int(part) for part in keys[0].split("-"))
    last = keys[-1]
    months: list[str] = []
    while True:
        key = f"{year:04d}-{month:02d}"
        months.append(key)
        if key >= last:
            return months
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _nice_top(value: int) -> int:
    """An axis maximum a little above ``value`` that five ticks divide evenly (1, 2, 5 × 10ⁿ)."""
    target = max(value * 1.1, 5)
    scale = 1
    while True:
        for multiple in (1, 2, 5):
            if multiple * scale * 5 >= target:
                return multiple * scale * 5
        scale *= 10

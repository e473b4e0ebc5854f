"""The sessions page (课堂): the list of sessions, the new/edit form, closing, and the way
into taking attendance.

``SessionsPage`` lists sessions through ``core.sessions.list_sessions`` with filters (kind,
township, a date range in China Standard Time, open/closed) and hands the rows to a
``RowsTableModel``. ``SessionDialog`` is the form for a new session and for editing an open
one; it writes through ``create_session`` / ``update_session`` and shows the core's
``InvalidValueError`` next to the field it names. Taking attendance is another page: this one
only emits ``ctx.open_attendance``.

Nothing here writes SQL or opens connections; writes are single quick transactions on the GUI
thread (see ``ui/task_runner.py`` for why that is fine).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimeZone,
    Slot,
)
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core import directory, materials
from ...core.errors import InvalidValueError, StoreError
from ...core.sessions import (
    close_session,
    create_session,
    get_session,
    list_sessions,
    update_session,
)
from ...core.vocab import SESSION_KINDS
from .. import labels
from ..context import AppContext
from ..fonts import scaled
from ..main_window import app_settings
from ..messages import show_error
from ..page import Page
from ..table_model import KEY_ROLE, ROW_ROLE, Column, Row, RowsTableModel

log = logging.getLogger(__name__)

# Days and times are China Standard Time everywhere (core.sessions.CST), whatever the
# laptop's own time zone says.
CST_ZONE = QTimeZone(8 * 3600)
DATE_FORMAT = "yyyy-MM-dd"
DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm"
FILTER_MONTHS = 12
LAST_TOWNSHIP_KEY = "sessions/last_township"
ROW_HEIGHT_PX = 44
# The place column is sized to the widest of this many rows (the visible ones first).
PLACE_SAMPLE_ROWS = 50
# A little room beyond the widest text of a fixed-width column (rounding, bold fonts).
CELL_SLACK_PX = 4
FILTER_MIN_WIDTH_PX = 100
DIALOG_WIDTH_PX = 860  # fits a 1366-pixel screen with room to spare
DIALOG_MIN_WIDTH_PX = 760
DIALOG_MIN_HEIGHT_PX = 420
TARGET_HEIGHT_PX = 44  # buttons and inputs: large enough for a finger
FIRST_CLASS_KINDS: tuple[str, ...] = ("tent", "horseback")
STATE_ALL = ""

# Columns of the sessions table (keys of a list_sessions row).
COL_START = "starts_at"
COL_KIND = "kind"
COL_TITLE = "title"
COL_TOWNSHIP = "township_code"
COL_PLACE = "place_name"
COL_ATTENDANCE = "registered"
COL_STATE = "state"

ERROR_STYLE = "color: #b3261e;"  # a calm dark red that stays readable in sunlight


def cst_today() -> QDate:
    return QDateTime.currentDateTime().toTimeZone(CST_ZONE).date()


def cst_text(epoch: int | None) -> str:
    """Epoch seconds as a CST date and time ("2026-11-03 09:30")."""
    if epoch is None:
        return ""
    return QDateTime.fromSecsSinceEpoch(int(epoch), CST_ZONE).toString(DATE_TIME_FORMAT)


def cst_date(epoch: int) -> QDate:
    return QDateTime.fromSecsSinceEpoch(int(epoch), CST_ZONE).date()


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def tall(widget: QWidget) -> QWidget:
    widget.setMinimumHeight(TARGET_HEIGHT_PX)
    return widget


def ask_to_confirm(parent: QWidget, title: str, text: str, yes_text: str) -> bool:
    """A question with Cancel as the default; True when the user chose ``yes_text``."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.button(QMessageBox.StandardButton.Yes).setText(yes_text)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def township_names(ctx: AppContext) -> dict[str, str]:
    """Township code → the name to show (the English name in English, where there is one)."""
    names: dict[str, str] = {}
    for row in directory.townships(ctx.db):
        english = row.get("name_en") if ctx.lang == "en" else None
        names[row["code"]] = english or row["name"]
    return names


class SessionsPage(Page):
    """课堂: find a session, start a new one, edit or close an open one, take attendance."""

    key = "sessions"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._townships: dict[str, str] = {}
        # The default date range follows the calendar (the app may stay open for days in the
        # pasture) until the user picks dates.
        self._dates_chosen = False
        self._loading = False
        #: the new/edit form while it is open
        self.session_dialog: SessionDialog | None = None

        heading = QLabel(self.tr("Sessions"), self)
        heading.setFont(scaled(self.font(), 1.5, bold=True))

        self.new_button = self._button("new_button", self.tr("New session"), "Ctrl+N")
        self.edit_button = self._button("edit_button", self.tr("Edit"), "Ctrl+E")
        self.attendance_button = self._button(
            "attendance_button", self.tr("Take attendance"), "Ctrl+T"
        )
        self.attendance_button.setFont(scaled(self.font(), 1.0, bold=True))
        self.close_button = self._button("close_button", self.tr("Close session"), None)
        self.new_button.clicked.connect(self.new_session)
        self.edit_button.clicked.connect(self.edit_session)
        self.attendance_button.clicked.connect(self.take_attendance)
        self.close_button.clicked.connect(self.close_selected)

        header = QHBoxLayout()
        header.addWidget(heading)
        header.addStretch(1)
        for button in (
            self.new_button,
            self.edit_button,
            self.attendance_button,
            self.close_button,
        ):
            header.addWidget(button)

        # -- filters ---------------------------------------------------------------------
        self.kind_filter = QComboBox(self)
        self.kind_filter.setObjectName("kind_filter")
        self.kind_filter.addItem(self.tr("All kinds"), None)
        for code in SESSION_KINDS:
            self.kind_filter.addItem(labels.session_kind(code), code)
        self.township_filter = QComboBox(self)
        self.township_filter.setObjectName("township_filter")
        self.date_from = QDateEdit(self)
        self.date_from.setObjectName("date_from")
        self.date_to = QDateEdit(self)
        self.date_to.setObjectName("date_to")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(DATE_FORMAT)
        self.state_filter = QComboBox(self)
        self.state_filter.setObjectName("state_filter")
        self.state_filter.addItem(self.tr("Open and closed"), STATE_ALL)
        self.state_filter.addItem(labels.session_state("open"), "open")
        self.state_filter.addItem(labels.session_state("closed"), "closed")
        self.reset_button = QPushButton(self.tr("Clear filters"), self)
        self.reset_button.setObjectName("reset_filters_button")
        for widget in (
            self.kind_filter,
            self.township_filter,
            self.date_from,
            self.date_to,
            self.state_filter,
            self.reset_button,
        ):
            tall(widget)
        # The combos name themselves ("All kinds", "All townships" …) instead of carrying a
        # label, so the filter bar fits beside the navigation on a 1024-pixel-wide window.
        for combo, name in (
            (self.kind_filter, self.tr("Kind")),
            (self.township_filter, self.tr("Township")),
            (self.state_filter, self.tr("State")),
        ):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumWidth(FILTER_MIN_WIDTH_PX)
            combo.setToolTip(name)
            combo.setAccessibleName(name)
        self.date_from.setAccessibleName(self.tr("From"))
        self.date_to.setAccessibleName(self.tr("To"))

        dates_label = QLabel(self.tr("Dates"), self)
        dates_label.setBuddy(self.date_from)
        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.township_filter)
        filters.addWidget(self.state_filter)
        filters.addSpacing(8)
        filters.addWidget(dates_label)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("–", self))
        filters.addWidget(self.date_to)
        filters.addSpacing(8)
        filters.addWidget(self.reset_button)
        filters.addStretch(1)

        # -- table -----------------------------------------------------------------------
        self.model = RowsTableModel(
            [
                Column(COL_START, lambda: self.tr("Start"), format=self._format_start),
                Column(COL_KIND, lambda: self.tr("Kind"), format=self._format_kind),
                Column(COL_TITLE, lambda: self.tr("Title")),
                Column(COL_TOWNSHIP, lambda: self.tr("Township"), format=self._format_township),
                Column(COL_PLACE, lambda: self.tr("Place"), tooltip=self._place_tooltip),
                Column(
                    COL_ATTENDANCE,
                    lambda: self.tr("Attended"),
                    format=self._format_attendance,
                    align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    tooltip=self._attendance_tooltip,
                ),
                Column(COL_STATE, lambda: self.tr("State"), format=self._format_state),
            ],
            self,
        )
        self.view = QTableView(self)
        self.view.setObjectName("sessions_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT_PX)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Column widths come from what each column can hold (see _fit_columns), not from the
        # rows: sizing every column to its contents read all 2,000 sessions' cells on the
        # first paint (144,000 calls, a third of a second). The place, which is typed freely,
        # is sized from at most PLACE_SAMPLE_ROWS rows (the visible ones first).
        horizontal = self.view.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setSectionResizeMode(
            self.model.column_of(COL_TITLE), QHeaderView.ResizeMode.Stretch
        )
        horizontal.setSectionResizeMode(
            self.model.column_of(COL_PLACE), QHeaderView.ResizeMode.ResizeToContents
        )
        horizontal.setResizeContentsPrecision(PLACE_SAMPLE_ROWS)
        horizontal.setMinimumSectionSize(60)
        self.view.activated.connect(self._activated)
        # Selection, not the current row: the current row moves before the selection does.
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)

        self.empty_label = QLabel(
            self.tr(
                'No sessions match these filters. Start one with "New session", or clear '
                "the filters."
            ),
            self,
        )
        self.empty_label.setObjectName("empty_label")
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(12)
        layout.addLayout(header)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)

        self._set_default_dates()
        self.kind_filter.currentIndexChanged.connect(self._filters_changed)
        self.township_filter.currentIndexChanged.connect(self._filters_changed)
        self.state_filter.currentIndexChanged.connect(self._filters_changed)
        self.date_from.dateChanged.connect(self._dates_changed)
        self.date_to.dateChanged.connect(self._dates_changed)
        self.reset_button.clicked.connect(self.reset_filters)
        self.setTabOrder(self.new_button, self.edit_button)
        self.setTabOrder(self.edit_button, self.attendance_button)
        self.setTabOrder(self.attendance_button, self.close_button)
        self.setTabOrder(self.close_button, self.kind_filter)
        self.setTabOrder(self.reset_button, self.view)
        self._update_buttons()

    def title(self) -> str:
        return self.tr("Sessions")

    def _button(self, name: str, text: str, shortcut: str | None) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        tall(button)
        button.setMinimumWidth(button.sizeHint().width() + 24)
        if shortcut:
            sequence = QKeySequence(shortcut)
            button.setShortcut(sequence)
            native = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            button.setToolTip(f"{text} ({native})")
        return button

    # -- formatting (the model calls these at paint time) ------------------------------------
    def _format_start(self, value: Any, row: Row) -> str:
        return cst_text(value)

    def _format_kind(self, value: Any, row: Row) -> str:
        return labels.session_kind(value)

    def _format_township(self, value: Any, row: Row) -> str:
        return self._townships.get(str(value), str(row.get("township_name") or value or ""))

    def _format_attendance(self, value: Any, row: Row) -> str:
        headcount = int(row.get("headcount_unregistered") or 0)
        return f"{int(value or 0)} + {headcount}" if headcount else str(int(value or 0))

    def _attendance_tooltip(self, row: Row) -> str:
        text = self.tr("%1 on the roster, %2 not on the roster")
        registered = int(row.get("registered") or 0)
        headcount = int(row.get("headcount_unregistered") or 0)
        return text.replace("%1", str(registered)).replace("%2", str(headcount))

    def _format_state(self, value: Any, row: Row) -> str:
        return labels.session_state(value)

    def _place_tooltip(self, row: Row) -> str:
        latitude, longitude = row.get("latitude"), row.get("longitude")
        if latitude is None or longitude is None:
            return str(row.get("place_name") or "")
        where = f"{latitude:.5f}, {longitude:.5f}"
        return f"{row.get('place_name') or ''} ({where})".strip()

    def _fit_columns(self) -> None:
        """Make each fixed column as wide as the widest value it can show, or its header.

        The values come from the vocabulary (kinds, states), the directory (townships) and
        templates (a date and time, an attendance of "9999 + 999"), so the widths stay put
        when the filters change and no row has to be read.
        """
        metrics = self.view.fontMetrics()
        # What QStyledItemDelegate puts around a cell's text (focus frame margin, each side).
        margin = self.view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        samples = {
            COL_START: [cst_text(int(QDateTime.currentSecsSinceEpoch()))],
            COL_KIND: [labels.session_kind(code) for code in SESSION_KINDS],
            COL_TOWNSHIP: list(self._townships.values()),
            COL_ATTENDANCE: [self._format_attendance(9999, {"headcount_unregistered": 999})],
            COL_STATE: [labels.session_state(state) for state in ("open", "closed")],
        }
        header = self.view.horizontalHeader()
        for key, texts in samples.items():
            column = self.model.column_of(key)
            widest = max((metrics.horizontalAdvance(text) for text in texts), default=0)
            # + 1: the grid line, as QTableView counts it when sizing to contents.
            cell = widest + 2 * margin + CELL_SLACK_PX + 1
            header.resizeSection(column, max(cell, header.sectionSizeHint(column)))

    # -- filters ---------------------------------------------------------------------------
    def _set_default_dates(self) -> None:
        today = cst_today()
        self._loading = True
        try:
            self.date_to.setDate(today)
            self.date_from.setDate(today.addMonths(-FILTER_MONTHS))
        finally:
            self._loading = False

    def _fill_townships(self) -> None:
        self._townships = township_names(self.ctx)
        chosen = self.township_filter.currentData()
        self._loading = True
        try:
            self.township_filter.clear()
            self.township_filter.addItem(self.tr("All townships"), None)
            for code, name in self._townships.items():
                self.township_filter.addItem(name, code)
            position = self.township_filter.findData(chosen) if chosen else 0
            self.township_filter.setCurrentIndex(max(position, 0))
        finally:
            self._loading = False

    def filters(self) -> dict[str, Any]:
        """The current filters as ``list_sessions`` keyword arguments."""
        return {
            "kind": self.kind_filter.currentData(),
            "township_code": self.township_filter.currentData(),
            "date_from": to_date(self.date_from.date()),
            "date_to": to_date(self.date_to.date()),
            "state": self.state_filter.currentData() or None,
        }

    @Slot()
    def _filters_changed(self) -> None:
        if not self._loading:
            self._reload()

    @Slot()
    def _dates_changed(self) -> None:
        if not self._loading:
            self._dates_chosen = True
            self._reload()

    @Slot()
    def reset_filters(self) -> None:
        self._loading = True
        try:
            self.kind_filter.setCurrentIndex(0)
            self.township_filter.setCurrentIndex(0)
            self.state_filter.setCurrentIndex(0)
        finally:
            self._loading = False
        self._dates_chosen = False
        self._set_default_dates()
        self._reload()

    # -- reading -----------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        self._fill_townships()
        self._fit_columns()
        if not self._dates_chosen:
            self._set_default_dates()
        self._reload()

    def _reload(self) -> None:
        selected = self.selected_id()
        try:
            rows = list_sessions(self.ctx.db, **self.filters())
        except (StoreError, sqlite3.Error) as exc:
            show_error(self, exc)
            return
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows)
        if selected is not None:
            self._select_row(self.model.find(selected))
        self._update_buttons()

    def selected_row(self) -> dict[str, Any] | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row()):
            return None
        row = self.model.data(index, ROW_ROLE)
        return dict(row) if row else None

    def selected_id(self) -> str | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid():
            return None
        value = self.model.data(index, KEY_ROLE)
        return str(value) if value else None

    def _select_row(self, position: int) -> None:
        if position < 0:
            self.view.clearSelection()
            return
        index = self.model.index(position, 0)
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def select_session(self, session_id: str) -> None:
        """Select and scroll to a session, widening the filters if they hide it."""
        self.refresh()
        position = self.model.find(session_id)
        if position < 0:
            try:
                session = get_session(self.ctx.db, session_id)
            except (StoreError, sqlite3.Error) as exc:
                show_error(self, exc)
                return
            self._show_date(cst_date(int(session["starts_at"])))
            position = self.model.find(session_id)
        self._select_row(position)
        self.view.setFocus()
        self._update_buttons()

    def _show_date(self, day: QDate) -> None:
        """Open the filters so that sessions on ``day`` are listed."""
        self._loading = True
        try:
            self.kind_filter.setCurrentIndex(0)
            self.township_filter.setCurrentIndex(0)
            self.state_filter.setCurrentIndex(0)
            if day < self.date_from.date():
                self.date_from.setDate(day)
                self._dates_chosen = True
            if day > self.date_to.date():
                self.date_to.setDate(day)
                self._dates_chosen = True
        finally:
            self._loading = False
        self._reload()

    @Slot()
    def _selection_changed(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        is_open = row is not None and row.get("state") == "open"
        self.edit_button.setEnabled(is_open)
        self.attendance_button.setEnabled(is_open)
        self.close_button.setEnabled(is_open)

    # -- actions -----------------------------------------------------------------------------
    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        row = self.model.data(index, ROW_ROLE)
        if row and row.get("state") == "open":
            self.ctx.open_attendance.emit(str(row["id"]))

    @Slot()
    def take_attendance(self) -> None:
        row = self.selected_row()
        if row is not None and row.get("state") == "open":
            self.ctx.open_attendance.emit(str(row["id"]))

    @Slot()
    def new_session(self) -> None:
        self._open_dialog(SessionDialog(self.ctx, parent=self))

    @Slot()
    def edit_session(self) -> None:
        row = self.selected_row()
        if row is None or row.get("state") != "open":
            return
        try:
            session = get_session(self.ctx.db, str(row["id"]))
        except (StoreError, sqlite3.Error) as exc:
            show_error(self, exc)
            return
        self._open_dialog(SessionDialog(self.ctx, session, parent=self))

    def _open_dialog(self, dialog: SessionDialog) -> None:
        # Not exec(): no nested event loop; the dialog reports back through finished.
        if self.session_dialog is not None:
            self.session_dialog.reject()
        self.session_dialog = dialog
        dialog.finished.connect(self._dialog_finished)
        dialog.open()

    @Slot(int)
    def _dialog_finished(self, result: int) -> None:
        dialog = self.session_dialog
        self.session_dialog = None
        if dialog is None:
            return
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted or dialog.session_id is None:
            return
        if dialog.changed:
            self.ctx.data_changed.emit()
        self.select_session(dialog.session_id)
        if dialog.start_attendance:
            self.ctx.open_attendance.emit(dialog.session_id)

    @Slot()
    def close_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.get("state") != "open":
            return
        text = self.tr(
            'Close "%1"?\n\n'
            "A closed session is final: its attendance and details can no longer be changed "
            "on this laptop. Close it when the session is over and everyone has been marked."
        ).replace("%1", str(row.get("title") or ""))
        if not ask_to_confirm(self, self.tr("Close session"), text, self.tr("Close session")):
            return
        try:
            close_session(self.ctx.db, str(row["id"]))
        except (StoreError, sqlite3.Error) as exc:
            show_error(self, exc)
            self._reload()
            return
        self.ctx.data_changed.emit()
        self._reload()


# ---------------------------------------------------------------------------------------------
# The new / edit form


class SessionDialog(QDialog):
    """New session, or edit an open one. Writes on Save; stays open while a value is wrong."""

    def __init__(
        self,
        ctx: AppContext,
        session: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._session = dict(session) if session is not None else None
        #: the new session's id after Save (the edited one's when editing)
        self.session_id: str | None = str(session["id"]) if session is not None else None
        #: whether Save changed anything (editing)
        self.changed = False
        self.setObjectName("session_dialog")
        self.setWindowTitle(self.tr("Edit session") if session else self.tr("New session"))
        self.setModal(True)

        # -- kind: tent and horseback first and larger ------------------------------------
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        big = scaled(self.font(), 1.15, bold=True)
        kind_rows = QVBoxLayout()
        first = QHBoxLayout()
        others = QHBoxLayout()
        for code in SESSION_KINDS:
            button = QRadioButton(labels.session_kind(code), self)
            button.setObjectName(f"kind_{code}")
            tall(button)
            if code in FIRST_CLASS_KINDS:
                button.setFont(big)
                first.addWidget(button)
                first.addSpacing(24)
            else:
                others.addWidget(button)
                others.addSpacing(12)
            self.kind_group.addButton(button)
            self.kind_buttons[code] = button
        first.addStretch(1)
        others.addStretch(1)
        kind_rows.addLayout(first)
        kind_rows.addLayout(others)

        # -- what ------------------------------------------------------------------------
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("title_edit")
        self.title_edit.setPlaceholderText(self.tr("e.g. Grassland protection policy"))
        self.topic_combo = QComboBox(self)
        self.topic_combo.setObjectName("topic_combo")
        self.topic_combo.setEditable(True)
        self.topic_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.lecturers_edit = QLineEdit(self)
        self.lecturers_edit.setObjectName("lecturers_edit")
        self.lecturers_edit.setPlaceholderText(self.tr("Names of the lecturers"))
        self.starts_edit = QDateTimeEdit(self)
        self.starts_edit.setObjectName("starts_edit")
        self.starts_edit.setTimeZone(CST_ZONE)
        self.starts_edit.setDisplayFormat(DATE_TIME_FORMAT)
        self.starts_edit.setCalendarPopup(True)

        # -- where -----------------------------------------------------------------------
        self.township_combo = QComboBox(self)
        self.township_combo.setObjectName("township_combo")
        self.village_combo = QComboBox(self)
        self.village_combo.setObjectName("village_combo")
        self.place_edit = QLineEdit(self)
        self.place_edit.setObjectName("place_edit")
        self.place_edit.setPlaceholderText(self.tr("Pasture or place name"))
        self.latitude_edit = QLineEdit(self)
        self.latitude_edit.setObjectName("latitude_edit")
        self.latitude_edit.setPlaceholderText(self.tr("e.g. 38.81"))
        self.latitude_edit.setToolTip(self.tr("Latitude"))
        self.latitude_edit.setAccessibleName(self.tr("Latitude"))
        self.longitude_edit = QLineEdit(self)
        self.longitude_edit.setObjectName("longitude_edit")
        self.longitude_edit.setPlaceholderText(self.tr("e.g. 99.62"))
        self.longitude_edit.setToolTip(self.tr("Longitude"))
        self.longitude_edit.setAccessibleName(self.tr("Longitude"))
        coordinates = QHBoxLayout()
        coordinates.setSpacing(8)
        coordinates.addWidget(self.latitude_edit)
        coordinates.addWidget(self.longitude_edit)

        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setObjectName("notes_edit")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)

        for widget in (
            self.title_edit,
            self.topic_combo,
            self.lecturers_edit,
            self.starts_edit,
            self.township_combo,
            self.village_combo,
            self.place_edit,
            self.latitude_edit,
            self.longitude_edit,
        ):
            tall(widget)
            widget.setMinimumWidth(200 if widget not in self._coordinate_edits() else 96)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        # One inline error label per field the core (or this form) can complain about.
        self.error_labels: dict[str, QLabel] = {}
        what = QFormLayout()
        where = QFormLayout()
        notes_form = QFormLayout()
        for form in (what, where, notes_form):
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            form.setVerticalSpacing(8)
            form.setHorizontalSpacing(12)
        self._forms: dict[str, QFormLayout] = {}
        self._add_row(what, "title", self.tr("Title"), self.title_edit)
        self._add_row(what, None, self.tr("Topic"), self.topic_combo)
        self._add_row(what, None, self.tr("Lecturers"), self.lecturers_edit)
        self._add_row(what, "starts_at", self.tr("Starts"), self.starts_edit)
        self._add_row(where, "township_code", self.tr("Township"), self.township_combo)
        self._add_row(where, "village_code", self.tr("Village"), self.village_combo)
        self._add_row(where, None, self.tr("Place"), self.place_edit)
        self._add_row(where, "latitude", self.tr("Latitude / longitude"), coordinates)
        self._add_error(where, "longitude")
        self.kind_error = self._error_label("kind")
        self.general_error = self._error_label("")

        columns = QGridLayout()
        columns.setHorizontalSpacing(32)
        columns.addLayout(what, 0, 0)
        columns.addLayout(where, 0, 1)
        columns.setColumnStretch(0, 1)
        columns.setColumnStretch(1, 1)

        self._add_row(notes_form, None, self.tr("Notes"), self.notes_edit)

        self.start_attendance_check = QCheckBox(self.tr("Start taking attendance after saving"))
        self.start_attendance_check.setObjectName("start_attendance_check")
        self.start_attendance_check.setChecked(True)
        tall(self.start_attendance_check)
        self.start_attendance_check.setVisible(session is None)

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(
            self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("save_button")
        self.cancel_button = self.buttons.addButton(
            self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        for push in (self.save_button, self.cancel_button):
            tall(push)
            push.setMinimumWidth(120)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        bottom = QHBoxLayout()
        bottom.addWidget(self.start_attendance_check)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)

        kind_label = QLabel(self.tr("Kind"), self)
        kind_label.setFont(scaled(self.font(), 1.0, bold=True))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(kind_label)
        layout.addLayout(kind_rows)
        layout.addWidget(self.kind_error)
        layout.addLayout(columns)
        layout.addLayout(notes_form)
        layout.addWidget(self.general_error)
        layout.addLayout(bottom)

        self._fill_choices()
        self._load(self._session)
        self.township_combo.currentIndexChanged.connect(self._township_changed)

        # Title first: it is the one thing every session needs typed in.
        order: list[QWidget] = [
            self.title_edit,
            self.topic_combo,
            self.lecturers_edit,
            self.starts_edit,
            self.township_combo,
            self.village_combo,
            self.place_edit,
            self.latitude_edit,
            self.longitude_edit,
            self.notes_edit,
            self.start_attendance_check,
            self.save_button,
            self.cancel_button,
        ]
        for before, after in zip(order, order[1:], strict=False):
            self.setTabOrder(before, after)
        self.title_edit.setFocus()
        # Below this width QFormLayout squeezes the labels of the two columns. Both sizes are
        # explicit so the layout never changes the minimum of a shown window (an inline error
        # appearing would otherwise push new size hints to the window system).
        self.setMinimumSize(DIALOG_MIN_WIDTH_PX, DIALOG_MIN_HEIGHT_PX)
        hint = self.sizeHint()
        self.resize(max(hint.width(), DIALOG_WIDTH_PX), hint.height())

    def _coordinate_edits(self) -> tuple[QWidget, ...]:
        return (self.latitude_edit, self.longitude_edit)

    def _error_label(self, field: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(f"error_{field}" if field else "error_general")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self.error_labels[field] = label
        return label

    def _add_row(
        self, form: QFormLayout, field: str | None, text: str, item: QWidget | QHBoxLayout
    ) -> None:
        # An explicit QLabel: with a text label QFormLayout measured it before it had the
        # dialog's (large) font, and cut Chinese labels short.
        label = QLabel(text, self)
        label.setMinimumHeight(TARGET_HEIGHT_PX)  # centred on the tall field beside it
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if isinstance(item, QWidget):
            label.setBuddy(item)
        form.addRow(label, item)
        if field is not None:
            self._add_error(form, field)

    def _add_error(self, form: QFormLayout, field: str) -> None:
        label = self._error_label(field)
        form.addRow(label)  # spans the row: room for the whole sentence
        form.setRowVisible(label, False)
        self._forms[field] = form

    # -- filling -----------------------------------------------------------------------------
    def _fill_choices(self) -> None:
        for code, name in township_names(self.ctx).items():
            self.township_combo.addItem(name, code)
        self.topic_combo.addItems(self._known_topics())

    def _known_topics(self) -> list[str]:
        """Topics already used: the latest sessions' first, then the library's."""
        seen: dict[str, None] = {}
        for row in list_sessions(self.ctx.db):
            if row.get("topic"):
                seen.setdefault(str(row["topic"]), None)
        for row in materials.list_materials(self.ctx.db):
            if row.get("topic"):
                seen.setdefault(str(row["topic"]), None)
        return list(seen)

    def _fill_villages(self, township_code: str | None, selected: str | None = None) -> None:
        self.village_combo.clear()
        self.village_combo.addItem(self.tr("(not set)"), None)
        if township_code:
            for row in directory.villages(self.ctx.db, township_code):
                self.village_combo.addItem(str(row["name"]), row["code"])
        position = self.village_combo.findData(selected) if selected else 0
        self.village_combo.setCurrentIndex(max(position, 0))

    def _load(self, session: Mapping[str, Any] | None) -> None:
        if session is None:
            self.kind_buttons[FIRST_CLASS_KINDS[0]].setChecked(True)
            self.topic_combo.setCurrentIndex(-1)
            self.topic_combo.setEditText("")
            self.starts_edit.setDateTime(QDateTime.currentDateTime().toTimeZone(CST_ZONE))
            township = app_settings().value(LAST_TOWNSHIP_KEY)
            position = self.township_combo.findData(township) if township else -1
            self.township_combo.setCurrentIndex(max(position, 0))
            self._fill_villages(self.township_combo.currentData())
            return
        button = self.kind_buttons.get(str(session.get("kind")))
        if button is not None:
            button.setChecked(True)
        self.title_edit.setText(str(session.get("title") or ""))
        self.topic_combo.setEditText(str(session.get("topic") or ""))
        self.lecturers_edit.setText(str(session.get("lecturers") or ""))
        self.starts_edit.setDateTime(
            QDateTime.fromSecsSinceEpoch(int(session["starts_at"]), CST_ZONE)
        )
        position = self.township_combo.findData(session.get("township_code"))
        self.township_combo.setCurrentIndex(max(position, 0))
        self._fill_villages(self.township_combo.currentData(), session.get("village_code"))
        self.place_edit.setText(str(session.get("place_name") or ""))
        for edit, key in ((self.latitude_edit, "latitude"), (self.longitude_edit, "longitude")):
            value = session.get(key)
            edit.setText("" if value is None else str(float(value)))
        self.notes_edit.setPlainText(str(session.get("notes") or ""))

    @Slot()
    def _township_changed(self) -> None:
        self._fill_villages(self.township_combo.currentData())

    # -- reading the form --------------------------------------------------------------------
    @property
    def start_attendance(self) -> bool:
        return self._session is None and self.start_attendance_check.isChecked()

    def kind(self) -> str | None:
        for code, button in self.kind_buttons.items():
            if button.isChecked():
                return code
        return None

    def values(self) -> dict[str, Any]:
        """The form as ``create_session`` keyword arguments (text as typed: core cleans it).

        Raises InvalidValueError for coordinates that are not numbers, or only one of them.
        """
        latitude = self._number(self.latitude_edit.text(), "latitude")
        longitude = self._number(self.longitude_edit.text(), "longitude")
        if (latitude is None) != (longitude is None):
            missing = "latitude" if latitude is None else "longitude"
            raise InvalidValueError("give both coordinates or neither", field=missing)
        return {
            "kind": self.kind(),
            "title": self.title_edit.text(),
            "topic": self.topic_combo.currentText(),
            "township_code": self.township_combo.currentData(),
            "village_code": self.village_combo.currentData(),
            "place_name": self.place_edit.text(),
            "latitude": latitude,
            "longitude": longitude,
            "lecturers": self.lecturers_edit.text(),
            "starts_at": int(self.starts_edit.dateTime().toSecsSinceEpoch()),
            "notes": self.notes_edit.toPlainText(),
        }

    @staticmethod
    def _number(text: str, field: str) -> float | None:
        # Chinese input methods easily type a full-width point or a degree sign.
        cleaned = text.strip().replace("。", ".").replace("．", ".").rstrip("°").strip()
        if not cleaned:
            return None
        try:
            return float(cleaned)
        except ValueError:
            raise InvalidValueError(f"{field} is not a number", field=field) from None

    # -- saving ------------------------------------------------------------------------------
    def accept(self) -> None:
        self._clear_errors()
        try:
            values = self.values()
            if self._session is None:
                self.session_id = create_session(self.ctx.db, **values)
                self.changed = True
            else:
                changed = update_session(self.ctx.db, str(self._session["id"]), values)
                self.changed = bool(changed)
        except InvalidValueError as exc:
            self.show_error(exc.field)
            return
        except (StoreError, sqlite3.Error, OSError) as exc:
            show_error(self, exc)
            return
        if values.get("township_code"):
            app_settings().setValue(LAST_TOWNSHIP_KEY, values["township_code"])
        super().accept()

    def _clear_errors(self) -> None:
        for field, label in self.error_labels.items():
            label.clear()
            form = self._forms.get(field)
            if form is not None:
                form.setRowVisible(label, False)
            else:
                label.hide()

    def error_text(self, field: str) -> str:
        messages = {
            "kind": self.tr("Choose the kind of session."),
            "title": self.tr("Enter a title for the session."),
            "township_code": self.tr("Choose the township."),
            "village_code": self.tr("This village is not in the chosen township."),
            "starts_at": self.tr("Enter the start date and time."),
            "latitude": self.tr(
                "Latitude is a number between -90 and 90 (e.g. 38.81); leave both empty if "
                "you do not know the place's coordinates."
            ),
            "longitude": self.tr(
                "Longitude is a number between -180 and 180 (e.g. 99.62); leave both empty "
                "if you do not know the place's coordinates."
            ),
        }
        return messages.get(
            field, self.tr("This value cannot be saved. Check the form and try again.")
        )

    def show_error(self, field: str) -> None:
        """Show the calm message for ``field`` beside it and put the cursor there."""
        label = self.error_labels.get(field, self.error_labels[""])
        label.setText(self.error_text(field))
        form = self._forms.get(field)
        if form is not None:
            form.setRowVisible(label, True)
        else:
            label.show()
        focus: dict[str, QWidget] = {
            "title": self.title_edit,
            "township_code": self.township_combo,
            "village_code": self.village_combo,
            "starts_at": self.starts_edit,
            "latitude": self.latitude_edit,
            "longitude": self.longitude_edit,
            "kind": self.kind_buttons[FIRST_CLASS_KINDS[0]],
        }
        widget = focus.get(field)
        if widget is not None:
            widget.setFocus()
        # A dialog does not grow by itself for a wrapped line that appeared.
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else 0
        self.resize(self.width(), max(self.height(), needed, self.sizeHint().height()))

"""The attendance page (签到): taking attendance at one session — the screen that matters most.

A cadre in a tent, often on an old 1366×768 laptop or a touch screen, ticks off who came.
``AttendancePage.show_session(session_id)`` (the frame calls it when 签到 is chosen on a
session) shows:

* a header with the session (kind, title, place, date, state) and big live counters: present
  (late and left early included), Party members among them, the unregistered headcount (with
  big −/+ buttons) and the total;
* a large search box (focused on show). Every keystroke searches the county's roster by
  characters, full pinyin or initials (``core.people.search_people``, the session's township
  ranked first); an empty box lists the township's roster alphabetically. Up/Down/PageUp/
  PageDown move through the results while the focus stays in the box;
* the results (name, gender, birth year, village, political status, status at this session
  and a big 到 button). A click or tap on 到, or Enter on the selected row, marks present;
  Ctrl+L late, Ctrl+E left early, Ctrl+D takes the mark away, Ctrl+Z undoes the latest change
  (``core.attendance.undo_last``) and says what was undone in the status line;
* who is marked so far, newest first, beside the results; clicking one of them makes the
  buttons act on that person;
* an inline form to add a walk-in (Ctrl+N) without leaving the screen: it warns when someone
  similar is already on the roster (``core.people.likely_duplicates``) and offers to mark that
  person instead.

Decisions the issue left open (also in docs/decisions.md's words, here where they apply):

* After a mark the search box keeps its text, **selected**, and the focus: the next name
  typed replaces it, and the result list keeps showing the person just marked with the new
  status (the row is updated in place, so selection and scroll stay). Clearing the box would
  reset the list to the township roster, and an Enter pressed twice would then mark whoever
  is first on it; with the text kept, a second Enter finds the person already marked.
* Each keystroke searches at once, on the GUI thread: a search takes a few milliseconds
  (bench/desk.py) and doing it synchronously means Enter always marks a row of the results
  for what is in the box, never a stale list.
* An empty box lists the first ``ROSTER_LIMIT`` people of the township (alphabetical by
  pinyin); typing narrows to the best ``SEARCH_LIMIT`` matches in the county.
* People from another township show "township · village" in the village column, so a
  same-named person from elsewhere stands out.
* A closed session is shown read-only: the search still works (to look a person up), every
  control that writes is disabled and a calm note says why.
* Without a session (the page chosen from the navigation) the page lists the open sessions
  to choose from; nothing is marked until one is chosen.

Every write is one quick transaction through ``core`` on the GUI thread (a mark commits in
about 0.2 ms), then the page updates itself and emits ``ctx.data_changed``. Store errors are
shown with ``messages.show_error``. Nothing here writes SQL or opens connections.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimeZone,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScroller,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core import attendance, directory, people
from ...core.errors import SessionClosedError, StoreError
from ...core.people import MAX_NAME_LENGTH, MIN_BIRTH_YEAR
from ...core.sessions import get_session, list_sessions, set_headcount
from ...core.store import transaction
from ...core.vocab import ATTENDED_STATUSES, GENDERS, POLITICAL_STATUSES
from .. import labels
from ..context import AppContext
from ..fonts import scaled
from ..messages import show_error
from ..page import Page
from ..table_model import KEY_ROLE, ROW_ROLE, Column, Row, RowsTableModel

log = logging.getLogger(__name__)

# How many people an empty search box lists (the township's roster) and a typed search shows.
ROSTER_LIMIT = 200
SEARCH_LIMIT = 50
OPEN_SESSIONS_SHOWN = 6
MAX_HEADCOUNT = 9999
# Large targets for fingers and for a laptop on a knee (the issue: rows ≥ 40 px).
ROW_HEIGHT = 44
MIN_VILLAGE_WIDTH = 100
BUTTON_HEIGHT = 44
# Sessions are dated in China Standard Time whatever the laptop's own time zone is.
CST = QTimeZone(8 * 3600)

# Columns of the results (named so the code never counts positions).
COL_NAME = "name"
COL_GENDER = "gender"
COL_BIRTH_YEAR = "birth_year"
COL_VILLAGE = "village"
COL_POLITICAL = "political_status"
COL_STATUS = "status"
COL_ACTION = "action"
# Columns of the attended list.
COL_MARKED_AT = "marked_at"

# Statuses the buttons and shortcuts set; "removed" takes a mark away.
PRESENT, LATE, LEFT_EARLY, REMOVED = "present", "late", "left_early", "removed"


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _big_button(button: QPushButton, min_width: int = 0) -> QPushButton:
    button.setMinimumHeight(BUTTON_HEIGHT)
    if min_width:
        button.setMinimumWidth(min_width)
    button.setAutoDefault(False)
    return button


# ---------------------------------------------------------------------------------------------
# Widgets the page is built from


class SearchBox(QLineEdit):
    """The big search box: Up/Down/PageUp/PageDown move through the results, and the page's
    shortcuts (undo, late, left early …) win over QLineEdit's own use of those keys (its
    undo, and Ctrl+E = end of line on Linux), so the cadre never has to leave the box."""

    navigate = Signal(int)  # Qt.Key of the movement key pressed

    _NAVIGATION_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._passthrough: list[QKeySequence] = []

    def pass_through(self, sequences: Sequence[QKeySequence]) -> None:
        """Key sequences that belong to the page's actions, not to the text editing."""
        self._passthrough = [s for s in sequences if not s.isEmpty()]

    def event(self, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if any(
                pressed.matches(s) == QKeySequence.SequenceMatch.ExactMatch
                for s in self._passthrough
            ):
                event.ignore()  # not ours: let the shortcut fire
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() in self._NAVIGATION_KEYS and not event.modifiers():
            self.navigate.emit(event.key())
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


class MarkButtonDelegate(QStyledItemDelegate):
    """Paints the results' last column as a big 到 button (disabled once the person is marked
    or the session is closed). The click itself is handled by the page (``clicked``)."""

    def __init__(self, is_enabled: Callable[[Row], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._is_enabled = is_enabled

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:  # Qt override
        row = index.data(ROW_ROLE) or {}
        button = QStyleOptionButton()
        button.rect = QRect(option.rect).adjusted(4, 3, -4, -3)
        button.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        button.fontMetrics = option.fontMetrics
        button.state = QStyle.StateFlag.State_Raised
        if self._is_enabled(row):
            button.state |= QStyle.StateFlag.State_Enabled
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, widget)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:  # Qt override
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 96), max(hint.height(), ROW_HEIGHT))


class Counter(QFrame):
    """One big live figure with its caption underneath."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = QLabel("0", self)
        self.value.setObjectName(f"{name}_value")
        self.value.setFont(scaled(self.font(), 2.0, bold=True))
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(self)
        self.caption.setObjectName(f"{name}_caption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(10, 4, 10, 4)
        self.body.setSpacing(0)
        self.body.addWidget(self.value)
        self.body.addWidget(self.caption)

    def set_value(self, value: int) -> None:
        self.value.setText(str(value))


class WalkInForm(QFrame):
    """Add someone who came but is not on the roster, without leaving the screen.

    The page drives it: ``start`` fills it, ``values`` reads it, ``show_duplicates`` turns it
    into the "someone similar is on the roster" question. It writes nothing itself.
    """

    add_requested = Signal()  # "Add and mark present" (checks for duplicates first)
    add_anyway_requested = Signal()  # "Not the same person: add anyway"
    mark_duplicate_requested = Signal(str)  # person id of the similar person chosen
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("walk_in_form")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        heading = QLabel(self.tr("Add a walk-in"), self)
        heading.setFont(scaled(self.font(), 1.2, bold=True))
        intro = QLabel(
            self.tr(
                "Someone who came but is not on the roster. They are added to the roster and "
                "marked present."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("walk_in_name")
        self.name_edit.setMaxLength(MAX_NAME_LENGTH)
        self.name_edit.setPlaceholderText(self.tr("Required"))
        self.gender_combo = QComboBox(self)
        self.gender_combo.setObjectName("walk_in_gender")
        self.birth_year_spin = QSpinBox(self)
        self.birth_year_spin.setObjectName("walk_in_birth_year")
        # One below the first valid year stands for "not known" (shown as its special text).
        self.birth_year_spin.setRange(MIN_BIRTH_YEAR - 1, time.localtime().tm_year)
        self.birth_year_spin.setSpecialValueText(self.tr("Not known"))
        self.village_combo = QComboBox(self)
        self.village_combo.setObjectName("walk_in_village")
        self.political_combo = QComboBox(self)
        self.political_combo.setObjectName("walk_in_political_status")
        for widget in (
            self.name_edit,
            self.gender_combo,
            self.birth_year_spin,
            self.village_combo,
            self.political_combo,
        ):
            widget.setMinimumHeight(BUTTON_HEIGHT - 4)

        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("walk_in_problem")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Gender"), self.gender_combo)
        form.addRow(self.tr("Birth year"), self.birth_year_spin)
        form.addRow(self.tr("Village"), self.village_combo)
        form.addRow(self.tr("Political status"), self.political_combo)

        self.add_button = _big_button(QPushButton(self.tr("Add and mark present"), self))
        self.add_button.setObjectName("walk_in_add")
        self.add_button.setDefault(True)
        self.cancel_button = _big_button(QPushButton(self.tr("Cancel"), self))
        self.cancel_button.setObjectName("walk_in_cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button, 2)
        buttons.addWidget(self.cancel_button, 1)

        # The duplicate question, hidden until someone similar is found.
        self.duplicates_box = QFrame(self)
        self.duplicates_box.setObjectName("walk_in_duplicates")
        self.duplicates_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.duplicates_label = QLabel(self.duplicates_box)
        self.duplicates_label.setWordWrap(True)
        self.duplicates_model = RowsTableModel(
            [
                Column(COL_NAME, lambda: self.tr("Name")),
                Column(COL_GENDER, lambda: self.tr("Gender"), format=lambda v, r: labels.gender(v)),
                Column(COL_BIRTH_YEAR, lambda: self.tr("Born")),
                Column(COL_VILLAGE, lambda: self.tr("Village")),
                Column(
                    COL_POLITICAL,
                    lambda: self.tr("Political status"),
                    format=lambda v, r: labels.political_status(v),
                ),
            ],
            self,
        )
        self.duplicates_view = QTableView(self.duplicates_box)
        self.duplicates_view.setObjectName("walk_in_duplicates_view")
        self.duplicates_view.setModel(self.duplicates_model)
        _setup_table(self.duplicates_view)
        self.duplicates_view.setMaximumHeight(ROW_HEIGHT * 3 + 8)
        self.mark_duplicate_button = _big_button(
            QPushButton(self.tr("Mark this person present"), self.duplicates_box)
        )
        self.mark_duplicate_button.setObjectName("walk_in_mark_duplicate")
        self.add_anyway_button = _big_button(
            QPushButton(self.tr("Not the same person: add"), self.duplicates_box)
        )
        self.add_anyway_button.setObjectName("walk_in_add_anyway")
        duplicate_buttons = QHBoxLayout()
        duplicate_buttons.addWidget(self.mark_duplicate_button)
        duplicate_buttons.addWidget(self.add_anyway_button)
        duplicates_layout = QVBoxLayout(self.duplicates_box)
        duplicates_layout.addWidget(self.duplicates_label)
        duplicates_layout.addWidget(self.duplicates_view)
        duplicates_layout.addLayout(duplicate_buttons)
        self.duplicates_box.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addLayout(buttons)
        layout.addWidget(self.duplicates_box)
        layout.addStretch(1)

        self.add_button.clicked.connect(self.add_requested)
        self.cancel_button.clicked.connect(self.cancelled)
        self.add_anyway_button.clicked.connect(self.add_anyway_requested)
        self.mark_duplicate_button.clicked.connect(self._mark_duplicate)
        self.duplicates_view.activated.connect(self._mark_duplicate)
        self.name_edit.returnPressed.connect(self.add_requested)
        self.name_edit.textEdited.connect(self._changed)
        self.birth_year_spin.valueChanged.connect(self._changed)

    def start(
        self, name: str, villages: Sequence[Mapping[str, Any]], village_code: str | None
    ) -> None:
        """Empty the form for a new walk-in (name prefilled from the search box)."""
        self.name_edit.setText(name)
        self.gender_combo.clear()
        self.gender_combo.addItem(self.tr("Not given"), None)
        for code in GENDERS:
            self.gender_combo.addItem(labels.gender(code), code)
        self.birth_year_spin.setValue(self.birth_year_spin.minimum())
        self.village_combo.clear()
        self.village_combo.addItem(self.tr("Not given"), None)
        for village in villages:
            self.village_combo.addItem(str(village["name"]), village["code"])
        position = self.village_combo.findData(village_code) if village_code else 0
        self.village_combo.setCurrentIndex(max(position, 0))
        self.political_combo.clear()
        for code in POLITICAL_STATUSES:
            self.political_combo.addItem(labels.political_status(code), code)
        self.political_combo.setCurrentIndex(self.political_combo.findData("masses"))
        self.problem_label.hide()
        self.hide_duplicates()
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.name_edit.selectAll()  # a prefilled name is replaced by typing

    def values(self) -> dict[str, Any]:
        year = self.birth_year_spin.value()
        return {
            "name": self.name_edit.text().strip(),
            "gender": self.gender_combo.currentData(),
            "birth_year": None if year == self.birth_year_spin.minimum() else year,
            "village_code": self.village_combo.currentData(),
            "political_status": self.political_combo.currentData() or "masses",
        }

    def show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.show()

    def show_duplicates(self, rows: Sequence[Row]) -> None:
        self.duplicates_label.setText(
            self.tr(
                "%n person(s) with this name already on the township's roster. Is it one of them?",
                "",
                len(rows),
            )
        )
        self.duplicates_model.set_rows(rows)
        self.duplicates_box.show()
        if rows:
            self.duplicates_view.selectRow(0)
        self.mark_duplicate_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def hide_duplicates(self) -> None:
        self.duplicates_model.set_rows([])
        self.duplicates_box.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot()
    def _changed(self) -> None:
        # A changed name or year asks the duplicate question afresh.
        self.problem_label.hide()
        if self.duplicates_box.isVisible():
            self.hide_duplicates()

    @Slot()
    def _mark_duplicate(self) -> None:
        index = self.duplicates_view.currentIndex()
        if not index.isValid() and self.duplicates_model.rowCount():
            index = self.duplicates_model.index(0, 0)
        if index.isValid():
            self.mark_duplicate_requested.emit(str(index.data(KEY_ROLE)))


def _setup_table(view: QTableView) -> None:
    """Big rows, whole-row selection, no editing, kinetic scrolling on touch screens."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    # Fixed sizes: measuring contents on every keystroke's model reset would cost time.
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setMinimumHeight(ROW_HEIGHT - 8)


def _enable_touch_scrolling(view: QTableView) -> None:
    """Drag to scroll with a finger. Called on first show: QScroller's first use costs ~20 ms,
    which the window's start-up should not pay for a page nobody has opened yet."""
    QScroller.grabGesture(view.viewport(), QScroller.ScrollerGestureType.TouchGesture)


# ---------------------------------------------------------------------------------------------
# The page


class AttendancePage(Page):
    """Take attendance at one session (see the module docstring)."""

    key = "attendance"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._session: dict[str, Any] | None = None
        self._statuses: dict[str, str] = {}  # person id → status at this session (attended)
        self._village_names: dict[str, str] = {}
        self._township_names: dict[str, str] = {}
        self._announcing = False  # True while we emit data_changed ourselves
        self._target: QTableView | None = None  # the list the buttons act on
        self._touch_ready = False
        self._captions: dict[QPushButton, tuple[str, str]] = {}  # button → (long, short)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._build_chooser())
        self.stack.addWidget(self._build_session_view())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._build_actions()
        self._load_directory()
        self.refresh()

    def title(self) -> str:
        return self.tr("Attendance")

    # -- building ----------------------------------------------------------------------------
    def _build_chooser(self) -> QWidget:
        """Shown when no session is chosen: the open sessions, newest first."""
        page = QWidget(self)
        page.setObjectName("attendance_chooser")
        heading = QLabel(self.tr("Choose a session to take attendance"), page)
        heading.setFont(scaled(self.font(), 1.5, bold=True))
        intro = QLabel(
            self.tr(
                "Pick an open session below, or create one on the Sessions page and choose "
                "“Take attendance” there."
            ),
            page,
        )
        intro.setWordWrap(True)
        self.chooser_list = QVBoxLayout()
        self.chooser_list.setSpacing(8)
        self.chooser_empty = QLabel(self.tr("There is no open session."), page)
        self.chooser_empty.setObjectName("chooser_empty")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(16)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.chooser_empty)
        layout.addLayout(self.chooser_list)
        layout.addStretch(1)
        return page

    def _build_session_view(self) -> QWidget:
        view = QWidget(self)
        view.setObjectName("attendance_session")
        base = self.font()

        # Header: the session on the left, the live counters on the right.
        self.session_title = QLabel(view)
        self.session_title.setObjectName("session_title")
        self.session_title.setFont(scaled(base, 1.35, bold=True))
        self.session_title.setWordWrap(True)
        self.session_details = QLabel(view)
        self.session_details.setObjectName("session_details")
        self.session_details.setWordWrap(True)
        about = QVBoxLayout()
        about.setSpacing(2)
        about.addWidget(self.session_title)
        about.addWidget(self.session_details)
        about.addStretch(1)

        self.present_counter = Counter("present_counter", view)
        self.members_counter = Counter("members_counter", view)
        self.headcount_counter = Counter("headcount_counter", view)
        self.total_counter = Counter("total_counter", view)
        # The headcount is edited in place: − [n] + (big targets), typed numbers count on Enter.
        self.headcount_counter.value.hide()
        self.headcount_spin = QSpinBox(self.headcount_counter)
        self.headcount_spin.setObjectName("headcount_spin")
        self.headcount_spin.setRange(0, MAX_HEADCOUNT)
        self.headcount_spin.setKeyboardTracking(False)
        self.headcount_spin.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.headcount_spin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headcount_spin.setFont(scaled(base, 1.5, bold=True))
        self.headcount_spin.setMinimumHeight(BUTTON_HEIGHT)
        self.headcount_spin.setMinimumWidth(64)
        self.headcount_minus = _big_button(QPushButton("−", self.headcount_counter), BUTTON_HEIGHT)
        self.headcount_minus.setObjectName("headcount_minus")
        self.headcount_plus = _big_button(QPushButton("+", self.headcount_counter), BUTTON_HEIGHT)
        self.headcount_plus.setObjectName("headcount_plus")
        for button in (self.headcount_minus, self.headcount_plus):
            button.setFont(scaled(base, 1.4, bold=True))
            button.setMaximumWidth(BUTTON_HEIGHT + 8)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the spin box takes the keys
        spin_row = QHBoxLayout()
        spin_row.setSpacing(4)
        spin_row.addWidget(self.headcount_minus)
        spin_row.addWidget(self.headcount_spin)
        spin_row.addWidget(self.headcount_plus)
        self.headcount_counter.body.insertLayout(0, spin_row)

        counters = QHBoxLayout()
        counters.setSpacing(8)
        for counter in (
            self.present_counter,
            self.members_counter,
            self.headcount_counter,
            self.total_counter,
        ):
            counters.addWidget(counter)

        header = QHBoxLayout()
        header.setSpacing(16)
        header.addLayout(about, 1)
        header.addLayout(counters)

        self.closed_note = QLabel(view)
        self.closed_note.setObjectName("closed_note")
        self.closed_note.setWordWrap(True)
        self.closed_note.setFrameShape(QFrame.Shape.StyledPanel)
        self.closed_note.setContentsMargins(12, 8, 12, 8)
        self.closed_note.hide()

        # Left: the search box and its results.
        self.search_box = SearchBox(view)
        self.search_box.setObjectName("search_box")
        self.search_box.setFont(scaled(base, 1.3))
        self.search_box.setMinimumHeight(BUTTON_HEIGHT + 8)
        self.search_box.setClearButtonEnabled(True)
        self.results_caption = QLabel(view)
        self.results_caption.setObjectName("results_caption")
        self.results_caption.setWordWrap(True)
        self.results_model = RowsTableModel(
            [
                Column(COL_NAME, lambda: self.tr("Name")),
                Column(COL_GENDER, lambda: self.tr("Gender"), format=lambda v, r: labels.gender(v)),
                Column(COL_BIRTH_YEAR, lambda: self.tr("Born")),
                Column(COL_VILLAGE, lambda: self.tr("Village")),
                Column(
                    COL_POLITICAL,
                    lambda: self.tr("Political status"),
                    format=lambda v, r: labels.political_status(v),
                ),
                Column(
                    COL_STATUS,
                    lambda: self.tr("This session"),
                    format=lambda v, r: labels.attendance_status(v) if v else "",
                ),
                Column(
                    COL_ACTION,
                    lambda: self.tr("Mark"),
                    format=self._action_text,
                    align=Qt.AlignmentFlag.AlignCenter,
                ),
            ],
            self,
        )
        self.results_view = QTableView(view)
        self.results_view.setObjectName("results_view")
        self.results_view.setModel(self.results_model)
        _setup_table(self.results_view)
        self.mark_delegate = MarkButtonDelegate(self._can_mark_row, self.results_view)
        self.results_view.setItemDelegateForColumn(
            self.results_model.column_of(COL_ACTION), self.mark_delegate
        )
        self._size_result_columns()
        self.results_view.installEventFilter(self)

        left = QWidget(view)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_box)
        left_layout.addWidget(self.results_caption)
        left_layout.addWidget(self.results_view, 1)

        # Right: who is marked (newest first), or the walk-in form.
        self.attended_caption = QLabel(view)
        self.attended_caption.setObjectName("attended_caption")
        self.attended_caption.setFont(scaled(base, 1.1, bold=True))
        self.attended_model = RowsTableModel(
            [
                Column(COL_NAME, lambda: self.tr("Name")),
                Column(
                    COL_STATUS,
                    lambda: self.tr("Status"),
                    format=lambda v, r: labels.attendance_status(v),
                ),
                Column(COL_MARKED_AT, lambda: self.tr("Time"), format=self._time_text),
            ],
            self,
        )
        self.attended_view = QTableView(view)
        self.attended_view.setObjectName("attended_view")
        self.attended_view.setModel(self.attended_model)
        _setup_table(self.attended_view)
        attended_header = self.attended_view.horizontalHeader()
        attended_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        attended_header.setStretchLastSection(True)
        self.attended_view.setColumnWidth(0, self.fontMetrics().horizontalAdvance("才让卓玛草毛00"))
        self.attended_view.setColumnWidth(1, self.fontMetrics().horizontalAdvance("Left early00"))
        attended_panel = QWidget(view)
        attended_layout = QVBoxLayout(attended_panel)
        attended_layout.setContentsMargins(0, 0, 0, 0)
        attended_layout.addWidget(self.attended_caption)
        attended_layout.addWidget(self.attended_view, 1)

        self.walk_in_form = WalkInForm(view)
        self.side = QStackedWidget(view)
        self.side.setObjectName("attendance_side")
        self.side.addWidget(attended_panel)
        self.side.addWidget(self.walk_in_form)

        splitter = QSplitter(Qt.Orientation.Horizontal, view)
        splitter.setObjectName("attendance_splitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 380])

        # The action buttons (their shortcuts are shown in the tooltips and on the buttons).
        self.present_button = _big_button(QPushButton(view), 96)
        self.present_button.setObjectName("present_button")
        self.late_button = _big_button(QPushButton(view), 96)
        self.late_button.setObjectName("late_button")
        self.left_early_button = _big_button(QPushButton(view), 96)
        self.left_early_button.setObjectName("left_early_button")
        self.unmark_button = _big_button(QPushButton(view), 96)
        self.unmark_button.setObjectName("unmark_button")
        self.undo_button = _big_button(QPushButton(view), 96)
        self.undo_button.setObjectName("undo_button")
        self.walk_in_button = _big_button(QPushButton(view), 120)
        self.walk_in_button.setObjectName("walk_in_button")
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for button in (
            self.present_button,
            self.late_button,
            self.left_early_button,
            self.unmark_button,
        ):
            buttons.addWidget(button)
        buttons.addSpacing(16)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.walk_in_button)

        self.status_line = QLabel(view)
        self.status_line.setObjectName("status_line")
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        view.installEventFilter(self)  # the buttons' row is as wide as the view
        layout = QVBoxLayout(view)
        layout.setContentsMargins(16, 10, 16, 8)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.closed_note)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status_line)

        # Wiring.
        self.search_box.textChanged.connect(self._text_changed)
        self.search_box.navigate.connect(self._navigate)
        self.search_box.returnPressed.connect(self.mark_selected_present)
        self.results_view.clicked.connect(self._result_clicked)
        self.results_view.activated.connect(self._result_activated)
        self.results_view.selectionModel().currentChanged.connect(self._results_current_changed)
        self.attended_view.selectionModel().currentChanged.connect(self._attended_current_changed)
        self.present_button.clicked.connect(self.mark_selected_present)
        self.late_button.clicked.connect(self.mark_selected_late)
        self.left_early_button.clicked.connect(self.mark_selected_left_early)
        self.unmark_button.clicked.connect(self.unmark_selected)
        self.undo_button.clicked.connect(self.undo)
        self.walk_in_button.clicked.connect(self.start_walk_in)
        self.headcount_spin.valueChanged.connect(self._headcount_edited)
        self.headcount_minus.clicked.connect(self._headcount_down)
        self.headcount_plus.clicked.connect(self._headcount_up)
        self.walk_in_form.add_requested.connect(self._walk_in_add)
        self.walk_in_form.add_anyway_requested.connect(self._walk_in_add_anyway)
        self.walk_in_form.mark_duplicate_requested.connect(self._walk_in_mark_duplicate)
        self.walk_in_form.cancelled.connect(self.close_walk_in)

        # Keyboard: from the search box straight to the results and the buttons.
        QWidget.setTabOrder(self.search_box, self.results_view)
        QWidget.setTabOrder(self.results_view, self.present_button)
        QWidget.setTabOrder(self.present_button, self.late_button)
        QWidget.setTabOrder(self.late_button, self.left_early_button)
        QWidget.setTabOrder(self.left_early_button, self.unmark_button)
        QWidget.setTabOrder(self.unmark_button, self.undo_button)
        QWidget.setTabOrder(self.undo_button, self.walk_in_button)
        QWidget.setTabOrder(self.walk_in_button, self.headcount_spin)
        QWidget.setTabOrder(self.headcount_spin, self.attended_view)
        return view

    def _build_actions(self) -> None:
        """Shortcuts that work anywhere on the page, the search box included."""

        def action(name: str, keys: str, slot: Callable[[], None]) -> QAction:
            act = QAction(self)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.late_action = action("late_action", "Ctrl+L", self.mark_selected_late)
        self.left_early_action = action(
            "left_early_action", "Ctrl+E", self.mark_selected_left_early
        )
        self.unmark_action = action("unmark_action", "Ctrl+D", self.unmark_selected)
        self.undo_action = action("undo_action", "Ctrl+Z", self.undo)
        self.walk_in_action = action("walk_in_action", "Ctrl+N", self.start_walk_in)
        self.find_action = action("find_action", "Ctrl+F", self.focus_search)
        self.search_box.pass_through(
            [a.shortcut() for a in (self.late_action, self.left_early_action, self.unmark_action)]
            + [a.shortcut() for a in (self.undo_action, self.walk_in_action, self.find_action)]
        )
        self._retranslate_buttons()

    def _retranslate_buttons(self) -> None:
        native = QKeySequence.SequenceFormat.NativeText

        def caption(button: QPushButton, text: str, keys: QKeySequence | str) -> None:
            shown = keys if isinstance(keys, str) else keys.toString(native)
            # Long form with the shortcut; the short form is used when the window is narrow.
            self._captions[button] = (f"{text}  ({shown})", text)
            button.setText(f"{text}  ({shown})")
            button.setToolTip(f"{text} ({shown})")

        caption(self.present_button, self.tr("Mark present"), "Enter")
        caption(self.late_button, self.tr("Late"), self.late_action.shortcut())
        caption(self.left_early_button, self.tr("Left early"), self.left_early_action.shortcut())
        caption(self.unmark_button, self.tr("Remove mark"), self.unmark_action.shortcut())
        caption(self.undo_button, self.tr("Undo"), self.undo_action.shortcut())
        caption(self.walk_in_button, self.tr("Add a walk-in"), self.walk_in_action.shortcut())
        self.search_box.setPlaceholderText(
            self.tr("Type a name, its full pinyin or its initials (e.g. zhuoma, zm)")
        )
        self.present_counter.caption.setText(self.tr("Present"))
        self.members_counter.caption.setText(self.tr("Party members"))
        self.headcount_counter.caption.setText(self.tr("Not on roster"))
        self.total_counter.caption.setText(self.tr("Total"))
        self.present_counter.setToolTip(self.tr("Marked present, late or left early"))
        self.members_counter.setToolTip(
            self.tr("Party members and probationary members among those present")
        )
        self.headcount_counter.setToolTip(
            self.tr("People who came but are not on the roster and were only counted")
        )
        self.total_counter.setToolTip(self.tr("Present plus those only counted"))

    def _size_result_columns(self) -> None:
        """Widths from sample contents and the (translated) headers, computed once: measuring
        the rows on every keystroke's model reset would cost time."""
        metrics = self.results_view.fontMetrics()
        header = self.results_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        samples = {
            COL_NAME: ["才让卓玛草毛"],
            COL_GENDER: [labels.gender(code) for code in GENDERS],
            COL_BIRTH_YEAR: ["0000"],
            COL_POLITICAL: [labels.political_status(code) for code in POLITICAL_STATUSES],
            COL_STATUS: [labels.attendance_status(code) for code in ATTENDED_STATUSES],
        }
        padding = 2 * metrics.horizontalAdvance("0")
        for key, texts in samples.items():
            column = self.results_model.column_of(key)
            title = str(self.results_model.headerData(column, Qt.Orientation.Horizontal))
            width = max(
                header.fontMetrics().horizontalAdvance(title),
                *(metrics.horizontalAdvance(text) for text in texts),
            )
            self.results_view.setColumnWidth(column, width + padding)
        self.results_view.setColumnWidth(self.results_model.column_of(COL_ACTION), 104)
        # The village takes whatever room is left.
        header.setSectionResizeMode(
            self.results_model.column_of(COL_VILLAGE), QHeaderView.ResizeMode.Stretch
        )

    def _load_directory(self) -> None:
        """Township and village names for the results (the directory rarely changes)."""
        english = self.ctx.lang == "en"
        self._township_names = {}
        self._village_names = {}
        for township in directory.townships(self.ctx.db):
            code = str(township["code"])
            name = township["name_en"] if english and township["name_en"] else township["name"]
            self._township_names[code] = str(name)
            for village in directory.villages(self.ctx.db, code):
                self._village_names[str(village["code"])] = str(village["name"])

    # -- public API ----------------------------------------------------------------------------
    @property
    def session_id(self) -> str | None:
        return None if self._session is None else str(self._session["id"])

    def current_session(self) -> dict[str, Any] | None:
        """The session shown (as ``core.sessions.get_session`` has it), or None."""
        return None if self._session is None else dict(self._session)

    @property
    def is_read_only(self) -> bool:
        return self._session is None or self._session["state"] != "open"

    @Slot(str)
    def show_session(self, session_id: str) -> None:
        """Take attendance at ``session_id``: an empty search box, the township's roster."""
        try:
            session = get_session(self.ctx.db, session_id)
        except (StoreError, sqlite3.Error) as exc:
            log.warning("cannot show session %s: %s", session_id, exc)
            show_error(self, exc)
            return
        self._session = session
        self.close_walk_in()
        self.status_line.clear()
        self._reload_session_state()
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self._search()
        self.stack.setCurrentIndex(1)
        self.focus_search()

    @Slot()
    def refresh(self) -> None:
        """Re-read the session, its counters and marks, and the results (kept in place)."""
        if self._announcing:
            return  # our own change: everything was updated already
        self._load_directory()  # a sync may have brought new villages
        if self._session is None:
            self._fill_chooser()
            self.stack.setCurrentIndex(0)
            return
        try:
            self._session = get_session(self.ctx.db, str(self._session["id"]))
        except (StoreError, sqlite3.Error) as exc:
            log.warning("the session shown went away: %s", exc)
            self._session = None
            self.refresh()
            return
        self._reload_session_state()
        self._search(keep_position=True)

    @Slot()
    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    @Slot()
    def mark_selected_present(self) -> None:
        self._mark_selected(PRESENT)

    @Slot()
    def mark_selected_late(self) -> None:
        self._mark_selected(LATE)

    @Slot()
    def mark_selected_left_early(self) -> None:
        self._mark_selected(LEFT_EARLY)

    @Slot()
    def unmark_selected(self) -> None:
        self._mark_selected(REMOVED)

    @Slot()
    def undo(self) -> None:
        """Undo the latest change not yet undone (core.attendance.undo_last)."""
        if self._session is None or self.is_read_only:
            return
        try:
            undone = attendance.undo_last(self.ctx.db, str(self._session["id"]))
        except (StoreError, sqlite3.Error) as exc:
            self._write_failed(exc)
            return
        if undone is None:
            self._say(self.tr("Nothing to undo."))
            return
        self._changed(str(undone["person_id"]), str(undone["status"]))
        self._say(
            self.tr("Undone: %1 %2")
            .replace("%1", str(undone["name"]))
            .replace("%2", labels.attendance_status(str(undone["undone_status"])))
        )

    @Slot()
    def start_walk_in(self) -> None:
        """Open the walk-in form beside the results (name prefilled from a Chinese search)."""
        if self._session is None or self.is_read_only:
            return
        if self.side.currentIndex() == 1:  # already open: keep what was typed into it
            self.walk_in_form.name_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        typed = self.search_box.text().strip()
        township = str(self._session["township_code"])
        self.walk_in_form.start(
            typed if _has_cjk(typed) else "",
            directory.villages(self.ctx.db, township),
            self._session.get("village_code"),
        )
        self.side.setCurrentIndex(1)
        self.walk_in_form.name_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.walk_in_form.name_edit.selectAll()

    @Slot()
    def close_walk_in(self) -> None:
        was_open = self.side.currentIndex() == 1
        self.side.setCurrentIndex(0)
        self.walk_in_form.hide_duplicates()
        if was_open:
            self.focus_search()

    # -- searching -----------------------------------------------------------------------------
    @Slot(str)
    def _text_changed(self, text: str) -> None:
        self._search()

    def _search(self, keep_position: bool = False) -> None:
        """Search for what is in the box and show it (one keystroke's work)."""
        if self._session is None:
            return
        query = self.search_box.text()
        township = str(self._session["township_code"])
        limit = SEARCH_LIMIT if query.strip() else ROSTER_LIMIT
        try:
            found = people.search_people(self.ctx.db, query, township_code=township, limit=limit)
        except (StoreError, sqlite3.Error) as exc:
            log.warning("search failed: %s", exc)
            show_error(self, exc)
            return
        rows = [self._result_row(row) for row in found]
        self._show_results(rows, keep_position=keep_position)
        self._caption_results(query.strip(), len(rows), limit)

    def _result_row(self, person: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(person)
        village = self._village_names.get(str(person.get("village_code") or ""), "")
        township = str(person.get("township_code") or "")
        if self._session is not None and township != self._session["township_code"]:
            village = " · ".join(p for p in (self._township_names.get(township, ""), village) if p)
        row[COL_VILLAGE] = village
        row[COL_STATUS] = self._statuses.get(str(person["id"]))
        return row

    def _show_results(self, rows: list[dict[str, Any]], *, keep_position: bool) -> None:
        model = self.results_model
        same_people = [r["id"] for r in rows] == [r["id"] for r in model.rows()]
        if keep_position and same_people:
            for position, row in enumerate(rows):
                if row != model.row(position):
                    model.replace_row(position, row)
            return
        current = self._selected_result()
        model.set_rows(rows)
        if not rows:
            return
        position = model.find(current["id"]) if keep_position and current else -1
        self._select_result(max(position, 0))
        if position < 0:
            self.results_view.scrollToTop()

    def _caption_results(self, query: str, count: int, limit: int) -> None:
        if self._session is None:
            return
        township = self._township_names.get(str(self._session["township_code"]), "")
        if not query:
            text = self.tr(
                "%1's roster, by pinyin. Type to find anyone in the county (this township first)."
            ).replace("%1", township)
            if count >= limit:
                text += " " + self.tr("The first %n are listed.", "", limit)
        elif count == 0:
            text = self.tr(
                "Nobody on the roster matches “%1”. If the person is not on the roster, add them "
                "as a walk-in (%2)."
            )
            text = text.replace("%1", query).replace(
                "%2",
                self.walk_in_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText),
            )
        elif count >= limit:
            text = self.tr("The best %n matches; type more to narrow them down.", "", count)
        else:
            text = self.tr("%n match(es), this township first.", "", count)
        self.results_caption.setText(text)

    @Slot(int)
    def _navigate(self, key: int) -> None:
        count = self.results_model.rowCount()
        if not count:
            return
        current = self.results_view.currentIndex()
        position = current.row() if current.isValid() else -1
        page = max(1, self.results_view.viewport().height() // ROW_HEIGHT - 1)
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -page,
            Qt.Key.Key_PageDown: page,
        }.get(Qt.Key(key), 0)
        self._select_result(min(max(position + step, 0), count - 1))

    def _select_result(self, position: int) -> None:
        index = self.results_model.index(position, 0)
        self.results_view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.results_view.scrollTo(index)
        self._target = self.results_view

    def _selected_result(self) -> Row | None:
        index = self.results_view.currentIndex()
        return self.results_model.row(index.row()) if index.isValid() else None

    # -- marking -------------------------------------------------------------------------------
    def _action_text(self, value: Any, row: Row) -> str:
        return "✓" if row.get(COL_STATUS) in ATTENDED_STATUSES else self.tr("Here")

    def _can_mark_row(self, row: Row) -> bool:
        return not self.is_read_only and row.get(COL_STATUS) not in ATTENDED_STATUSES

    @Slot(QModelIndex)
    def _result_clicked(self, index: QModelIndex) -> None:
        self._target = self.results_view
        if index.isValid() and index.column() == self.results_model.column_of(COL_ACTION):
            self.mark(self.results_model.row(index.row()), PRESENT)

    @Slot(QModelIndex)
    def _result_activated(self, index: QModelIndex) -> None:
        # Enter on the list, or a double click: the same as the row's 到 button.
        if index.isValid() and index.column() != self.results_model.column_of(COL_ACTION):
            self.mark(self.results_model.row(index.row()), PRESENT)

    @Slot(QModelIndex, QModelIndex)
    def _results_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self._target = self.results_view

    @Slot(QModelIndex, QModelIndex)
    def _attended_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid() and self.attended_view.hasFocus():
            self._target = self.attended_view

    def _target_person(self) -> Row | None:
        """The person the buttons act on: the selected row of the list used last."""
        if self._target is self.attended_view:
            index = self.attended_view.currentIndex()
            if index.isValid():
                return self.attended_model.row(index.row())
        return self._selected_result()

    def _mark_selected(self, status: str) -> None:
        person = self._target_person()
        if person is None:
            if self._session is not None and not self.is_read_only:
                self._say(self.tr("Find the person first: type a name in the search box."))
            return
        self.mark(person, status)

    def mark(self, person: Row, status: str) -> bool:
        """Record ``status`` for ``person`` at this session; True when something changed."""
        if self._session is None:
            return False
        if self.is_read_only:
            self._say(self._closed_text())
            return False
        person_id, name = str(person["id"]), str(person["name"])
        try:
            event = attendance.mark(self.ctx.db, str(self._session["id"]), person_id, status)
        except (StoreError, sqlite3.Error) as exc:
            self._write_failed(exc)
            return False
        if event is None:
            current = self._statuses.get(person_id)
            if current:
                self._say(
                    self.tr("%1 is already marked: %2")
                    .replace("%1", name)
                    .replace("%2", labels.attendance_status(current))
                )
            else:
                self._say(self.tr("%1 is not marked at this session.").replace("%1", name))
            return False
        self._changed(person_id, status)
        if status == REMOVED:
            self._say(self.tr("Mark removed: %1").replace("%1", name))
        else:
            self._say(
                self.tr("Recorded: %1 %2")
                .replace("%1", name)
                .replace("%2", labels.attendance_status(status))
            )
        # Fast next name: the text stays, selected, so typing replaces it (module docstring).
        if self.side.currentIndex() == 0:
            self.search_box.setFocus(Qt.FocusReason.OtherFocusReason)
            self.search_box.selectAll()
        return True

    def _changed(self, person_id: str, status: str) -> None:
        """After a write for one person: their row in place, the counters, the marked list."""
        if status in ATTENDED_STATUSES:
            self._statuses[person_id] = status
        else:
            self._statuses.pop(person_id, None)
        position = self.results_model.find(person_id)
        if position >= 0:
            row = dict(self.results_model.row(position))
            row[COL_STATUS] = self._statuses.get(person_id)
            self.results_model.replace_row(position, row)
        self._reload_marks()
        self._announce()

    def _announce(self) -> None:
        self._announcing = True
        try:
            self.ctx.data_changed.emit()
        finally:
            self._announcing = False

    def _write_failed(self, exc: BaseException) -> None:
        log.warning("attendance write failed: %s: %s", type(exc).__name__, exc)
        if isinstance(exc, SessionClosedError):
            # Closed elsewhere (the sessions page) while this screen was open: show it as such.
            self.refresh()
        show_error(self, exc)

    # -- walk-ins ------------------------------------------------------------------------------
    @Slot()
    def _walk_in_add(self) -> None:
        if self._session is None:
            return
        values = self.walk_in_form.values()
        if not values["name"]:
            self.walk_in_form.show_problem(self.tr("Please enter the person's name."))
            self.walk_in_form.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        try:
            similar = people.likely_duplicates(
                self.ctx.db,
                values["name"],
                values["birth_year"],
                str(self._session["township_code"]),
            )
        except (StoreError, sqlite3.Error) as exc:
            show_error(self, exc)
            return
        if similar:
            self.walk_in_form.show_duplicates([self._result_row(row) for row in similar])
            return
        self._walk_in_add_anyway()

    @Slot()
    def _walk_in_add_anyway(self) -> None:
        if self._session is None or self.is_read_only:
            return
        values = self.walk_in_form.values()
        if not values["name"]:
            self.walk_in_form.show_problem(self.tr("Please enter the person's name."))
            return
        session_id = str(self._session["id"])
        try:
            # The new person and their mark together: never a walk-in left unmarked.
            with transaction(self.ctx.db):
                person_id = people.add_walk_in(
                    self.ctx.db, township_code=str(self._session["township_code"]), **values
                )
                attendance.mark_present(self.ctx.db, session_id, person_id)
        except (StoreError, sqlite3.Error) as exc:
            self._write_failed(exc)
            return
        self.close_walk_in()
        self._changed(person_id, PRESENT)
        self._say(self.tr("Walk-in added and marked present: %1").replace("%1", values["name"]))
        # Show the new person in the results, marked.
        self.search_box.setText(values["name"])
        self.focus_search()

    @Slot(str)
    def _walk_in_mark_duplicate(self, person_id: str) -> None:
        try:
            person = people.get_person(self.ctx.db, person_id)
        except (StoreError, sqlite3.Error) as exc:
            show_error(self, exc)
            return
        self.close_walk_in()
        self.search_box.setText(str(person["name"]))
        if self.mark(person, PRESENT):
            position = self.results_model.find(person_id)
            if position >= 0:
                self._select_result(position)

    # -- headcount -----------------------------------------------------------------------------
    @Slot(int)
    def _headcount_edited(self, value: int) -> None:
        if self._session is None or self.is_read_only:
            return
        if value == int(self._session["headcount_unregistered"]):
            return
        try:
            set_headcount(self.ctx.db, str(self._session["id"]), value)
        except (StoreError, sqlite3.Error) as exc:
            self._write_failed(exc)
            self._show_headcount(int(self._session["headcount_unregistered"]))
            return
        self._session["headcount_unregistered"] = value
        self._reload_counters()
        self._say(self.tr("Not on roster, only counted: %1").replace("%1", str(value)))
        self._announce()

    @Slot()
    def _headcount_up(self) -> None:
        self.headcount_spin.stepUp()
        self.headcount_spin.lineEdit().deselect()  # stepping selects the number; keep it calm

    @Slot()
    def _headcount_down(self) -> None:
        self.headcount_spin.stepDown()
        self.headcount_spin.lineEdit().deselect()

    def _show_headcount(self, value: int) -> None:
        self.headcount_spin.blockSignals(True)
        self.headcount_spin.setValue(value)
        self.headcount_spin.blockSignals(False)

    # -- reading the session -------------------------------------------------------------------
    def _reload_session_state(self) -> None:
        assert self._session is not None
        session = self._session
        self.session_title.setText(f"{labels.session_kind(session['kind'])} · {session['title']}")
        township = self._township_names.get(str(session["township_code"]), "")
        village = self._village_names.get(str(session.get("village_code") or ""), "")
        place = " · ".join(p for p in (township, village, session.get("place_name") or "") if p)
        when = QDateTime.fromSecsSinceEpoch(int(session["starts_at"]), CST)
        self.session_details.setText(
            "   ".join(
                (
                    place,
                    self.locale().toString(when, "yyyy-MM-dd HH:mm"),
                    labels.session_state(session["state"]),
                )
            )
        )
        read_only = self.is_read_only
        self.closed_note.setText(self._closed_text())
        self.closed_note.setVisible(read_only)
        for widget in (
            self.present_button,
            self.late_button,
            self.left_early_button,
            self.unmark_button,
            self.undo_button,
            self.walk_in_button,
            self.headcount_spin,
            self.headcount_minus,
            self.headcount_plus,
        ):
            widget.setEnabled(not read_only)
        for act in (
            self.late_action,
            self.left_early_action,
            self.unmark_action,
            self.undo_action,
            self.walk_in_action,
        ):
            act.setEnabled(not read_only)
        if read_only:
            self.close_walk_in()
        self._show_headcount(int(session["headcount_unregistered"]))
        self._reload_marks()

    def _closed_text(self) -> str:
        return self.tr(
            "This session is closed. Its attendance can be looked at but no longer changed; "
            "corrections are made by the county office."
        )

    def _reload_marks(self) -> None:
        """The marked list (newest first), the statuses shown in the results, the counters."""
        assert self._session is not None
        marked = attendance.attendees(self.ctx.db, str(self._session["id"]))
        self._statuses = {str(row["id"]): str(row["status"]) for row in marked}
        self.attended_model.set_rows(marked[::-1])
        self.attended_caption.setText(self.tr("Marked so far: %n", "", len(marked)))
        self._reload_counters()

    def _reload_counters(self) -> None:
        assert self._session is not None
        figures = attendance.counters(self.ctx.db, str(self._session["id"]))
        self.present_counter.set_value(int(figures["present"]))
        self.members_counter.set_value(int(figures["party_members_present"]))
        self.total_counter.set_value(int(figures["total"]))

    def _time_text(self, value: Any, row: Row) -> str:
        if value is None:
            return ""
        return QDateTime.fromSecsSinceEpoch(int(value), CST).toString("HH:mm")

    def _fill_chooser(self) -> None:
        while self.chooser_list.count():
            item = self.chooser_list.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        try:
            sessions = list_sessions(self.ctx.db, state="open", limit=OPEN_SESSIONS_SHOWN)
        except (StoreError, sqlite3.Error) as exc:
            log.warning("cannot list open sessions: %s", exc)
            sessions = []
        self.chooser_empty.setVisible(not sessions)
        for session in sessions:
            when = QDateTime.fromSecsSinceEpoch(int(session["starts_at"]), CST)
            text = "   ".join(
                (
                    labels.session_kind(session["kind"]),
                    str(session["title"]),
                    self._township_names.get(str(session["township_code"]), ""),
                    when.toString("yyyy-MM-dd HH:mm"),
                )
            )
            button = _big_button(QPushButton(text, self.stack.widget(0)))
            button.setObjectName(f"choose_{session['id']}")
            button.setStyleSheet("text-align: left; padding: 6px 16px;")
            button.setProperty("session_id", session["id"])
            button.clicked.connect(self._chosen)
            self.chooser_list.addWidget(button)

    @Slot()
    def _chosen(self) -> None:
        sender = self.sender()
        if isinstance(sender, QPushButton):
            self.show_session(str(sender.property("session_id")))

    def _say(self, text: str) -> None:
        self.status_line.setText(text)

    # -- fitting a narrow window (960 px, or English) --------------------------------------------
    def _fit_buttons(self) -> None:
        """Drop the shortcuts from the buttons' texts when they would not fit (tooltips keep
        them)."""
        if not self._captions:
            return
        row = self.present_button.parentWidget()
        available = (row.width() if row is not None else self.width()) - 32 - 16 * 8
        metrics = self.present_button.fontMetrics()
        padding = 2 * metrics.horizontalAdvance("00")
        needed = sum(
            metrics.horizontalAdvance(long) + padding for long, _ in self._captions.values()
        )
        use_long = needed <= available
        for button, (long, short) in self._captions.items():
            button.setText(long if use_long else short)

    def _fit_columns(self) -> None:
        """Hide the least needed columns before the 到 button would scroll out of sight."""
        view = self.results_view
        available = view.viewport().width()
        optional = [self.results_model.column_of(k) for k in (COL_POLITICAL, COL_GENDER)]
        village = self.results_model.column_of(COL_VILLAGE)
        for column in optional:
            view.setColumnHidden(column, False)
        fixed = sum(
            view.columnWidth(c)
            for c in range(self.results_model.columnCount())
            if c != village and c not in optional
        )
        room = available - fixed - MIN_VILLAGE_WIDTH
        for column in reversed(optional):  # the gender goes last
            width = view.columnWidth(column)
            if room >= width:
                room -= width
            else:
                view.setColumnHidden(column, True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.Resize:
            if watched is self.results_view:
                self._fit_columns()
            elif watched is self.present_button.parentWidget():
                self._fit_buttons()
        return False

    # -- Qt overrides --------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        if not self._touch_ready:
            self._touch_ready = True
            for view in (self.results_view, self.attended_view, self.walk_in_form.duplicates_view):
                _enable_touch_scrolling(view)
        if self._session is not None and self.side.currentIndex() == 0:
            self.search_box.setFocus(Qt.FocusReason.OtherFocusReason)


__all__ = ["AttendancePage", "SearchBox", "WalkInForm"]

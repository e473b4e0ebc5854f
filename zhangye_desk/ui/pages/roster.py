"""The roster page: browse and search people, see who attended what, add and edit people.

Lives here: ``RosterPage`` (key "roster"), ``PersonDialog`` (add or edit one person, with
inline messages next to the field a value was refused for) and ``find_people`` (the list
query: a search of the whole county narrowed by township and political status). Everything
runs on the GUI thread on purpose: a county-wide search returns in about 10 ms and a write
commits in under a millisecond, so a worker would only add flicker.

Must not live here: SQL (reads and writes go through ``core.people`` and ``core.directory``),
translations of stored codes (``ui.labels``) or anything another page needs (pages talk only
through the ``AppContext`` signals: this page listens to ``open_person`` through the frame,
which calls ``show_person``, and emits ``open_session`` and ``data_changed``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QRegularExpression,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QKeyEvent,
    QKeySequence,
    QRegularExpressionValidator,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from ...core import directory
from ...core import people as core_people
from ...core.errors import InvalidValueError, NotFoundError, StoreError
from ...core.sessions import CST
from ...core.store import connect_worker
from ...core.tasks import TaskState
from ...core.vocab import POLITICAL_STATUSES
from .. import labels
from ..context import AppContext
from ..fonts import scaled
from ..messages import show_error
from ..page import Page
from ..table_model import KEY_ROLE, Column, Row, RowsTableModel
from ..task_runner import TaskHandle

log = logging.getLogger(__name__)

#: The list never holds more than this many people (a county has ~40,000).
LIST_LIMIT = 200
# search_people cannot filter by political status, nor (with a query) by township: it ranks
# the township first. ``find_people`` then reads a wider window and filters it, growing the
# window by the share of rows kept until enough people are found or it reaches WINDOW_MAX.
# That takes up to ~0.4 s on a county roster (a rare status, or one typed letter within a
# township), so those queries run on a worker; the others take ~10 ms on the GUI thread.
WINDOW_START = 4 * LIST_LIMIT
WINDOW_MAX = 20_000
# Offered in the ethnicity combo (editable: anything else may be typed). Stored as written,
# so they are data, not labels, and stay Chinese in the English interface.
ETHNICITIES: tuple[str, ...] = ("裕固族", "藏族", "蒙古族", "汉族", "回族", "土族", "其他")
ROW_HEIGHT = 40
BUTTON_HEIGHT = 44
ERROR_STYLE = "color: #b3261e;"  # a calm dark red: readable in sunlight, not alarming
INDENT = "\u3000"  # a full-width space per organisation level: CJK names line up

# Column keys of the people list and the history table.
COL_NAME = "name"
COL_GENDER = "gender"
COL_ETHNICITY = "ethnicity"
COL_BIRTH_YEAR = "birth_year"
COL_TOWNSHIP = "township_code"
COL_VILLAGE = "village_code"
COL_ORGANISATION = "organisation_id"
COL_POLITICAL = "political_status"
COL_PHONE = "phone"
COL_DATE = "starts_at"
COL_TITLE = "title"
COL_KIND = "kind"
COL_STATUS = "status"


# --- reading --------------------------------------------------------------------------------


@dataclass
class DirectoryNames:
    """Names for the directory codes a person row holds (read once per refresh)."""

    townships: list[dict[str, Any]] = field(default_factory=list)
    township_names: dict[str, str] = field(default_factory=dict)
    village_names: dict[str, str] = field(default_factory=dict)
    organisation_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Database) -> DirectoryNames:
        names = cls(townships=directory.townships(db))
        for township in names.townships:
            names.township_names[township["code"]] = township["name"]
            for village in directory.villages(db, township["code"]):
                names.village_names[village["code"]] = village["name"]
            for organisation in directory.organisations(db, township["code"]):
                names.organisation_names[organisation["id"]] = organisation["name"]
        return names

    def township(self, code: str | None) -> str:
        return self.township_names.get(code or "", code or "")

    def village(self, code: str | None) -> str:
        return self.village_names.get(code or "", code or "")

    def organisation(self, org_id: str | None) -> str:
        return self.organisation_names.get(org_id or "", org_id or "")


def needs_window(query: str, township_code: str | None, political_status: str | None) -> bool:
    """Whether ``find_people`` must filter a wider window than it returns (the slow case)."""
    return political_status is not None or (bool(query.strip()) and township_code is not None)


def find_people(
    db: Database,
    query: str,
    *,
    township_code: str | None = None,
    political_status: str | None = None,
    limit: int = LIST_LIMIT,
    state: TaskState | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``limit`` people matching ``query`` (best first), only in ``township_code`` and
    with ``political_status`` when given; and whether more may match than are returned.
    A ``state`` lets a worker stop between windows once its answer is no longer wanted.
    """
    text = query.strip()
    if not needs_window(text, township_code, political_status):
        # search_people does exactly this itself (an empty query filters by township).
        rows = core_people.search_people(db, text, township_code=township_code, limit=limit + 1)
        return _with_phones(db, rows[:limit]), len(rows) > limit

    def wanted(row: Mapping[str, Any]) -> bool:
        return (township_code is None or row["township_code"] == township_code) and (
            political_status is None or row["political_status"] == political_status
        )

    window = WINDOW_START
    while True:
        if state is not None:
            state.check()
        rows = core_people.search_people(db, text, township_code=township_code, limit=window)
        kept = [row for row in rows if wanted(row)]
        exhausted = len(rows) < window
        if len(kept) > limit or exhausted or window >= WINDOW_MAX:
            return _with_phones(db, kept[:limit]), len(kept) > limit or not exhausted
        # Big enough for limit + 1 at the share kept so far (with a margin), at least double.
        share = max(len(kept), 1) / len(rows)
        window = min(WINDOW_MAX, max(2 * window, int((limit + 1) / share * 1.25)))


def find_people_in_worker(
    db_path: Path,
    query: str,
    township_code: str | None,
    political_status: str | None,
    state: TaskState,
) -> tuple[list[dict[str, Any]], bool]:
    """``find_people`` on a worker thread, with a connection of its own."""
    db = connect_worker(db_path)
    try:
        return find_people(
            db,
            query,
            township_code=township_code,
            political_status=political_status,
            state=state,
        )
    finally:
        db.close()


def _with_phones(db: Database, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # search_people's rows have no phone column (the attendance screen does not need it);
    # the list shows it, so read it for the few rows shown. Key lookups: ~2 ms for 200.
    for row in rows:
        if COL_PHONE not in row:
            row[COL_PHONE] = core_people.get_person(db, row["id"])[COL_PHONE]
    return rows


def cst_date(epoch: int | None) -> str:
    """A session's day as the county reads it (China Standard Time)."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(int(epoch), CST).strftime("%Y-%m-%d")


# --- the add / edit dialog ------------------------------------------------------------------


class PersonDialog(QDialog):
    """Add a person, or edit one; writes through core.people and emits ``saved(person_id)``.

    A refused value is shown in red under its field and nothing is written. When adding, a
    person who may already be on the roster (same name, township and birth year) is shown
    first, and saving again adds the new person anyway.
    """

    saved = Signal(str)

    def __init__(
        self,
        db: Database,
        names: DirectoryNames,
        *,
        person: Mapping[str, Any] | None = None,
        township_code: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("person_dialog")
        self._db = db
        self._names = names
        self._person = dict(person) if person is not None else None
        self._duplicates_shown_for: tuple[str, int | None, str] | None = None
        self.setWindowTitle(self.tr("Edit person") if person else self.tr("Add person"))

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("name_edit")
        self.name_edit.setMaxLength(core_people.MAX_NAME_LENGTH)
        self.gender_combo = QComboBox(self)
        self.gender_combo.setObjectName("gender_combo")
        self.gender_combo.addItem(self.tr("Not given"), None)
        for code in ("M", "F"):
            self.gender_combo.addItem(labels.gender(code), code)
        self.ethnicity_combo = QComboBox(self)
        self.ethnicity_combo.setObjectName("ethnicity_combo")
        self.ethnicity_combo.setEditable(True)
        self.ethnicity_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.ethnicity_combo.addItems(list(ETHNICITIES))
        self.ethnicity_combo.setCurrentIndex(-1)
        self.birth_year_edit = QLineEdit(self)
        self.birth_year_edit.setObjectName("birth_year_edit")
        # Digits only; the range is checked by core, whose refusal is shown under the field.
        self.birth_year_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,4}"), self.birth_year_edit)
        )
        self.birth_year_edit.setPlaceholderText(self.tr("e.g. 1975"))
        self.township_combo = QComboBox(self)
        self.township_combo.setObjectName("township_combo")
        self.township_combo.addItem(self.tr("Choose a township"), None)
        for township in names.townships:
            self.township_combo.addItem(township["name"], township["code"])
        self.village_combo = QComboBox(self)
        self.village_combo.setObjectName("village_combo")
        self.organisation_combo = QComboBox(self)
        self.organisation_combo.setObjectName("organisation_combo")
        self.political_combo = QComboBox(self)
        self.political_combo.setObjectName("political_combo")
        for code in POLITICAL_STATUSES:
            self.political_combo.addItem(labels.political_status(code), code)
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setObjectName("phone_edit")
        self.phone_edit.setMaxLength(24)

        # field name (as core reports it in InvalidValueError.field) → (widget, error label)
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        form = QFormLayout()
        form.setVerticalSpacing(6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows: list[tuple[str, str, QWidget]] = [
            ("name", self.tr("&Name"), self.name_edit),
            ("gender", self.tr("&Gender"), self.gender_combo),
            ("ethnicity", self.tr("E&thnicity"), self.ethnicity_combo),
            ("birth_year", self.tr("&Birth year"), self.birth_year_edit),
            ("township_code", self.tr("T&ownship"), self.township_combo),
            ("village_code", self.tr("&Village"), self.village_combo),
            ("organisation_id", self.tr("Party o&rganisation"), self.organisation_combo),
            ("political_status", self.tr("&Political status"), self.political_combo),
            ("phone", self.tr("P&hone"), self.phone_edit),
        ]
        for name, text, widget in rows:
            widget.setMinimumHeight(BUTTON_HEIGHT - 4)
            error = QLabel(self)
            error.setObjectName(f"error_{name}")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            cell = QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(widget)
            cell.addWidget(error)
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, cell)
            self._fields[name] = (widget, error)

        self.duplicates_label = QLabel(self)
        self.duplicates_label.setObjectName("duplicates_label")
        self.duplicates_label.setWordWrap(True)
        self.duplicates_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.duplicates_label.setStyleSheet("background: #fff4ce; padding: 8px;")
        self.duplicates_label.hide()
        self.general_error = QLabel(self)
        self.general_error.setObjectName("general_error")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("save_button")
        for button in self.buttons.buttons():
            button.setMinimumHeight(BUTTON_HEIGHT)
            button.setMinimumWidth(110)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.duplicates_label)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        # The layout does not push its minimum to the window each time a message appears
        # (``_grow`` resizes instead): a window's minimum changing after it is shown is
        # what some platforms, Qt's offscreen one among them, cannot pass on.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)

        self.township_combo.currentIndexChanged.connect(self._township_changed)
        self._fill(person, township_code)
        self.setMinimumSize(self.minimumSizeHint().expandedTo(QSize(520, 0)))

    # -- filling -------------------------------------------------------------------------
    def _fill(self, person: Mapping[str, Any] | None, township_code: str | None) -> None:
        values: Mapping[str, Any] = person or {
            "township_code": township_code,
            "political_status": "masses",
        }
        self.name_edit.setText(values.get("name") or "")
        _select_data(self.gender_combo, values.get("gender"))
        ethnicity = values.get("ethnicity")
        if ethnicity:
            position = self.ethnicity_combo.findText(ethnicity)
            if position >= 0:
                self.ethnicity_combo.setCurrentIndex(position)
            else:
                self.ethnicity_combo.setEditText(ethnicity)
        birth_year = values.get("birth_year")
        self.birth_year_edit.setText("" if birth_year is None else str(birth_year))
        _select_data(self.township_combo, values.get("township_code"))
        self._township_changed()
        _select_data(self.village_combo, values.get("village_code"))
        _select_data(self.organisation_combo, values.get("organisation_id"))
        _select_data(self.political_combo, values.get("political_status") or "masses")
        self.phone_edit.setText(values.get("phone") or "")

    @Slot()
    def _township_changed(self) -> None:
        """Villages and organisations belong to a township: offer only that township's."""
        code = self.township_combo.currentData()
        self.village_combo.clear()
        self.village_combo.addItem(self.tr("Not given"), None)
        self.organisation_combo.clear()
        self.organisation_combo.addItem(self.tr("None"), None)
        if code is None:
            return
        for village in directory.villages(self._db, code):
            self.village_combo.addItem(village["name"], village["code"])
        for organisation in directory.organisations(self._db, code):
            self.organisation_combo.addItem(
                INDENT * int(organisation["depth"]) + organisation["name"], organisation["id"]
            )

    # -- saving --------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The form as ``core.people`` field values (text as typed; core cleans it)."""
        year_text = self.birth_year_edit.text().strip()
        return {
            "name": self.name_edit.text(),
            "gender": self.gender_combo.currentData(),
            "ethnicity": self.ethnicity_combo.currentText(),
            "birth_year": year_text or None,
            "township_code": self.township_combo.currentData(),
            "village_code": self.village_combo.currentData(),
            "organisation_id": self.organisation_combo.currentData(),
            "political_status": self.political_combo.currentData(),
            "phone": self.phone_edit.text(),
        }

    @Slot()
    def save(self) -> None:
        self._clear_errors()
        values = self.values()
        if self._person is None and self._warn_about_duplicates(values):
            return
        try:
            if self._person is None:
                person_id = core_people.add_person(self._db, **values)
            else:
                person_id = self._person["id"]
                core_people.edit_person(self._db, person_id, values)
        except InvalidValueError as exc:
            self.show_invalid(exc)
            return
        except NotFoundError:
            self._show_general(
                self.tr(
                    "This person is no longer on the roster (the county deleted or merged the "
                    "record). Close this window."
                )
            )
            return
        except (StoreError, OSError) as exc:
            show_error(self, exc)
            return
        self.saved.emit(person_id)
        self.accept()

    def _warn_about_duplicates(self, values: Mapping[str, Any]) -> bool:
        """Show people who may be this person; True stops this save (the next one proceeds)."""
        name = (values["name"] or "").strip()
        township = values["township_code"]
        year_text = values["birth_year"] or ""
        year = int(year_text) if year_text.isdigit() else None
        if not name or township is None:
            return False  # core refuses these; its message is the useful one
        key = (name, year, township)
        if self._duplicates_shown_for == key:
            return False
        found = core_people.likely_duplicates(self._db, name, year, township)
        if not found:
            return False
        self._duplicates_shown_for = key
        lines = []
        for person in found[:5]:
            details = [
                part
                for part in (
                    str(person["birth_year"]) if person["birth_year"] else "",
                    self._names.village(person["village_code"]),
                    labels.political_status(person["political_status"]),
                )
                if part
            ]
            lines.append(f"• {person['name']}（{'，'.join(details)}）")
        text = self.tr(
            "This person may already be on the roster:\n%1\n"
            "If it is someone else, click Save again to add them."
        )
        self.duplicates_label.setText(text.replace("%1", "\n".join(lines)))
        self.duplicates_label.show()
        self._grow()
        return True

    def show_invalid(self, exc: InvalidValueError) -> None:
        """Put a calm message for a refused value under its field and focus the field."""
        message = self._message_for(exc.field)
        if exc.field in self._fields:
            widget, error = self._fields[exc.field]
            error.setText(message)
            error.show()
            widget.setFocus()
            self._grow()
        else:
            self._show_general(message)
        log.info("person form refused %s: %s", exc.field, exc)

    def error_text(self, field_name: str) -> str:
        """The message shown under ``field_name`` ("" when none)."""
        error = self._fields[field_name][1]
        return error.text() if not error.isHidden() else ""

    def _message_for(self, field_name: str) -> str:
        messages: dict[str, Callable[[], str]] = {
            "name": lambda: self.tr("Enter the person's name (at most %1 characters).").replace(
                "%1", str(core_people.MAX_NAME_LENGTH)
            ),
            "birth_year": lambda: (
                self.tr("Enter a year between %1 and %2, or leave it empty.")
                .replace("%1", str(core_people.MIN_BIRTH_YEAR))
                .replace("%2", str(time.localtime().tm_year))
            ),
            "ethnicity": lambda: self.tr("Ethnicity may be at most %1 characters.").replace(
                "%1", str(core_people.MAX_ETHNICITY_LENGTH)
            ),
            "phone": lambda: self.tr(
                "A phone number may only contain digits (and spaces or dashes)."
            ),
            "township_code": lambda: self.tr("Choose the person's township."),
            "village_code": lambda: self.tr(
                "This village is not in the chosen township. Choose the village again."
            ),
            "organisation_id": lambda: self.tr("Choose the Party organisation again."),
            "gender": lambda: self.tr("Choose the gender again."),
            "political_status": lambda: self.tr("Choose the political status again."),
        }
        make = messages.get(field_name)
        return make() if make else self.tr("A value was not accepted. Check the form.")

    def _show_general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.show()
        self._grow()

    def _grow(self) -> None:
        """Make room for a message that just appeared (never shrink what the user sized)."""
        self.resize(self.size().expandedTo(self.sizeHint()))

    def _clear_errors(self) -> None:
        for _, error in self._fields.values():
            error.clear()
            error.hide()
        self.general_error.hide()


def _select_data(combo: QComboBox, value: Any) -> None:
    position = combo.findData(value)
    combo.setCurrentIndex(max(position, 0))


# --- the page -------------------------------------------------------------------------------


class _SearchKeys(QObject):
    """Down or Enter in the search box moves into the list, so the keyboard never gets stuck."""

    def __init__(self, page: RosterPage) -> None:
        super().__init__(page)
        self._page = page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._page.focus_list()
                return True
        return False


class _ListKeys(QObject):
    """Enter on a row of the people list edits that person; on a history row, opens it."""

    def __init__(self, on_enter: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._on_enter = on_enter

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._on_enter()
            return True
        return False


def _table(parent: QWidget, name: str, model: RowsTableModel) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    view.horizontalHeader().setHighlightSections(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table: the page's tab order stays usable
    return view


class PersonDetails(QWidget):
    """The selected person's fields and the sessions they attended."""

    def __init__(self, page: RosterPage) -> None:
        super().__init__(page)
        self.setObjectName("person_details")
        base = self.font()
        self.name_label = QLabel(self)
        self.name_label.setObjectName("detail_name")
        self.name_label.setFont(scaled(base, 1.5, bold=True))
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("detail_summary")
        self.summary_label.setWordWrap(True)
        # A conflict the server reported for this person at a sync (core.sync_issues).
        self.conflict_label = QLabel(self)
        self.conflict_label.setObjectName("detail_conflict")
        self.conflict_label.setWordWrap(True)
        self.conflict_label.setStyleSheet("color: #a33;")
        self.conflict_label.hide()

        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setVerticalSpacing(6)
        for key, text in (
            ("township", self.tr("Township")),
            ("village", self.tr("Village")),
            ("organisation", self.tr("Party organisation")),
            ("political_status", self.tr("Political status")),
            ("phone", self.tr("Phone")),
        ):
            value = QLabel(self)
            value.setObjectName(f"detail_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            form.addRow(QLabel(text, self), value)

        self.history_heading = QLabel(self)
        self.history_heading.setObjectName("history_heading")
        self.history_heading.setFont(scaled(base, 1.0, bold=True))
        self.history_model = RowsTableModel(
            [
                Column(COL_DATE, lambda: self.tr("Date"), format=lambda v, r: cst_date(v)),
                Column(COL_TITLE, lambda: self.tr("Session")),
                Column(
                    COL_KIND, lambda: self.tr("Kind"), format=lambda v, r: labels.session_kind(v)
                ),
                Column(
                    COL_STATUS,
                    lambda: self.tr("Status"),
                    format=lambda v, r: labels.attendance_status(v),
                ),
            ],
            self,
            key="session_id",
        )
        self.history_view = _table(self, "history_view", self.history_model)
        self.history_view.setToolTip(self.tr("Double-click a session (or press Enter) to open it"))
        header = self.history_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(
            self.history_model.column_of(COL_TITLE), QHeaderView.ResizeMode.Stretch
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addWidget(self.name_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.conflict_label)
        layout.addLayout(form)
        self.buttons = QHBoxLayout()
        layout.addLayout(self.buttons)
        layout.addWidget(self.history_heading)
        layout.addWidget(self.history_view, 1)

    def show_person(
        self,
        person: Mapping[str, Any] | None,
        history: Sequence[Row],
        names: DirectoryNames,
        conflicts: Sequence[str] = (),
    ) -> None:
        self._show_conflict(conflicts if person is not None else ())
        if person is None:
            self.name_label.setText(self.tr("No one selected"))
            self.summary_label.setText(
                self.tr("Choose a person in the list to see their details and history.")
            )
            for value in self.values.values():
                value.clear()
            self.history_heading.clear()
            self.history_model.set_rows([])
            return
        self.name_label.setText(person["name"])
        parts = [labels.gender(person.get("gender")), person.get("ethnicity") or ""]
        if person.get("birth_year"):
            parts.append(self.tr("born %1").replace("%1", str(person["birth_year"])))
        if person.get("origin") == "local":
            parts.append(self.tr("added on this laptop"))
        self.summary_label.setText(" · ".join(part for part in parts if part))
        self.values["township"].setText(names.township(person.get("township_code")))
        self.values["village"].setText(names.village(person.get("village_code")))
        self.values["organisation"].setText(names.organisation(person.get("organisation_id")))
        self.values["political_status"].setText(
            labels.political_status(person.get("political_status"))
        )
        self.values["phone"].setText(person.get("phone") or "")
        self.history_heading.setText(
            self.tr("Sessions attended: %n", "", len(history))
            if history
            else self.tr("Has not attended a session yet")
        )
        self.history_model.set_rows(history)


    def _show_conflict(self, fields: Sequence[str]) -> None:
        if not fields:
            self.conflict_label.hide()
            return
        from ..sync_messages import person_fields

        text = self.tr(
            "Sync conflict: someone else changed %1 of this person at the same time. The "
            "server kept the other value; the change made here is in the person's history for "
            "the county administrator. Check the details below (Sync page › Records to check)."
        )
        self.conflict_label.setText(text.replace("%1", person_fields(list(fields))))
        self.conflict_label.show()


class RosterPage(Page):
    """Browse and search the county's people; add and edit them; see their history."""

    key = "roster"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.names = DirectoryNames()
        self.person_dialog: PersonDialog | None = None
        self._current_id: str | None = None
        self._generation = 0  # of list queries: only the latest one's answer is shown
        self._stale = True  # refresh() while hidden only marks; showing catches up
        self._search_task: TaskHandle | None = None

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("search_edit")
        self.search_edit.setPlaceholderText(self.tr("Search: name, pinyin or initials (Ctrl+F)"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumHeight(BUTTON_HEIGHT)
        self.search_edit.installEventFilter(_SearchKeys(self))
        self.township_combo = QComboBox(self)
        self.township_combo.setObjectName("township_filter")
        self.township_combo.setMinimumHeight(BUTTON_HEIGHT)
        self.township_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.political_combo = QComboBox(self)
        self.political_combo.setObjectName("political_filter")
        self.political_combo.setMinimumHeight(BUTTON_HEIGHT)
        self.political_combo.addItem(self.tr("All political statuses"), None)
        for code in POLITICAL_STATUSES:
            self.political_combo.addItem(labels.political_status(code), code)
        self.add_button = QPushButton(self.tr("&Add person"), self)
        self.add_button.setObjectName("add_button")
        self.add_button.setToolTip(self.tr("Add a person to the roster (Ctrl+N)"))
        self.add_button.setMinimumHeight(BUTTON_HEIGHT)
        self.edit_button = QPushButton(self.tr("&Edit"), self)
        self.edit_button.setObjectName("edit_button")
        self.edit_button.setToolTip(self.tr("Edit the selected person (Ctrl+E)"))
        self.edit_button.setMinimumHeight(BUTTON_HEIGHT)
        self.edit_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        self.note_label = QLabel(self)
        self.note_label.setObjectName("note_label")

        self.model = RowsTableModel(
            [
                Column(COL_NAME, lambda: self.tr("Name")),
                Column(COL_GENDER, lambda: self.tr("Gender"), format=lambda v, r: labels.gender(v)),
                Column(COL_ETHNICITY, lambda: self.tr("Ethnicity")),
                Column(COL_BIRTH_YEAR, lambda: self.tr("Born")),
                Column(
                    COL_TOWNSHIP,
                    lambda: self.tr("Township"),
                    format=lambda v, r: self.names.township(v),
                ),
                Column(
                    COL_VILLAGE,
                    lambda: self.tr("Village"),
                    format=lambda v, r: self.names.village(v),
                ),
                Column(
                    COL_ORGANISATION,
                    lambda: self.tr("Party organisation"),
                    format=lambda v, r: self.names.organisation(v),
                ),
                Column(
                    COL_POLITICAL,
                    lambda: self.tr("Political status"),
                    format=lambda v, r: labels.political_status(v),
                ),
                Column(COL_PHONE, lambda: self.tr("Phone")),
            ],
            self,
        )
        self.table = _table(self, "people_view", self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.installEventFilter(_ListKeys(self.edit_selected, self.table))
        self.table.doubleClicked.connect(self._edit_index)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.details = PersonDetails(self)
        self.details.buttons.addWidget(self.edit_button)
        self.details.buttons.addStretch(1)
        self.details.history_view.doubleClicked.connect(self._open_session_at)
        self.details.history_view.installEventFilter(
            _ListKeys(self._open_current_session, self.details.history_view)
        )

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("roster_splitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 420])

        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.township_combo)
        bar.addWidget(self.political_combo)
        bar.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(bar)
        layout.addWidget(self.note_label)
        layout.addWidget(splitter, 1)

        self.setTabOrder(self.search_edit, self.township_combo)
        self.setTabOrder(self.township_combo, self.political_combo)
        self.setTabOrder(self.political_combo, self.add_button)
        self.setTabOrder(self.add_button, self.table)
        self.setTabOrder(self.table, self.edit_button)
        self.setTabOrder(self.edit_button, self.details.history_view)

        for keys, slot in (
            (QKeySequence.StandardKey.Find, self.focus_search),
            (QKeySequence.StandardKey.New, self.add_person),
            ("Ctrl+E", self.edit_selected),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self.search_edit.textChanged.connect(self.search)
        self.township_combo.currentIndexChanged.connect(self.search)
        self.political_combo.currentIndexChanged.connect(self.search)
        self.add_button.clicked.connect(self.add_person)
        self.edit_button.clicked.connect(self.edit_selected)
        self._show_details()

    def title(self) -> str:
        return self.tr("Roster")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # -- reading -------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Re-read the directory names, the list and the selected person (when visible)."""
        if not self.isVisible():
            # data_changed comes with every attendance mark: catch up when shown instead.
            self._stale = True
            return
        self._stale = False
        self._load_directory()
        self.search()

    def _load_directory(self) -> None:
        """Directory names for the list and the township filter (keeps the chosen one)."""
        self.names = DirectoryNames.load(self.ctx.db)
        wanted = self.township_combo.currentData()
        self.township_combo.blockSignals(True)
        self.township_combo.clear()
        self.township_combo.addItem(self.tr("Whole county"), None)
        for township in self.names.townships:
            self.township_combo.addItem(township["name"], township["code"])
        _select_data(self.township_combo, wanted)
        self.township_combo.blockSignals(False)

    @Slot()
    def search(self) -> None:
        """Run the list query for the search box and filters.

        Quick queries run here (~10 ms); the filtered ones (see ``needs_window``) on a worker,
        the list staying as it was until the answer comes. A newer query supersedes an older
        one, whose answer is dropped.
        """
        query = self.search_edit.text()
        township = self.township_combo.currentData()
        status = self.political_combo.currentData()
        self._generation += 1
        if self._search_task is not None:
            self._search_task.cancel()
            self._search_task = None
        if not needs_window(query, township, status):
            rows, more = find_people(
                self.ctx.db, query, township_code=township, political_status=status
            )
            self._show_rows(rows, more)
            return
        self.note_label.setText(self.tr("Searching…"))
        generation = self._generation
        self._search_task = self.ctx.tasks.run(
            partial(find_people_in_worker, self.ctx.paths.db, query, township, status),
            on_done=partial(self._found, generation),
            on_error=partial(self._search_failed, generation),
        )

    @property
    def searching(self) -> bool:
        """Whether a list query is running on a worker."""
        return self._search_task is not None

    def _found(self, generation: int, result: tuple[list[dict[str, Any]], bool]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the user typed on: a newer answer is coming
        self._search_task = None
        self._show_rows(*result)

    def _search_failed(self, generation: int, error: BaseException) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self._search_task = None
        self.note_label.clear()
        self.ctx.tasks.report_error(error)

    def _show_rows(self, rows: list[dict[str, Any]], more: bool) -> None:
        self.model.set_rows(rows)
        if more:
            self.note_label.setText(
                self.tr(
                    "Showing the first %1 people: type a name or pinyin to narrow the list"
                ).replace("%1", str(LIST_LIMIT))
            )
        elif rows:
            self.note_label.setText(self.tr("People listed: %n", "", len(rows)))
        else:
            self.note_label.setText(self.tr("No one matches. Check the spelling or the filters."))
        # Keep the person shown if they are still listed, else show the best match.
        position = self.model.find(self._current_id) if self._current_id else -1
        if position < 0 and rows:
            position = 0
        if position >= 0:
            self._select_row(position)
        else:
            self._current_id = None
            self._show_details()
        self._fit_columns()

    def _fit_columns(self) -> None:
        # Size columns to their contents once rows exist; the user may resize afterwards.
        if self.model.rowCount() and not getattr(self, "_columns_fitted", False):
            self.table.resizeColumnsToContents()
            self._columns_fitted = True

    def _select_row(self, position: int) -> None:
        index = self.model.index(position, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        # currentRowChanged is not emitted when the row number stays (another person now).
        self._current_changed(index, QModelIndex())

    @Slot(QModelIndex, QModelIndex)
    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self._current_id = current.data(KEY_ROLE)
        self._show_details()

    def _show_details(self) -> None:
        person: dict[str, Any] | None = None
        history: list[dict[str, Any]] = []
        if self._current_id is not None:
            try:
                person = core_people.get_person(self.ctx.db, self._current_id)
                history = core_people.attendance_history(self.ctx.db, self._current_id)
            except NotFoundError:
                self._current_id = None
        conflicts: list[str] = []
        if person is not None:
            from ...core.sync_issues import conflicted_people

            conflicts = conflicted_people(self.ctx.db).get(str(person["id"]), [])
        self.details.show_person(person, history, self.names, conflicts)
        self.edit_button.setEnabled(person is not None)

    def current_person_id(self) -> str | None:
        return self._current_id

    @Slot(str)
    def show_person(self, person_id: str) -> None:
        """Show ``person_id`` (from another page): search for their name across the county."""
        try:
            person = core_people.get_person(self.ctx.db, person_id)
        except NotFoundError:
            log.warning("asked to show person %s, who is not on this laptop", person_id)
            return
        self._current_id = person_id
        if self.township_combo.count() == 0:
            self._load_directory()
        for combo in (self.township_combo, self.political_combo, self.search_edit):
            combo.blockSignals(True)
        self.township_combo.setCurrentIndex(0)
        self.political_combo.setCurrentIndex(0)
        self.search_edit.setText(person["name"])
        for combo in (self.township_combo, self.political_combo, self.search_edit):
            combo.blockSignals(False)
        self.search()
        if self._current_id != person_id:
            # Deleted or merged away: not in the list, but their record and history still are.
            self.table.clearSelection()
            self._current_id = person_id
            self._show_details()

    # -- keyboard ------------------------------------------------------------------------
    @Slot()
    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def focus_list(self) -> None:
        if self.model.rowCount():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.table.currentIndex().isValid():
                self._select_row(0)

    # -- history -------------------------------------------------------------------------
    @Slot(QModelIndex)
    def _open_session_at(self, index: QModelIndex) -> None:
        session_id = index.data(KEY_ROLE)
        if session_id:
            self.ctx.open_session.emit(session_id)

    def _open_current_session(self) -> None:
        self._open_session_at(self.details.history_view.currentIndex())

    # -- writing -------------------------------------------------------------------------
    @Slot()
    def add_person(self) -> None:
        if not self.names.townships:
            self.names = DirectoryNames.load(self.ctx.db)
        self._open_dialog(
            PersonDialog(
                self.ctx.db,
                self.names,
                township_code=self.township_combo.currentData(),
                parent=self,
            )
        )

    @Slot()
    def edit_selected(self) -> None:
        if self._current_id is None:
            return
        try:
            person = core_people.get_person(self.ctx.db, self._current_id)
        except NotFoundError:
            self.refresh()
            return
        if person["deleted"] or person["merged_into"]:
            return  # not editable here: the county merges and deletes people
        self._open_dialog(PersonDialog(self.ctx.db, self.names, person=person, parent=self))

    @Slot(QModelIndex)
    def _edit_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self._current_id = index.data(KEY_ROLE)
            self.edit_selected()

    def _open_dialog(self, dialog: PersonDialog) -> None:
        # open(), not exec(): no nested event loop, and tests drive the dialog like a user.
        if self.person_dialog is not None:
            self.person_dialog.close()
        self.person_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(self._dialog_finished)
        dialog.open()
        dialog.name_edit.setFocus()

    @Slot(str)
    def _saved(self, person_id: str) -> None:
        self.ctx.data_changed.emit()
        self.show_person(person_id)

    @Slot(int)
    def _dialog_finished(self, result: int) -> None:
        self.person_dialog = None
        QTimer.singleShot(0, self.table.setFocus)

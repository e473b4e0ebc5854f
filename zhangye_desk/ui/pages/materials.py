"""The materials page: the local library on the left, the material being shown on the right.

The library lists what this laptop knows of (title, topic, language, type, size, duration,
whether the file is here) with filters by topic, language and title. Opening a material shows
it in the viewer panel (``ui/viewers.py``) or, for types the app cannot show, with the
computer's own program. When a session is chosen in "Showing in session", every material
opened is recorded as shown at that session (``core.materials.record_shown``: a row and an
outbox op), and the page emits ``ctx.data_changed``.

Only open sessions can be chosen: what was shown is part of a session, which is final once
closed. A material whose file has not arrived yet is not opened and not recorded; downloads
belong to sync.

What must not live here: queries (core functions only), file reading and playing (viewers).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QDateTime, QLocale, QModelIndex, QSignalBlocker, Qt, Slot
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScroller,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core import materials, sessions
from ...core.errors import NotFoundError, SessionClosedError, StoreError
from .. import labels
from ..context import AppContext
from ..messages import show_error
from ..page import Page
from ..table_model import KEY_ROLE, Column, Row, RowsTableModel
from ..viewers import (
    KIND_AUDIO,
    KIND_IMAGE,
    KIND_OTHER,
    KIND_PDF,
    KIND_TEXT,
    KIND_VIDEO,
    MaterialViewer,
    format_time,
    viewer_kind,
)

log = logging.getLogger(__name__)

# Columns of the library (keys of the rows fed to the model).
COL_TITLE = "title"
COL_TOPIC = "topic"
COL_LANGUAGE = "language"
COL_KIND = "kind"  # added by the page from the mime type (viewers.viewer_kind)
COL_SIZE = "size"
COL_DURATION = "duration_s"
COL_FILE = "file_state"

ROW_HEIGHT_PX = 60  # two lines of a title
CONTROL_HEIGHT_PX = 44
LIBRARY_WIDTH_PX = 590  # the list's share of the splitter at first; the viewer gets the rest
MIN_SECTION_PX = 48
MAX_COLUMN_PX = 110
NO_SESSION = ""
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _fill(text: str, *args: object) -> str:
    """Replace Qt-style placeholders %1, %2 … (highest first, so %1 never eats %10)."""
    for number in range(len(args), 0, -1):
        text = text.replace(f"%{number}", str(args[number - 1]))
    return text


def library_rows(found: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``core.materials.list_materials`` rows, each with the viewer kind its mime type gets."""
    return [{**row, COL_KIND: viewer_kind(row.get("mime"))} for row in found]


class MaterialsPage(Page):
    key = "materials"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._all_rows: list[dict[str, Any]] = []
        self._open_id = ""  # the material in the viewer

        # -- filters and the session ----------------------------------------------------------
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("search_edit")
        self.search_edit.setPlaceholderText(self.tr("Search titles and topics"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumHeight(CONTROL_HEIGHT_PX)
        self.topic_combo = self._combo("topic_combo")
        self.topic_combo.setToolTip(self.tr("Show only one topic"))
        self.language_combo = self._combo("language_combo")
        self.language_combo.setToolTip(self.tr("Show only one language"))
        self.session_label = QLabel(self.tr("Showing in session:"), self)
        self.session_combo = self._combo("session_combo")
        self.session_combo.setMinimumWidth(260)
        self.session_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.session_combo.setToolTip(
            self.tr(
                "Materials opened while a session is chosen are recorded as shown at that "
                "session. Only sessions that are still open can be chosen."
            )
        )
        self.session_label.setBuddy(self.session_combo)

        # -- the library --------------------------------------------------------------------
        self.model = RowsTableModel(
            [
                Column(COL_TITLE, lambda: self.tr("Title"), tooltip=self._title_tooltip),
                Column(COL_TOPIC, lambda: self.tr("Topic")),
                Column(
                    COL_LANGUAGE,
                    lambda: self.tr("Language"),
                    format=self._language,
                    tooltip=lambda row: labels.language(row.get(COL_LANGUAGE)),
                ),
                Column(COL_KIND, lambda: self.tr("Type"), format=self._kind_label),
                Column(COL_SIZE, lambda: self.tr("Size"), format=self._size, align=_RIGHT),
                Column(
                    COL_DURATION, lambda: self.tr("Length"), format=self._duration, align=_RIGHT
                ),
                Column(
                    COL_FILE,
                    lambda: self.tr("File"),
                    format=self._file_state,
                    tooltip=lambda row: labels.file_state(row.get(COL_FILE)),
                ),
            ],
            self,
        )
        self.table = QTableView(self)
        self.table.setObjectName("materials_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Titles are long ("草原生态保护补助奖励政策（宣讲提纲）"): two lines show them whole
        # in a narrow column, and a taller row is an easier target for a finger.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT_PX)
        # The title takes what the other columns leave (elided; whole in its tooltip and above
        # the viewer), so the list needs no sideways scrolling at its first width.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(self.model.column_of(COL_TITLE), QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(MIN_SECTION_PX)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        QScroller.grabGesture(self.table.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.table.setToolTip(self.tr("Click a material, or press Enter, to show it"))

        self.open_button = QPushButton(self.tr("Show"), self)
        self.open_button.setObjectName("open_button")
        self.open_button.setMinimumHeight(CONTROL_HEIGHT_PX)
        self.open_button.setToolTip(self.tr("Show the chosen material (Enter)"))
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count_label")

        # -- the viewer ------------------------------------------------------------------------
        self.viewer = MaterialViewer(self)

        # -- wiring ----------------------------------------------------------------------------
        self.search_edit.textChanged.connect(self._apply_filters)
        self.topic_combo.currentIndexChanged.connect(self._apply_filters)
        self.language_combo.currentIndexChanged.connect(self._apply_filters)
        self.session_combo.currentIndexChanged.connect(self._session_chosen)
        # A click or a tap opens; Enter opens the selected row (arrows only move the selection,
        # so browsing the list with the keyboard records nothing).
        self.table.clicked.connect(self._row_clicked)
        self.open_button.clicked.connect(self.open_selected)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self.table)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self.open_selected)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        # -- layout ----------------------------------------------------------------------------
        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 2)
        filters.addWidget(self.topic_combo, 1)
        filters.addWidget(self.language_combo, 1)
        filters.addSpacing(24)
        filters.addWidget(self.session_label)
        filters.addWidget(self.session_combo, 2)

        library = QWidget(self)
        library.setObjectName("library")
        library_layout = QVBoxLayout(library)
        library_layout.setContentsMargins(0, 0, 0, 0)
        library_layout.addWidget(self.table, 1)
        below = QHBoxLayout()
        below.addWidget(self.count_label, 1)
        below.addWidget(self.open_button)
        library_layout.addLayout(below)

        viewer_home = QWidget(self)
        viewer_home.setObjectName("viewer_home")
        viewer_layout = QVBoxLayout(viewer_home)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.addWidget(self.viewer, 1)  # the viewer leaves and returns for full screen

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("materials_splitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(library)
        self.splitter.addWidget(viewer_home)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([LIBRARY_WIDTH_PX, 10_000])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)

        self.setTabOrder(self.search_edit, self.topic_combo)
        self.setTabOrder(self.topic_combo, self.language_combo)
        self.setTabOrder(self.language_combo, self.session_combo)
        self.setTabOrder(self.session_combo, self.table)
        self.setTabOrder(self.table, self.open_button)
        self._fill_session_combo([])
        self._update_buttons()

    def title(self) -> str:
        return self.tr("Materials")

    # -- reading -------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Re-read the library and the open sessions; keep the filters, selection and viewer."""
        try:
            found = materials.list_materials(self.ctx.db)
            open_sessions = sessions.list_sessions(self.ctx.db, state="open")
        except StoreError as exc:
            show_error(self, exc)
            return
        self._all_rows = library_rows(found)
        self._fill_filter_combos()
        self._fill_session_combo(open_sessions)
        self._apply_filters()

    def _fill_filter_combos(self) -> None:
        topics = sorted({str(r[COL_TOPIC]) for r in self._all_rows if r.get(COL_TOPIC)})
        codes = sorted({str(r[COL_LANGUAGE]) for r in self._all_rows if r.get(COL_LANGUAGE)})
        self._refill(self.topic_combo, [(self.tr("All topics"), None)] + [(t, t) for t in topics])
        self._refill(
            self.language_combo,
            [(self.tr("All languages"), None)] + [(labels.language(c), c) for c in codes],
        )

    def _fill_session_combo(self, open_sessions: Sequence[Mapping[str, Any]]) -> None:
        items: list[tuple[str, Any]] = [(self.tr("None (not in a session)"), NO_SESSION)]
        locale = QLocale()
        for session in open_sessions:
            when = QDateTime.fromSecsSinceEpoch(int(session["starts_at"]))
            text = _fill(
                self.tr("%1 — %2, %3"),
                session["title"],
                session.get("township_name") or "",
                locale.toString(when, QLocale.FormatType.ShortFormat),
            )
            items.append((text, str(session["id"])))
        # The chosen session stays chosen unless it was closed meanwhile.
        self._refill(self.session_combo, items)

    @staticmethod
    def _refill(combo: QComboBox, items: Sequence[tuple[str, Any]]) -> None:
        """Replace a combo's items, keeping the current choice when it is still there."""
        current = combo.currentData()
        with QSignalBlocker(combo):
            combo.clear()
            for text, data in items:
                combo.addItem(text, data)
            position = combo.findData(current)
            combo.setCurrentIndex(max(position, 0))

    @Slot()
    def _apply_filters(self) -> None:
        topic = self.topic_combo.currentData()
        language = self.language_combo.currentData()
        needle = self.search_edit.text().strip().casefold()
        rows = [
            row
            for row in self._all_rows
            if (topic is None or row.get(COL_TOPIC) == topic)
            and (language is None or row.get(COL_LANGUAGE) == language)
            and (
                not needle
                or needle in str(row.get(COL_TITLE) or "").casefold()
                or needle in str(row.get(COL_TOPIC) or "").casefold()
            )
        ]
        selected = self.selected_id() or self._open_id
        self.model.set_rows(rows)
        self._fit_columns()
        self._select(selected)
        present = sum(1 for row in rows if row.get(COL_FILE) == "present")
        if rows:
            self.count_label.setText(
                _fill(self.tr("Materials: %1 (on this laptop: %2)"), len(rows), present)
            )
        elif self._all_rows:
            self.count_label.setText(self.tr("No material matches the search."))
        else:
            self.count_label.setText(self.tr("No materials yet. They arrive with the next sync."))
        self._update_buttons()

    def _fit_columns(self) -> None:
        """Size the columns beside the title to their contents, but never wider than
        ``MAX_COLUMN_PX`` (a long language name is elided, whole in its tooltip)."""
        for key in (COL_TOPIC, COL_LANGUAGE, COL_KIND, COL_SIZE, COL_DURATION, COL_FILE):
            column = self.model.column_of(key)
            self.table.resizeColumnToContents(column)
            if self.table.columnWidth(column) > MAX_COLUMN_PX:
                self.table.setColumnWidth(column, MAX_COLUMN_PX)

    # -- choosing --------------------------------------------------------------------------------
    def selected_id(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(KEY_ROLE)) if rows else ""

    def _select(self, material_id: str) -> bool:
        position = self.model.find(material_id) if material_id else -1
        if position < 0:
            self.table.clearSelection()
            return False
        self.table.selectRow(position)
        self.table.scrollTo(self.model.index(position, 0))
        return True

    def current_session_id(self) -> str:
        """The session materials are being shown at ("" when none is chosen)."""
        return str(self.session_combo.currentData() or NO_SESSION)

    def choose_session(self, session_id: str) -> bool:
        """Choose ``session_id`` in "Showing in session" (if it is open); "" chooses none."""
        position = self.session_combo.findData(session_id or NO_SESSION)
        if position < 0:
            return False
        self.session_combo.setCurrentIndex(position)
        return True

    @Slot(int)
    def _session_chosen(self, _position: int) -> None:
        # A new session starts without a note about the one before.
        self.viewer.set_notice("")

    @Slot()
    def _update_buttons(self) -> None:
        self.open_button.setEnabled(bool(self.selected_id()))

    # -- opening -----------------------------------------------------------------------------------
    def open_material(self, material_id: str, session_id: str) -> None:
        """Show a material, recorded at ``session_id`` ("" outside a session).

        Called by the frame when another page emits ``ctx.open_material``.
        """
        self.refresh()
        self.search_edit.clear()
        self.topic_combo.setCurrentIndex(0)
        self.language_combo.setCurrentIndex(0)
        if not self.choose_session(session_id):
            self.choose_session(NO_SESSION)
            if session_id:
                log.info("session %s is not open; showing %s outside it", session_id, material_id)
        self._select(material_id)
        self._open(material_id, note_closed=bool(session_id) and not self.current_session_id())

    @Slot()
    def open_selected(self) -> None:
        material_id = self.selected_id()
        if material_id:
            self._open(material_id)

    @Slot(QModelIndex)
    def _row_clicked(self, index: QModelIndex) -> None:
        material_id = str(index.data(KEY_ROLE) or "")
        # A second tap on the material already shown does not show (or record) it again; one
        # that could not be shown (not downloaded yet) is tried again.
        showing = material_id == self._open_id and self.viewer.path is not None
        if material_id and not showing:
            self._open(material_id)

    def _open(self, material_id: str, *, note_closed: bool = False) -> None:
        try:
            material = materials.get_material(self.ctx.db, material_id)
            path = materials.material_path(self.ctx.db, material_id, self.ctx.paths.materials)
        except NotFoundError:
            self.viewer.show_message(
                "", self.tr("This material is no longer on the list. It may have been withdrawn.")
            )
            self._open_id = ""
            return
        except StoreError as exc:
            show_error(self, exc)
            return
        title = str(material["title"])
        self._open_id = material_id
        if path is None:
            self.viewer.show_message(
                title,
                self.tr(
                    "This material is not on this laptop yet. It will arrive with the next "
                    "sync at the township office; nothing needs to be done now."
                ),
            )
            return
        if not self.viewer.show_file(path, str(material["mime"]), title):
            return
        if viewer_kind(material["mime"]) in (KIND_AUDIO, KIND_VIDEO):
            # So that Space plays and pauses straight away.
            self.viewer.media.play_button.setFocus()
        if note_closed:
            self.viewer.set_notice(
                self.tr("That session is closed, so this was not recorded as shown.")
            )
        self._record_shown(material_id)

    def _record_shown(self, material_id: str) -> None:
        session_id = self.current_session_id()
        if not session_id:
            return
        try:
            materials.record_shown(self.ctx.db, session_id, material_id)
            session = sessions.get_session(self.ctx.db, session_id)
        except (SessionClosedError, NotFoundError):
            # Closed (or gone) since the list was read: it can no longer be chosen.
            self.viewer.set_notice(
                self.tr("That session is closed, so this was not recorded as shown.")
            )
            self.refresh()
            return
        except StoreError as exc:
            show_error(self, exc)
            return
        self.viewer.set_notice(_fill(self.tr("Recorded: shown in “%1”"), session["title"]))
        self.ctx.data_changed.emit()

    # -- cells -----------------------------------------------------------------------------------
    def _kind_label(self, kind: Any, _row: Row) -> str:
        names = {
            KIND_PDF: self.tr("PDF"),
            KIND_AUDIO: self.tr("Audio"),
            KIND_VIDEO: self.tr("Video"),
            KIND_IMAGE: self.tr("Image"),
            KIND_TEXT: self.tr("Text"),
            KIND_OTHER: self.tr("Other"),
        }
        return names.get(str(kind), self.tr("Other"))

    @staticmethod
    def _language(code: Any, _row: Row) -> str:
        return labels.language(code)

    @staticmethod
    def _file_state(code: Any, _row: Row) -> str:
        return labels.file_state(code)

    @staticmethod
    def _size(size: Any, _row: Row) -> str:
        if size is None:
            return ""
        # Whole kilobytes ("240 kB"), one decimal from a megabyte up ("1.2 MB").
        precision = 1 if int(size) >= 1024 * 1024 else 0
        return QLocale().formattedDataSize(
            int(size), precision, QLocale.DataSizeFormat.DataSizeTraditionalFormat
        )

    @staticmethod
    def _duration(seconds: Any, row: Row) -> str:
        if seconds is None or row.get(COL_KIND) not in (KIND_AUDIO, KIND_VIDEO):
            return ""
        return format_time(round(float(seconds) * 1000))

    @staticmethod
    def _title_tooltip(row: Row) -> str:
        return str(row.get(COL_TITLE) or "")

    # -- Qt events -------------------------------------------------------------------------------
    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        # Another page was chosen (or the window closed): stop the sound, give the screen back.
        # Not when the window is only minimised: the recording may go on playing.
        if not event.spontaneous():
            self.viewer.pause()
            self.viewer.leave_full_screen()
        super().hideEvent(event)

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setMinimumHeight(CONTROL_HEIGHT_PX)
        combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return combo

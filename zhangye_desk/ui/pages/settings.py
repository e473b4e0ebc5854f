"""The settings page (设置): what this laptop holds, language, data folder, backups, restore.

``SettingsPage`` shows the store's status summary (``core.status``), lets the user choose the
interface language (saved for the next start; see ``main_window.save_language``), opens the
data folder in the file manager, writes a backup now, and lists the backups. Restoring is
confirmed here, then asked of the frame through ``restore_requested``: only the frame can
close the store, swap the file and give every page the reopened store
(``MainWindow.restore_from_backup``).

Nothing here opens connections or touches the database file directly.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, QItemSelectionModel, QLocale, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core import backup
from ...core.errors import StoreError
from ...core.status import status
from ..context import AppContext
from ..fonts import scaled
from ..main_window import save_language, saved_language
from ..messages import show_error
from ..page import Page
from ..table_model import KEY_ROLE, Column, Row, RowsTableModel

log = logging.getLogger(__name__)

TARGET_HEIGHT_PX = 44
ROW_HEIGHT_PX = 40
# Languages offered, each named in its own language (so a user who cannot read the current
# one still finds theirs).
LANGUAGE_CHOICES: tuple[tuple[str, str], ...] = (("zh_CN", "中文"), ("en", "English"))
# core.backup names files "<db stem>-YYYYmmdd-HHMMSS-ffffff-<reason>.sqlite3".
_BACKUP_NAME = re.compile(r"-(\d{8})-(\d{6})-\d{6}-(?P<reason>[a-z-]+)$")

# Columns of the backups table.
COL_WHEN = "when"
COL_REASON = "reason"
COL_SIZE = "size"


def backup_rows(db_path: Path) -> list[dict[str, Any]]:
    """The backups of the store at ``db_path``, newest first, as table rows."""
    rows: list[dict[str, Any]] = []
    for path in backup.list_backups(db_path):
        try:
            info = path.stat()
        except OSError:  # rotated away while we looked
            continue
        match = _BACKUP_NAME.search(path.stem)
        when = QDateTime.fromSecsSinceEpoch(int(info.st_mtime))
        if match is not None:
            parsed = QDateTime.fromString(match.group(1) + match.group(2), "yyyyMMddHHmmss")
            if parsed.isValid():
                when = parsed
        rows.append(
            {
                "id": str(path),
                "name": path.name,
                COL_WHEN: when,
                COL_REASON: match.group("reason") if match else "",
                COL_SIZE: info.st_size,
            }
        )
    return rows


class SettingsPage(Page):
    """设置: status summary, language, data folder, backups and restore."""

    key = "settings"
    #: the user confirmed restoring this backup file (path); the frame does it
    restore_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._pending = 0  # unsynced changes, for the restore warning
        base = self.font()
        big = scaled(base, 1.4, bold=True)

        heading = QLabel(self.tr("Settings"), self)
        heading.setFont(scaled(base, 1.5, bold=True))

        # -- what this laptop holds -------------------------------------------------------
        summary = QGroupBox(self.tr("Recorded on this laptop"), self)
        intro = QLabel(
            self.tr(
                "Everything you record is saved on this laptop first, with or without a "
                "network. Back at the township office, sync to send it to the county."
            ),
            summary,
        )
        intro.setWordWrap(True)
        self.pending_value = self._value_label("pending_value", big, summary)
        self.sessions_value = self._value_label("sessions_value", big, summary)
        self.participant_times_value = self._value_label("participant_times_value", big, summary)
        self.last_sync_value = self._value_label("last_sync_value", base, summary)
        figures = QFormLayout()
        figures.setHorizontalSpacing(24)
        figures.setVerticalSpacing(8)
        figures.addRow(self.tr("Changes waiting to be synced"), self.pending_value)
        figures.addRow(self.tr("Sessions recorded"), self.sessions_value)
        figures.addRow(self.tr("Participant-times recorded"), self.participant_times_value)
        figures.addRow(self.tr("Last sync"), self.last_sync_value)
        summary_layout = QVBoxLayout(summary)
        summary_layout.addWidget(intro)
        summary_layout.addLayout(figures)

        # -- language ---------------------------------------------------------------------
        language_box = QGroupBox(self.tr("Language"), self)
        self.language_combo = QComboBox(language_box)
        self.language_combo.setObjectName("language_combo")
        self.language_combo.setMinimumHeight(TARGET_HEIGHT_PX)
        for code, name in LANGUAGE_CHOICES:
            self.language_combo.addItem(name, code)
        chosen = saved_language() or ctx.lang
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(chosen), 0))
        self.language_note = QLabel(
            self.tr("The new language is used when you next open Zhangye Desk."), language_box
        )
        self.language_note.setObjectName("language_note")
        self.language_note.setWordWrap(True)
        self.language_note.setVisible(chosen != ctx.lang)
        self.language_combo.currentIndexChanged.connect(self._language_chosen)
        language_row = QHBoxLayout()
        language_label = QLabel(self.tr("Interface language"), language_box)
        language_label.setBuddy(self.language_combo)
        language_row.addWidget(language_label)
        language_row.addWidget(self.language_combo)
        language_row.addStretch(1)
        language_layout = QVBoxLayout(language_box)
        language_layout.addLayout(language_row)
        language_layout.addWidget(self.language_note)

        # -- data folder ------------------------------------------------------------------
        folder_box = QGroupBox(self.tr("Data folder"), self)
        self.data_dir_value = QLineEdit(folder_box)
        self.data_dir_value.setObjectName("data_dir_value")
        self.data_dir_value.setReadOnly(True)
        self.data_dir_value.setMinimumHeight(TARGET_HEIGHT_PX)
        self.open_folder_button = self._button(
            "open_folder_button", self.tr("Open folder"), folder_box
        )
        self.open_folder_button.clicked.connect(self.open_data_folder)
        folder_layout = QHBoxLayout(folder_box)
        folder_layout.addWidget(self.data_dir_value, 1)
        folder_layout.addWidget(self.open_folder_button)

        # -- county server (the enrolment dialog, as on the sync page) ---------------------
        server_box = QGroupBox(self.tr("County server"), self)
        self.server_value = QLabel(server_box)
        self.server_value.setObjectName("server_value")
        self.server_value.setWordWrap(True)
        self.enrol_button = self._button(
            "settings_enrol_button", self.tr("Enrol with a server…"), server_box
        )
        self.enrol_button.clicked.connect(self.open_enrol_dialog)
        server_layout = QHBoxLayout(server_box)
        server_layout.addWidget(self.server_value, 1)
        server_layout.addWidget(self.enrol_button)

        # -- backups ----------------------------------------------------------------------
        backups_box = QGroupBox(self.tr("Backups"), self)
        backups_intro = QLabel(
            self.tr(
                'A backup is a complete copy of the data, kept in the "backups" folder inside '
                "the data folder. Zhangye Desk makes one every day by itself; make one by hand "
                "before anything unusual, such as a system reinstall."
            ),
            backups_box,
        )
        backups_intro.setWordWrap(True)
        self.backup_button = self._button("backup_button", self.tr("Back up now"), backups_box)
        self.backup_button.clicked.connect(self.back_up_now)
        self.backup_result = QLabel(backups_box)
        self.backup_result.setObjectName("backup_result")
        self.backup_result.setWordWrap(True)
        self.backup_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        backup_row = QHBoxLayout()
        backup_row.addWidget(self.backup_button)
        backup_row.addWidget(self.backup_result, 1)

        self.backups_model = RowsTableModel(
            [
                Column(COL_WHEN, lambda: self.tr("Made"), format=self._format_when),
                Column(COL_REASON, lambda: self.tr("Kind of backup"), format=self._format_reason),
                Column(
                    COL_SIZE,
                    lambda: self.tr("Size"),
                    format=self._format_size,
                    align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                ),
            ],
            self,
        )
        self.backups_view = QTableView(backups_box)
        self.backups_view.setObjectName("backups_view")
        self.backups_view.setModel(self.backups_model)
        self.backups_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.backups_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backups_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.backups_view.setAlternatingRowColors(True)
        self.backups_view.verticalHeader().setVisible(False)
        self.backups_view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT_PX)
        header = self.backups_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(
            self.backups_model.column_of(COL_REASON), QHeaderView.ResizeMode.Stretch
        )
        self.backups_view.setMinimumHeight(ROW_HEIGHT_PX * 5)
        self.backups_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.backups_view.activated.connect(self.restore_selected)

        self.restore_button = self._button(
            "restore_button", self.tr("Restore the selected backup…"), backups_box
        )
        self.restore_button.clicked.connect(self.restore_selected)
        restore_row = QHBoxLayout()
        restore_row.addStretch(1)
        restore_row.addWidget(self.restore_button)

        backups_layout = QVBoxLayout(backups_box)
        backups_layout.setSpacing(10)
        backups_layout.addWidget(backups_intro)
        backups_layout.addLayout(backup_row)
        backups_layout.addWidget(self.backups_view, 1)
        backups_layout.addLayout(restore_row)

        # -- two columns in a scroll area (nothing is cut off on a small screen) ------------
        left = QVBoxLayout()
        left.setSpacing(16)
        left.addWidget(summary)
        left.addWidget(language_box)
        left.addWidget(folder_box)
        left.addWidget(server_box)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 1)
        columns.addWidget(backups_box, 1)

        content = QWidget(self)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(24, 16, 24, 16)
        content_layout.setSpacing(16)
        content_layout.addWidget(heading)
        content_layout.addLayout(columns, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.setTabOrder(self.language_combo, self.open_folder_button)
        self.setTabOrder(self.open_folder_button, self.backup_button)
        self.setTabOrder(self.backup_button, self.backups_view)
        self.setTabOrder(self.backups_view, self.restore_button)
        self._update_buttons()

    def title(self) -> str:
        return self.tr("Settings")

    def _show_server(self) -> None:
        from ..enrol_dialog import current_server

        server, name = current_server(self.ctx.db)
        if server:
            text = self.tr("Enrolled with %1 as “%2”.").replace("%2", name).replace("%1", server)
        else:
            text = self.tr("Not enrolled: this laptop works without a server.")
        self.server_value.setText(text)

    @Slot()
    def open_enrol_dialog(self) -> None:
        from ..enrol_dialog import EnrolDialog, current_server

        server, name = current_server(self.ctx.db)
        dialog = EnrolDialog(self.ctx.tasks, self.ctx.paths, server=server, name=name, parent=self)
        if dialog.exec() == EnrolDialog.DialogCode.Accepted:
            self._show_server()
            self.ctx.data_changed.emit()
        dialog.deleteLater()

    def _value_label(self, name: str, font: Any, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(name)
        label.setFont(font)
        return label

    def _button(self, name: str, text: str, parent: QWidget) -> QPushButton:
        button = QPushButton(text, parent)
        button.setObjectName(name)
        button.setMinimumHeight(TARGET_HEIGHT_PX)
        button.setMinimumWidth(button.sizeHint().width() + 24)
        button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        return button

    # -- formatting ----------------------------------------------------------------------------
    def _format_when(self, value: Any, row: Row) -> str:
        return value.toString("yyyy-MM-dd HH:mm") if isinstance(value, QDateTime) else ""

    def _format_reason(self, value: Any, row: Row) -> str:
        names = {
            "manual": self.tr("Made by hand"),
            "daily": self.tr("Daily (automatic)"),
            "pre-migration": self.tr("Before an upgrade (automatic)"),
            "before-restore": self.tr("The data before a restore"),
        }
        return names.get(str(value), str(value or row.get("name") or ""))

    def _format_size(self, value: Any, row: Row) -> str:
        return QLocale().formattedDataSize(
            int(value or 0), 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat
        )

    # -- reading -----------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        try:
            info = status(self.ctx.db, self.ctx.paths)
        except (StoreError, sqlite3.Error) as exc:
            show_error(self, exc)
            return
        self.show_status(info)
        self.data_dir_value.setText(str(self.ctx.paths.root))
        self.data_dir_value.setCursorPosition(0)
        self._show_server()
        self._load_backups()

    def show_status(self, info: dict[str, Any]) -> None:
        """Show a ``core.status.status`` result."""
        locale = QLocale()
        totals = info.get("local_totals", {})
        self.pending_value.setText(locale.toString(int(info.get("pending_ops", 0))))
        self.sessions_value.setText(locale.toString(int(totals.get("sessions", 0))))
        self.participant_times_value.setText(
            locale.toString(int(totals.get("participant_times", 0)))
        )
        self._pending = int(info.get("pending_ops", 0))
        last_sync = info.get("last_sync")
        if last_sync:
            when = QDateTime.fromSecsSinceEpoch(int(last_sync))
            self.last_sync_value.setText(locale.toString(when, QLocale.FormatType.ShortFormat))
        else:
            self.last_sync_value.setText(self.tr("Not synced yet"))

    def _load_backups(self) -> None:
        selected = self.selected_backup()
        self.backups_model.set_rows(backup_rows(self.ctx.paths.db))
        if selected is not None:
            position = self.backups_model.find(str(selected))
            if position >= 0:
                self._select_backup(position)
        self._update_buttons()

    def selected_backup(self) -> Path | None:
        rows = self.backups_view.selectionModel().selectedRows()
        if not rows:
            return None
        value = self.backups_model.data(rows[0], KEY_ROLE)
        return Path(value) if value else None

    def _select_backup(self, position: int) -> None:
        index = self.backups_model.index(position, 0)
        self.backups_view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.backups_view.scrollTo(index)

    @Slot()
    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected_backup() is not None)

    def focus_backups(self) -> None:
        """Put the cursor on the list of backups (File › Restore from a backup…)."""
        if self.backups_model.rowCount() and self.selected_backup() is None:
            self._select_backup(0)
        self.backups_view.setFocus()

    # -- actions -----------------------------------------------------------------------------
    @Slot(int)
    def _language_chosen(self, position: int) -> None:
        code = self.language_combo.itemData(position)
        if not isinstance(code, str):
            return
        save_language(code)
        log.info("interface language set to %s (used from the next start)", code)
        self.language_note.setVisible(code != self.ctx.lang)

    @Slot()
    def open_data_folder(self) -> None:
        folder = self.ctx.paths.root
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return
        log.warning("no file manager opened %s", folder)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("The folder could not be opened"),
            self.tr(
                "No file manager could open the data folder. You can find it here:\n\n%1"
            ).replace("%1", str(folder)),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.exec()

    @Slot()
    def back_up_now(self) -> None:
        """Write a manual backup, name the file, and list it first."""
        try:
            written = backup.backup_now(self.ctx.db, reason="manual")
        except (StoreError, OSError, sqlite3.Error) as exc:
            log.warning("manual backup failed: %s: %s", type(exc).__name__, exc)
            show_error(self, exc)
            return
        self.backup_result.setText(self.tr("Backup saved: %1").replace("%1", written.name))
        self._load_backups()
        position = self.backups_model.find(str(written))
        if position >= 0:
            self._select_backup(position)

    @Slot()
    def restore_selected(self) -> None:
        """Explain what a restore does, and on Yes ask the frame to do it."""
        chosen = self.selected_backup()
        if chosen is None:
            return
        position = self.backups_model.find(str(chosen))
        row = self.backups_model.row(position) if position >= 0 else {}
        when = self._format_when(row.get(COL_WHEN), row)
        kind = self._format_reason(row.get(COL_REASON), row)
        text = self.tr(
            "Replace the data on this laptop with the backup made on %1 (%2)?\n\n"
            "The current data is kept first, as a backup of its own, so nothing is lost: you "
            "can restore it the same way if you need it again.\n\n"
            "Sessions and attendance recorded after %1 will not be in the restored data. "
            "Zhangye Desk closes the data and opens it again; this takes a few seconds."
        )
        text = text.replace("%1", when).replace("%2", kind)
        pending = self._pending
        if pending:
            text += "\n\n" + self.tr(
                "Note: %n change(s) on this laptop have not been synced yet. After the "
                "restore they are only in the copy of the current data.",
                "",
                pending,
            )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Restore from a backup"),
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Restore"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        self.restore_requested.emit(str(chosen))

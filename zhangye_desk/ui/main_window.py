"""The main window frame: menus, status bar and the page in the middle.

The window only builds the frame and wires actions to core functions; it gets an open store
(``core.store.OpenStore``) and never opens connections itself. Feature pages (sessions,
roster, materials, sync) will each be their own module; until they land, the centre shows
``StatusPage``, a short summary of what this laptop holds. Everything here runs on the GUI
thread.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QByteArray, QDateTime, QLocale, QSettings, QSize, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core import backup
from ..core.errors import StoreError
from ..core.status import status
from ..core.store import OpenStore
from ..paths import APP_AUTHOR, APP_NAME
from .fonts import scaled
from .messages import show_error

log = logging.getLogger(__name__)

SETTINGS_ORGANISATION = APP_AUTHOR  # "Zhangye"
SETTINGS_APPLICATION = APP_NAME  # "ZhangyeDesk"
GEOMETRY_KEY = "main_window/geometry"
# Township laptops are often 1366×768 with a taskbar: the window must fit with room to spare.
MINIMUM_SIZE = QSize(960, 600)
DEFAULT_SIZE = QSize(1200, 680)
STATUS_MESSAGE_MS = 60_000
FOLDER_LABEL_MAX_PX = 520


def app_settings() -> QSettings:
    return QSettings(SETTINGS_ORGANISATION, SETTINGS_APPLICATION)


class StatusPage(QWidget):
    """Placeholder home page: what is recorded on this laptop and what still needs syncing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_page")
        base = self.font()

        heading = QLabel(self.tr("Recorded on this laptop"), self)
        heading.setFont(scaled(base, 1.5, bold=True))
        intro = QLabel(
            self.tr(
                "Everything you record is saved on this laptop first, with or without a "
                "network. Back at the township office, sync to send it to the county."
            ),
            self,
        )
        intro.setWordWrap(True)

        big = scaled(base, 1.5, bold=True)
        self.pending_value = self._value_label("pending_value", big)
        self.sessions_value = self._value_label("sessions_value", big)
        self.participant_times_value = self._value_label("participant_times_value", big)
        self.last_sync_value = self._value_label("last_sync_value", base)
        self.data_dir_value = self._value_label("data_dir_value", base)
        self.data_dir_value.setWordWrap(True)
        self.data_dir_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(32)
        form.setVerticalSpacing(16)
        form.addRow(self.tr("Changes waiting to be synced"), self.pending_value)
        form.addRow(self.tr("Sessions recorded"), self.sessions_value)
        form.addRow(self.tr("Participant-times recorded"), self.participant_times_value)
        form.addRow(self.tr("Last sync"), self.last_sync_value)
        form.addRow(self.tr("Data folder"), self.data_dir_value)

        self.backup_button = QPushButton(self.tr("Back up now"), self)
        self.backup_button.setObjectName("backup_button")
        self.backup_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.backup_button.setMinimumHeight(self.backup_button.sizeHint().height() * 3 // 2)
        self.backup_button.setMinimumWidth(self.backup_button.sizeHint().width() * 3 // 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addStretch(1)

        card = QFrame(self)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setLayout(form)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 36, 48, 36)
        layout.setSpacing(20)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(card)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def _value_label(self, name: str, font: QFont) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setFont(font)
        return label

    def show_status(self, info: Mapping[str, Any]) -> None:
        """Show a ``core.status.status`` result."""
        locale = QLocale()
        totals = info.get("local_totals", {})
        self.pending_value.setText(locale.toString(int(info.get("pending_ops", 0))))
        self.sessions_value.setText(locale.toString(int(totals.get("sessions", 0))))
        self.participant_times_value.setText(
            locale.toString(int(totals.get("participant_times", 0)))
        )
        last_sync = info.get("last_sync")
        if last_sync:
            when = QDateTime.fromSecsSinceEpoch(int(last_sync))
            self.last_sync_value.setText(locale.toString(when, QLocale.FormatType.ShortFormat))
        else:
            self.last_sync_value.setText(self.tr("Not synced yet"))
        self.data_dir_value.setText(str(info.get("data_dir", "")))


class MainWindow(QMainWindow):
    """The frame: File and Help menus, the current page, and a status bar."""

    def __init__(
        self,
        store: OpenStore,
        *,
        remember_geometry: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._remember_geometry = remember_geometry
        self.setObjectName("main_window")
        self.setWindowTitle(self.tr("Zhangye Desk"))
        self.setMinimumSize(MINIMUM_SIZE)

        self.status_page = StatusPage(self)
        self.setCentralWidget(self.status_page)

        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("pending_label")
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("folder_label")
        for label in (self.pending_label, self.folder_label):
            label.setContentsMargins(12, 0, 12, 0)
        self.statusBar().addPermanentWidget(self.pending_label)
        self.statusBar().addPermanentWidget(self.folder_label)

        self._build_menus()
        self.status_page.backup_button.clicked.connect(self.back_up_now)
        self._restore_geometry()
        self.refresh()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.backup_action = QAction(self.tr("&Back up now"), self)
        self.backup_action.setObjectName("backup_action")
        self.backup_action.triggered.connect(self.back_up_now)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setObjectName("quit_action")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.about_action = QAction(self.tr("&About Zhangye Desk"), self)
        self.about_action.setObjectName("about_action")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    @Slot()
    def refresh(self) -> None:
        """Re-read the store's status into the page and the status bar."""
        info = status(self._store.db, self._store.paths)
        self.status_page.show_status(info)
        pending = int(info["pending_ops"])
        self.pending_label.setText(self.tr("Unsynced changes: %n", "", pending))
        folder = str(info["data_dir"])
        metrics = self.folder_label.fontMetrics()
        shown = metrics.elidedText(folder, Qt.TextElideMode.ElideMiddle, FOLDER_LABEL_MAX_PX)
        self.folder_label.setText(self.tr("Data folder: %1").replace("%1", shown))
        self.folder_label.setToolTip(folder)

    @Slot()
    def back_up_now(self) -> None:
        """Write a manual backup and say where it went; a failure gets a calm message box."""
        try:
            written = backup.backup_now(self._store.db, reason="manual")
        except (StoreError, OSError, sqlite3.Error) as exc:
            log.warning("manual backup failed: %s: %s", type(exc).__name__, exc)
            show_error(self, exc)
            return
        self.statusBar().showMessage(
            self.tr("Backup saved: %1").replace("%1", written.name), STATUS_MESSAGE_MS
        )
        self.refresh()

    @Slot()
    def show_about(self) -> None:
        text = self.tr(
            "Zhangye Desk %1\n\n"
            "Attendance for tent and horseback classrooms in Sunan Yugur Autonomous County. "
            "Everything is recorded on this laptop first and synced with the county server "
            "when a network is available.\n\n"
            "Data folder: %2"
        )
        text = text.replace("%1", __version__).replace("%2", str(self._store.paths.root))
        QMessageBox.about(self, self.tr("About Zhangye Desk"), text)

    def _restore_geometry(self) -> None:
        saved = app_settings().value(GEOMETRY_KEY) if self._remember_geometry else None
        if isinstance(saved, QByteArray) and self.restoreGeometry(saved):
            return
        self.resize(DEFAULT_SIZE)
        screen = QApplication.primaryScreen()
        if screen is not None:
            frame = self.frameGeometry()
            frame.moveCenter(screen.availableGeometry().center())
            self.move(frame.topLeft())

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override, hence camelCase
        if self._remember_geometry:
            app_settings().setValue(GEOMETRY_KEY, self.saveGeometry())
        super().closeEvent(event)

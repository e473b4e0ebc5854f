"""The first start on a laptop: confirm the data folder, then enrol or work without a server.

``app.run`` calls ``resolve_first_run(paths)`` before it builds the window. On the very first
start — the data folder is the platform default (no ``--data-dir``, no
``ZHANGYE_DESK_DATA_DIR``), no store exists there yet, and this user has not answered before
(``first_run/done`` in QSettings) — it shows ``FirstRunDialog``: where the records will be
kept (with a button to choose another folder) and two ways on, "Enrol with a server" or "Use
without a server for now". A folder chosen there is remembered by ``paths.remember_data_dir``,
so the window and every command use it whenever no folder is given explicitly. After
"enrol", ``offer_enrolment`` opens the sync page's enrolment dialog once the window is ready.

It never appears in the tests, the self-test, the benchmarks or the demo: they all give a
data folder explicitly; ``ZHANGYE_DESK_NO_FIRST_RUN=1`` turns it off too. This module imports
only Qt and ``paths`` (the frame is drawn before the store's modules load; test_startup).
Strings are in the frame catalogue.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import paths as app_paths
from ..paths import APP_AUTHOR, APP_NAME, DATA_DIR_ENV, DataPaths, default_data_dir

log = logging.getLogger(__name__)

DONE_KEY = "first_run/done"
SKIP_ENV = "ZHANGYE_DESK_NO_FIRST_RUN"

ENROL = "enrol"
OFFLINE = "offline"


def _settings() -> QSettings:
    return QSettings(APP_AUTHOR, APP_NAME)


def is_default_folder(paths: DataPaths) -> bool:
    """Whether ``paths`` is the platform default, i.e. nobody gave a folder explicitly."""
    if os.environ.get(DATA_DIR_ENV):
        return False
    return paths.root.expanduser().resolve() == default_data_dir().expanduser().resolve()


def should_ask(paths: DataPaths) -> bool:
    if os.environ.get(SKIP_ENV) == "1" or not is_default_folder(paths):
        return False
    if _settings().value(DONE_KEY) in (True, "true", "1", 1):
        return False
    return not paths.db.exists()


class FirstRunDialog(QDialog):
    """Confirm (or change) the data folder; choose to enrol now or work without a server."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_run_dialog")
        self.setWindowTitle(self.tr("Welcome to Zhangye Desk"))
        self.setMinimumWidth(620)
        self.choice = OFFLINE
        self.folder = folder

        intro = QLabel(
            self.tr(
                "Zhangye Desk keeps every session and attendance record on this laptop, in the "
                "folder below, and works without any network. Back up or move this folder to "
                "keep the records safe."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.folder_edit = QLineEdit(str(folder), self)
        self.folder_edit.setObjectName("folder_edit")
        self.folder_edit.setReadOnly(True)
        self.choose_button = QPushButton(self.tr("Choose another folder…"), self)
        self.choose_button.setObjectName("choose_folder")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.choose_button)

        question = QLabel(
            self.tr(
                "If the county administrator gave you a server address and an enrolment code "
                "(or an enrolment link), enrol now so that the records can be sent to the "
                "county. You can also do it later on the Sync page."
            ),
            self,
        )
        question.setWordWrap(True)
        self.enrol_button = QPushButton(self.tr("Enrol with a server"), self)
        self.enrol_button.setObjectName("first_run_enrol")
        self.enrol_button.clicked.connect(self.choose_enrol)
        self.offline_button = QPushButton(self.tr("Use without a server for now"), self)
        self.offline_button.setObjectName("first_run_offline")
        self.offline_button.setDefault(True)
        self.offline_button.clicked.connect(self.choose_offline)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.enrol_button)
        buttons.addWidget(self.offline_button)

        layout = QVBoxLayout(self)
        # No minimum size pushed onto the window when a message appears (offscreen Qt warns
        # that it cannot propagate size hints); _grow makes room instead.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(intro)
        layout.addLayout(folder_row)
        layout.addSpacing(8)
        layout.addWidget(question)
        layout.addLayout(buttons)

    @Slot()
    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, self.tr("Choose the folder for the records"), str(self.folder)
        )
        if chosen:
            self.set_folder(Path(chosen))

    def set_folder(self, folder: Path) -> None:
        self.folder = folder
        self.folder_edit.setText(str(folder))

    @Slot()
    def choose_enrol(self) -> None:
        self.choice = ENROL
        self.accept()

    @Slot()
    def choose_offline(self) -> None:
        self.choice = OFFLINE
        self.accept()


def resolve_first_run(paths: DataPaths) -> tuple[DataPaths, bool]:
    """The data folder to open, and whether to offer enrolment once the window is ready."""
    if not should_ask(paths):
        return paths, False
    dialog = FirstRunDialog(paths.root)
    dialog.exec()  # closing it is "use without a server", in the folder shown
    if dialog.folder != paths.root:
        app_paths.remember_data_dir(dialog.folder)
        paths = DataPaths(dialog.folder)
    _settings().setValue(DONE_KEY, True)
    log.info("first run: data folder %s, %s", paths.root, dialog.choice)
    return paths, dialog.choice == ENROL


class _EnrolOffer(QObject):
    """Opens the enrolment dialog on the sync page once the window has its store."""

    def __init__(self, window: QObject) -> None:
        super().__init__(window)

    @Slot()
    def ready(self) -> None:
        QTimer.singleShot(0, self, self._open)

    @Slot()
    def _open(self) -> None:
        window = self.parent()
        show_page = getattr(window, "show_page", None)
        page = show_page("sync") if show_page is not None else None
        opener = getattr(page, "open_enrol_dialog", None)
        if opener is not None:
            opener()
        self.deleteLater()


def offer_enrolment(window: QObject) -> None:
    """After the first-run "enrol" choice: the enrolment dialog once ``window`` is ready."""
    offer = _EnrolOffer(window)
    window.ready.connect(offer.ready)  # type: ignore[attr-defined]

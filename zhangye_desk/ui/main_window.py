"""The main window frame: navigation, the page in the middle, menus and the status bar.

The frame builds itself, and once it is handed the open store, the ``AppContext`` (store,
task runner, app-wide signals); it creates the feature pages listed in ``PAGE_REGISTRY`` and
switches between them; it never shows data of its own beyond the status bar. Pages talk to
each other only through the context's signals, which the frame turns into page switches
(``open_attendance`` → the attendance page's ``show_session`` …). The frame also owns the
things that outlive a page: window geometry, the last page, the interface-language setting,
backups and swapping in a restored store.

Start-up is in two steps so that a cadre sees the window at once (issue 3, bench/desk.py):

1. ``MainWindow()`` builds the frame only — navigation, menus, and a status bar saying the
   data is being opened. It imports no page module and nothing that opens the store
   (``core.*`` loads sqlite-utils; pages load QtCharts, QtMultimedia …): ``app.run`` shows it
   before the store is opened.
2. ``attach_store(store)`` (``app.run`` calls it after the first paint) creates the context,
   enables the navigation and shows the remembered page, which is the only page built then.
   Every other page is imported and built the first time it is needed (``pages``).

``MainWindow(store)`` does both at once, for tests and the self-test.

What must not live here: queries, forms or tables of a feature (those are ``ui/pages/``), and
any connection opening of its own (it is handed an ``OpenStore``). Everything runs on the GUI
thread.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QDateTime,
    QLocale,
    QSettings,
    QSize,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core.errors import StoreError
from ..paths import APP_AUTHOR, APP_NAME, DataPaths
from .fonts import scaled
from .i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from .page import Page
from .task_runner import TaskRunner

if TYPE_CHECKING:
    # QCloseEvent and QMessageBox: imported where used, not before the first paint
    # (PySide6 creates each class on first use, ~1.5 ms each).
    from PySide6.QtGui import QCloseEvent

    from ..core.store import OpenStore
    from .context import AppContext

log = logging.getLogger(__name__)

T = TypeVar("T")

SETTINGS_ORGANISATION = APP_AUTHOR  # "Zhangye"
SETTINGS_APPLICATION = APP_NAME  # "ZhangyeDesk"
GEOMETRY_KEY = "main_window/geometry"
LAST_PAGE_KEY = "main_window/page"
LANGUAGE_KEY = "ui/language"
# Township laptops are often 1366×768 with a taskbar: the window must fit with room to spare.
MINIMUM_SIZE = QSize(960, 600)
DEFAULT_SIZE = QSize(1280, 680)
STATUS_MESSAGE_MS = 60_000
FOLDER_LABEL_MAX_PX = 420
# Closing waits this long for background work (after asking it to stop) before it gives up.
CLOSE_WAIT_MS = 3_000
NAV_WIDTH_PX = 150
NAV_BUTTON_HEIGHT_PX = 56
# The status bar re-reads the store at most this often after data_changed: a cadre marking
# one person after another must not wait for it on every Enter.
STATUS_REFRESH_MS = 400


class PageEntry(NamedTuple):
    """A page of the navigation: its key, where its class lives, and its (translated) title.

    The title is here, not only in the page, because the navigation is drawn before any page
    module is imported. It must read the same as the page's own ``title()`` (a test checks).
    """

    key: str
    module: str
    class_name: str
    title: Callable[[], str]


# The pages in navigation order. Ctrl+1 … Ctrl+7 follow this order, whether or not every page
# is there. A module that does not exist yet is left out (and logged), so the frame runs while
# the pages are being written; any error while importing a page that exists is a bug and is
# raised (when the page is first needed).
PAGE_REGISTRY: tuple[PageEntry, ...] = (
    PageEntry(
        "sessions",
        "zhangye_desk.ui.pages.sessions",
        "SessionsPage",
        lambda: QCoreApplication.translate("MainWindow", "Sessions"),
    ),
    PageEntry(
        "attendance",
        "zhangye_desk.ui.pages.attendance",
        "AttendancePage",
        lambda: QCoreApplication.translate("MainWindow", "Attendance"),
    ),
    PageEntry(
        "materials",
        "zhangye_desk.ui.pages.materials",
        "MaterialsPage",
        lambda: QCoreApplication.translate("MainWindow", "Materials"),
    ),
    PageEntry(
        "roster",
        "zhangye_desk.ui.pages.roster",
        "RosterPage",
        lambda: QCoreApplication.translate("MainWindow", "Roster"),
    ),
    PageEntry(
        "statistics",
        "zhangye_desk.ui.pages.statistics",
        "StatisticsPage",
        lambda: QCoreApplication.translate("MainWindow", "Statistics"),
    ),
    PageEntry(
        "settings",
        "zhangye_desk.ui.pages.settings",
        "SettingsPage",
        lambda: QCoreApplication.translate("MainWindow", "Settings"),
    ),
    PageEntry(
        "sync",
        "zhangye_desk.ui.pages.sync",
        "SyncPage",
        lambda: QCoreApplication.translate("MainWindow", "Sync"),
    ),
)
DEFAULT_PAGE = "sessions"


class StoreGoneError(RuntimeError):
    """The store was closed for a restore and could not be opened again (already shown)."""


def app_settings() -> QSettings:
    """The user's settings for this app (geometry, last page, language, page preferences)."""
    return QSettings(SETTINGS_ORGANISATION, SETTINGS_APPLICATION)


def saved_language() -> str | None:
    """The interface language chosen on the settings page, or None if none (or a bad one)."""
    value = app_settings().value(LANGUAGE_KEY)
    return value if isinstance(value, str) and value in SUPPORTED_LANGUAGES else None


def save_language(lang: str) -> None:
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    app_settings().setValue(LANGUAGE_KEY, lang)


def page_module_exists(entry: PageEntry) -> bool:
    """Whether the page's module is there, found without importing (running) it."""
    if entry.module in sys.modules:
        return True
    try:
        return importlib.util.find_spec(entry.module) is not None
    except ModuleNotFoundError:  # a package above it is missing
        return False


def load_page_class(entry: PageEntry) -> type[Page]:
    """Import the page's module and return its class (any import error is raised: a bug)."""
    module = importlib.import_module(entry.module)
    page_class = getattr(module, entry.class_name)
    if not (isinstance(page_class, type) and issubclass(page_class, Page)):
        raise TypeError(f"{entry.module}.{entry.class_name} is not a Page")
    if page_class.key != entry.key:
        raise TypeError(f"{entry.module}.{entry.class_name} has the key {page_class.key!r}")
    return page_class


class Pages(Mapping[str, Page]):
    """The frame's pages by key, each imported and built the first time it is asked for.

    Iterating, ``len`` and ``in`` see every page the navigation offers and build nothing;
    ``pages[key]`` (and ``get``, ``values``, ``items``) build what they return.
    """

    def __init__(self, keys: list[str], build: Callable[[str], Page]) -> None:
        self._keys = keys
        self._build = build
        self._built: dict[str, Page] = {}

    def __getitem__(self, key: str) -> Page:
        page = self._built.get(key)
        if page is None:
            if key not in self._keys:
                raise KeyError(key)
            page = self._built[key] = self._build(key)
        return page

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def is_built(self, key: str) -> bool:
        return key in self._built

    def build_all(self) -> None:
        for key in self._keys:
            self[key]


class MainWindow(QMainWindow):
    """The frame: navigation on the left, the current page, menus and a status bar.

    ``MainWindow()`` is the frame alone, saying that the data is being opened;
    ``attach_store`` makes it usable. ``MainWindow(store)`` does both (tests, the self-test).
    After a restore from a backup the window holds a new store (``self.store``), and whoever
    closes the app closes ``window.store``.
    """

    # Emitted when the store is attached and the first page shows its data.
    ready = Signal()

    def __init__(
        self,
        store: OpenStore | None = None,
        *,
        lang: str = DEFAULT_LANGUAGE,
        remember_geometry: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store: OpenStore | None = None
        self._lang = lang
        self._remember = remember_geometry
        self.setObjectName("main_window")
        self.setWindowTitle(self.tr("Zhangye Desk"))
        self.setMinimumSize(MINIMUM_SIZE)

        self.tasks = TaskRunner(self)
        # Made by attach_store: pages are built with it.
        self.ctx: AppContext
        entries = [entry for entry in PAGE_REGISTRY if self._page_exists(entry)]
        self._entries = {entry.key: entry for entry in entries}
        self.pages = Pages([entry.key for entry in entries], self._build_page)
        self.nav_buttons: dict[str, QPushButton] = {}
        self.page_actions: dict[str, QAction] = {}
        # Pages whose data may be out of date; each is refreshed when it is next shown.
        self._stale: set[str] = set(self.pages)
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("page_stack")
        self.navigation = QFrame(self)
        self.navigation.setObjectName("navigation")
        self.navigation.setFrameShape(QFrame.Shape.NoFrame)
        self.navigation.setFixedWidth(NAV_WIDTH_PX)
        self._nav_layout = QVBoxLayout(self.navigation)
        self._nav_layout.setContentsMargins(8, 12, 8, 12)
        self._nav_layout.setSpacing(6)
        self._nav_group = QButtonGroup(self)
        self._nav_group.setExclusive(True)

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        rule = QFrame(central)
        rule.setFrameShape(QFrame.Shape.VLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(rule)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_status_bar()
        self._build_menus()
        self._build_navigation(entries)
        self._restore_geometry()
        # Until the store is open there is nothing to navigate to, back up or restore.
        self._data_widgets: list[QWidget | QAction] = [
            self.navigation,
            self.backup_action,
            self.restore_action,
            self.about_action,
            self.sync_button,
            *self.page_actions.values(),
        ]
        for widget in self._data_widgets:
            widget.setEnabled(False)
        self.statusBar().showMessage(self.tr("Opening the data…"))
        if store is not None:
            self.attach_store(store)

    # -- building ------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        # The 同步 button, reachable from every page: it opens the sync page and starts a sync.
        self.sync_button = QPushButton(self.tr("Sync"), self)
        self.sync_button.setObjectName("frame_sync_button")
        self.sync_button.setFont(scaled(self.font(), 1.1, bold=True))
        self.sync_button.setToolTip(self.tr("Send this laptop's records and receive updates"))
        self.sync_button.clicked.connect(self.start_sync)
        self.statusBar().addPermanentWidget(self.sync_button)
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("pending_label")
        self.sync_label = QLabel(self)
        self.sync_label.setObjectName("sync_label")
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("folder_label")
        for label in (self.pending_label, self.sync_label, self.folder_label):
            label.setContentsMargins(12, 0, 12, 0)
            self.statusBar().addPermanentWidget(label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.backup_action = QAction(self.tr("&Back up now"), self)
        self.backup_action.setObjectName("backup_action")
        self.backup_action.triggered.connect(self.back_up_now)
        file_menu.addAction(self.backup_action)
        self.restore_action = QAction(self.tr("&Restore from a backup…"), self)
        self.restore_action.setObjectName("restore_action")
        self.restore_action.triggered.connect(self.show_restore)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setObjectName("quit_action")
        # setShortcuts([…]), not setShortcut(…): resolving setShortcut's overloads makes PySide6
        # build the Qt namespace's 93 enums (11 ms), and the frame is drawn without them.
        self.quit_action.setShortcuts([QKeySequence("Ctrl+Q")])
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        # Filled by _build_navigation: one checkable action per page, with its Ctrl+number.
        self.view_menu = self.menuBar().addMenu(self.tr("&View"))
        self._view_group = QActionGroup(self)
        self._view_group.setExclusive(True)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.about_action = QAction(self.tr("&About Zhangye Desk"), self)
        self.about_action.setObjectName("about_action")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    @staticmethod
    def _page_exists(entry: PageEntry) -> bool:
        if page_module_exists(entry):
            return True
        log.warning("page module %s is not there yet; leaving the page out", entry.module)
        return False

    def _build_navigation(self, entries: list[PageEntry]) -> None:
        """A button and a View action per page, from the registry: no page is built here."""
        nav_font = scaled(self.font(), 1.2, bold=True)
        for entry in entries:
            key = entry.key
            title = entry.title()
            position = PAGE_REGISTRY.index(entry)
            shortcut = QKeySequence(f"Ctrl+{position + 1}")
            native = shortcut.toString(QKeySequence.SequenceFormat.NativeText)

            button = QPushButton(title, self.navigation)
            button.setObjectName(f"nav_{key}")
            button.setCheckable(True)
            button.setFont(nav_font)
            button.setMinimumHeight(NAV_BUTTON_HEIGHT_PX)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"{title} ({native})")
            button.clicked.connect(self._nav_clicked)
            self._nav_group.addButton(button)
            self._nav_layout.addWidget(button)
            self.nav_buttons[key] = button

            action = QAction(title, self)
            action.setObjectName(f"view_{key}")
            action.setCheckable(True)
            action.setShortcuts([shortcut])  # see quit_action
            action.setData(key)
            action.triggered.connect(self._view_triggered)
            self._view_group.addAction(action)
            self.view_menu.addAction(action)
            self.page_actions[key] = action
        self._nav_layout.addStretch(1)

    def _build_page(self, key: str) -> Page:
        """Import and build page ``key`` (``self.pages`` calls this the first time)."""
        if self._store is None:
            raise RuntimeError(f"the {key} page was asked for before the store was open")
        page = load_page_class(self._entries[key])(self.ctx)
        self.stack.addWidget(page)
        # A page may ask for a restore (the settings page); the frame swaps the store.
        if hasattr(page, "restore_requested"):
            page.restore_requested.connect(self.restore_from_backup)
        return page

    def attach_store(self, store: OpenStore) -> None:
        """Make the frame usable on ``store``: status bar, navigation, the remembered page."""
        from .context import AppContext  # imported here: see the module docstring

        if self._store is not None:
            raise RuntimeError("the window already has a store")
        self._store = store
        self.ctx = AppContext(store, self.tasks, lang=self._lang, parent=self)
        self._connect_context()
        for widget in self._data_widgets:
            widget.setEnabled(True)
        self.statusBar().clearMessage()
        self.refresh_status()
        self.show_page(self._restored_page())
        self.ready.emit()

    def _connect_context(self) -> None:
        self.ctx.data_changed.connect(self._data_changed)
        self.ctx.open_attendance.connect(self._open_attendance)
        self.ctx.open_material.connect(self._open_material)
        self.ctx.open_person.connect(self._open_person)
        self.ctx.open_session.connect(self._open_session)

    # -- pages -------------------------------------------------------------------------------
    @property
    def store(self) -> OpenStore:
        if self._store is None:
            raise RuntimeError("the store is not open yet")
        return self._store

    def is_ready(self) -> bool:
        """Whether the store is attached (see ``ready``)."""
        return self._store is not None

    def current_key(self) -> str:
        page = self.stack.currentWidget()
        return page.key if isinstance(page, Page) else ""

    def current_page(self) -> Page | None:
        page = self.stack.currentWidget()
        return page if isinstance(page, Page) else None

    def show_page(self, key: str) -> Page | None:
        """Bring page ``key`` to the front (building it the first time, refreshing it if its
        data went stale)."""
        if key not in self.pages:
            log.warning("there is no %r page (yet)", key)
            return None
        if self._store is None:
            log.warning("the %r page was asked for before the store was open", key)
            return None
        page = self.pages[key]
        if key in self._stale:
            self._stale.discard(key)
            page.refresh()
        self.stack.setCurrentWidget(page)
        self.nav_buttons[key].setChecked(True)
        self.page_actions[key].setChecked(True)
        if self._remember:
            app_settings().setValue(LAST_PAGE_KEY, key)
        return page

    def _restored_page(self) -> str:
        saved = app_settings().value(LAST_PAGE_KEY) if self._remember else None
        if isinstance(saved, str) and saved in self.pages:
            return saved
        if DEFAULT_PAGE in self.pages:
            return DEFAULT_PAGE
        return next(iter(self.pages), "")

    @Slot()
    def _nav_clicked(self) -> None:
        button = self.sender()
        for key, candidate in self.nav_buttons.items():
            if candidate is button:
                self.show_page(key)
                return

    @Slot()
    def _view_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.show_page(str(action.data()))

    def _page_call(self, key: str, method: str, *args: Any) -> None:
        """Show page ``key`` and call one of its methods (the page may not exist yet)."""
        page = self.show_page(key)
        if page is None:
            return
        handler: Callable[..., Any] | None = getattr(page, method, None)
        if handler is None:
            log.warning("the %s page has no %s()", key, method)
            return
        handler(*args)

    @Slot()
    def start_sync(self) -> None:
        """The frame's 同步 button: show the sync page and start a sync there."""
        self._page_call("sync", "start_sync")

    @Slot(str)
    def _open_attendance(self, session_id: str) -> None:
        self._page_call("attendance", "show_session", session_id)

    @Slot(str, str)
    def _open_material(self, material_id: str, session_id: str) -> None:
        self._page_call("materials", "open_material", material_id, session_id)

    @Slot(str)
    def _open_person(self, person_id: str) -> None:
        self._page_call("roster", "show_person", person_id)

    @Slot(str)
    def _open_session(self, session_id: str) -> None:
        self._page_call("sessions", "select_session", session_id)

    @Slot()
    def _data_changed(self) -> None:
        # The page that wrote has already updated itself; the others catch up when shown.
        current = self.current_key()
        self._stale.update(key for key in self.pages if key != current)
        # A burst of changes (one mark after another) refreshes the status bar once, soon after
        # the first of them; not restarting the timer keeps it from waiting for a pause.
        if not self._status_timer.isActive():
            self._status_timer.start()

    def _mark_all_stale(self) -> None:
        self._stale = set(self.pages)
        current = self.current_key()
        if current:
            self.show_page(current)

    # -- status bar --------------------------------------------------------------------------
    @Slot()
    def refresh_status(self) -> None:
        """Re-read the pending changes, last sync and data folder into the status bar."""
        # Imported here, see the module docstring; Qt too: PySide6 builds the 93 enums of the
        # Qt namespace on first use (11 ms), which the frame is drawn without.
        from PySide6.QtCore import Qt

        from ..core.status import sync_status

        self._status_timer.stop()
        if self._store is None:
            return
        info = sync_status(self._store.db, self._store.paths)
        pending = int(info["pending_ops"])
        self.pending_label.setText(self.tr("Unsynced changes: %n", "", pending))
        last_sync = info.get("last_sync")
        if last_sync:
            when = QDateTime.fromSecsSinceEpoch(int(last_sync))
            shown = QLocale().toString(when, QLocale.FormatType.ShortFormat)
            self.sync_label.setText(self.tr("Last sync: %1").replace("%1", shown))
        else:
            self.sync_label.setText(self.tr("Not synced yet"))
        folder = str(info["data_dir"])
        metrics = self.folder_label.fontMetrics()
        elided = metrics.elidedText(folder, Qt.TextElideMode.ElideMiddle, FOLDER_LABEL_MAX_PX)
        self.folder_label.setText(self.tr("Data folder: %1").replace("%1", elided))
        self.folder_label.setToolTip(folder)

    # -- actions -----------------------------------------------------------------------------
    @Slot()
    def back_up_now(self) -> None:
        """Write a manual backup and say where it went; a failure gets a calm message box."""
        import sqlite3  # imported here, as core is: see the module docstring

        from ..core import backup
        from .messages import show_error

        try:
            written = backup.backup_now(self.store.db, reason="manual")
        except (StoreError, OSError, sqlite3.Error) as exc:
            log.warning("manual backup failed: %s: %s", type(exc).__name__, exc)
            show_error(self, exc)
            return
        self.statusBar().showMessage(
            self.tr("Backup saved: %1").replace("%1", written.name), STATUS_MESSAGE_MS
        )
        # The settings page lists the backups.
        if "settings" in self.pages:
            if self.current_key() == "settings":
                self.pages["settings"].refresh()
            else:
                self._stale.add("settings")

    @Slot()
    def show_restore(self) -> None:
        """File › Restore from a backup…: the settings page holds the list of backups."""
        page = self.show_page("settings")
        focus = getattr(page, "focus_backups", None)
        if focus is not None:
            focus()

    @Slot(str)
    def restore_from_backup(self, backup_file: str) -> None:
        """Replace the data with ``backup_file`` (already confirmed by the user) and reopen it.

        The current data is copied aside first (``core.backup.restore_backup``), so the result
        message names that copy: the user can go back to it.
        """
        import sqlite3  # imported here, as core is: see the module docstring

        from ..core import backup
        from .messages import show_error

        chosen = Path(backup_file)

        def restore(paths: DataPaths) -> Path | None:
            return backup.restore_backup(paths.db, chosen)

        try:
            safety = self.reopen_store(restore)
        except StoreGoneError:
            return  # already explained, and the window is closing
        except (StoreError, OSError, sqlite3.Error) as exc:
            log.warning("restore from %s failed: %s: %s", chosen.name, type(exc).__name__, exc)
            show_error(self, exc)
            return
        text = self.tr(
            'The data now matches the backup "%1".\n\n'
            'The data as it was just before is kept as the backup "%2", so nothing is lost: '
            "you can restore it the same way if you need it again."
        )
        kept = safety.name if safety is not None else "-"
        text = text.replace("%1", chosen.name).replace("%2", kept)
        self.statusBar().showMessage(
            self.tr("Restored from the backup %1").replace("%1", chosen.name), STATUS_MESSAGE_MS
        )
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Backup restored"),
            text,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.exec()

    def reopen_store(self, work: Callable[[DataPaths], T]) -> T:
        """Close the store, run ``work(paths)`` on the closed data folder, open it again.

        Background tasks are stopped first (they hold their own connections). The folder is
        locked while ``work`` runs. Every page sees the new store through ``ctx`` and is
        refreshed. If the store cannot be opened again the error is shown and the window
        closes: there is nothing left to show.
        """
        from ..core.store import DataDirLock  # imported here: see the module docstring

        self.tasks.cancel_all()
        self.tasks.wait_for_done(CLOSE_WAIT_MS)
        self._status_timer.stop()
        paths = self.store.paths
        self.store.close()
        try:
            with DataDirLock(paths.lock):
                return work(paths)
        finally:
            self._reopen(paths)

    def _reopen(self, paths: DataPaths) -> None:
        import sqlite3  # imported here, as core is: see the module docstring

        from ..core.store import open_store
        from .messages import show_error

        try:
            reopened = open_store(paths, daily_backup=False)
        except (StoreError, OSError, sqlite3.Error) as exc:
            log.error("could not open the store again: %s: %s", type(exc).__name__, exc)
            show_error(self, exc)
            self.close()
            raise StoreGoneError(str(exc)) from exc
        self._store = reopened
        self.ctx.store = reopened
        self.refresh_status()
        self._mark_all_stale()

    @Slot()
    def show_about(self) -> None:
        text = self.tr(
            "Zhangye Desk %1\n\n"
            "Attendance for tent and horseback classrooms in Sunan Yugur Autonomous County. "
            "Everything is recorded on this laptop first and synced with the county server "
            "when a network is available.\n\n"
            "Data folder: %2"
        )
        text = text.replace("%1", __version__).replace("%2", str(self.store.paths.root))
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, self.tr("About Zhangye Desk"), text)

    # -- geometry and closing ----------------------------------------------------------------
    def _restore_geometry(self) -> None:
        saved = app_settings().value(GEOMETRY_KEY) if self._remember else None
        if isinstance(saved, QByteArray) and self.restoreGeometry(saved):
            return
        self.resize(DEFAULT_SIZE)
        screen = QApplication.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            self.resize(self.size().boundedTo(available.size()))
            frame = self.frameGeometry()
            frame.moveCenter(available.center())
            self.move(frame.topLeft())

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override, hence camelCase
        # Background work gets a moment to stop at its next check; what it had committed stays.
        self._status_timer.stop()
        self.tasks.cancel_all()
        if not self.tasks.wait_for_done(CLOSE_WAIT_MS):
            log.warning("background tasks still running at close")
        if self._remember:
            settings = app_settings()
            settings.setValue(GEOMETRY_KEY, self.saveGeometry())
            if self.current_key():
                settings.setValue(LAST_PAGE_KEY, self.current_key())
        super().closeEvent(event)

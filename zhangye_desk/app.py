"""Start the desktop window, and the headless self-test the packaged app runs in CI.

``run`` picks the language (``--lang``, else the one saved on the settings page, else
Chinese), creates the QApplication, installs the frame's translations and the CJK font list,
and shows the main window's frame (navigation, menus, a status bar saying the data is being
opened) at once. Only after that frame has been painted does it set the window icon (loading
it reads Qt's image and icon plugins), install the pages' catalogues and open the store —
lock the data folder, check its integrity, migrate, load the township directory, write the
daily backup — and hand it to the window, which then shows the remembered page. A store that
cannot be opened gets a calm message box (another copy running, a damaged file …), never a
traceback, and exit code 1.
``self_test`` builds the window and every page on a temporary data folder without a display
and exits.

The CLI imports this module lazily, so commands that only touch data never load Qt; and this
module imports nothing that opens the store until the frame is on screen.

``ZHANGYE_DESK_EXIT_WHEN_SHOWN=1`` (for bench/desk.py's start-up figures), counted from
``run`` and printed to stderr:

* ``zhangye-desk: window shown after N ms`` once the frame has been painted for the first
  time — what the user sees first, before the data is open;
* ``zhangye-desk: window ready after N ms`` once the store is open and the first page has
  been filled and painted; then the app exits with code 0.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

from . import __version__
from .core.errors import StoreError
from .logging_setup import LOG_FILENAME, release_deferred_log
from .paths import APP_AUTHOR, APP_NAME, DataPaths, resource
from .ui.crash_reporter import CrashReporter
from .ui.fonts import CJK_FAMILIES, apply_fonts
from .ui.i18n import (
    DEFAULT_LANGUAGE,
    TRANSLATED_LANGUAGES,
    install_page_translators,
    install_translators,
)
from .ui.main_window import MainWindow, saved_language
from .ui.single_instance import SingleInstance, ask_running_instance

if TYPE_CHECKING:
    from .core.store import OpenStore

log = logging.getLogger(__name__)

ENGLISH_TITLE = "Zhangye Desk"
# Set to 1: report start-up times and exit once ready (bench/desk.py, the module docstring).
EXIT_WHEN_SHOWN_ENV = "ZHANGYE_DESK_EXIT_WHEN_SHOWN"
# If the frame is not painted by then (a window started minimised), open the store anyway.
OPEN_WITHOUT_PAINT_MS = 1_000


class SelfTestError(RuntimeError):
    """The self-test found the window or its translations not as they should be."""


def create_application(lang: str = DEFAULT_LANGUAGE, *, frame_only: bool = False) -> QApplication:
    """The process's QApplication (created once), with translations, fonts and icon set.

    ``frame_only``: only what the window's frame needs for its first paint (our catalogue
    and Qt's, the fonts); ``finish_application`` adds the rest once it has been painted.
    """
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # Only the program name: our own arguments are parsed by the CLI, not by Qt.
        app = QApplication(sys.argv[:1] or ["zhangye-desk"])
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("zhangye-desk")
    if not frame_only:
        _set_window_icon(app)
    install_translators(app, lang, pages=not frame_only)
    apply_fonts(app)
    return app


def finish_application(app: QApplication, lang: str) -> None:
    """What ``create_application(frame_only=True)`` left out: the icon, the pages' catalogues."""
    _set_window_icon(app)
    loaded = install_page_translators(app, lang)
    if loaded:
        log.info("page catalogues: %s", [path.name for path in loaded])


def _set_window_icon(app: QApplication) -> None:
    # Imported here: PySide6 creates QIcon on first use, and loading the icon makes Qt read
    # the metadata of every image-format and icon-engine plugin (module docstring).
    from PySide6.QtGui import QIcon

    icon = resource("icons", "app.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    else:
        log.warning("the application icon %s is missing", icon)


def open_store(paths: DataPaths) -> OpenStore:
    """``core.store.open_store``: lock, integrity check, migrations, directory, daily backup.

    A wrapper so that sqlite-utils and the schema are imported only when the store is opened,
    after the frame has been painted.
    """
    from .core.store import open_store as open_core_store

    return open_core_store(paths)


def run(paths: DataPaths, lang: str | None = None) -> int:
    """Open the window on the data folder ``paths``; return the process exit code.

    ``lang`` None means: the language chosen on the settings page, else Chinese. The frame
    is shown first; the store is opened once it has been painted (see the module docstring).
    """
    started = time.perf_counter()
    lang = lang or saved_language() or DEFAULT_LANGUAGE
    app = create_application(lang, frame_only=True)
    # The very first start on the default folder: confirm it, offer enrolment (ui/first_run).
    from .ui.first_run import offer_enrolment, resolve_first_run

    paths, enrol_first = resolve_first_run(paths)
    # One window per data folder: a second launch raises this one (ui/single_instance.py).
    if ask_running_instance(paths.root):
        _say("zhangye-desk: already open on this data folder; brought that window to the front")
        return 0
    reporter = CrashReporter(paths.logs / LOG_FILENAME)
    reporter.install()  # bugs are logged and shown in a dialog (ui/crash_reporter.py)
    window = MainWindow(lang=lang)
    instance = SingleInstance(paths.root, window)
    instance.watch(window)  # listens once the frame has been painted
    if enrol_first:
        offer_enrolment(window)
    opener = _StoreOpener(window, paths, lang)
    if os.environ.get(EXIT_WHEN_SHOWN_ENV) == "1":
        report = _StartupReport(window, started)
        opener.frame_painted.connect(report.frame_shown)
        window.ready.connect(report.window_ready)
    try:
        window.show()
        opener.start()
        code = int(app.exec())
        opener.cancel()
        window.close()  # a no-op after File > Quit; saves the geometry after a logout
        # Closing the last window (here, or by quit() while it was open) posts one more Quit.
        # Delivered after exec() has returned, it would end every later event loop of this
        # process at once (tests call run() again and again): drop it.
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
    finally:
        # After a restore from a backup the window holds a newly opened store.
        if window.is_ready():
            window.store.close()
        instance.close()
    if opener.error is not None:
        error = opener.error
        reporter.report(type(error), error, error.__traceback__)
        reporter.uninstall()
        raise error  # a bug, not an environment error: logged and shown, then the exit code
    reporter.uninstall()
    return code


def self_test(lang: str = DEFAULT_LANGUAGE) -> int:
    """Build the store and the window on a temporary data folder; 0 when all is well."""
    if not os.environ.get("QT_QPA_PLATFORM") and not _display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        title = _self_test(lang)
    except Exception as exc:  # the self-test reports every failure as an exit code
        log.exception("self-test failed")
        _say(f"self-test failed: {type(exc).__name__}: {exc}")
        return 1
    _say(f"self-test passed: window title {title!r} ({lang})")
    return 0


def _self_test(lang: str) -> str:
    create_application(lang)
    with tempfile.TemporaryDirectory(prefix="zhangye-self-test-") as tmp:
        store = open_store(DataPaths(Path(tmp) / "data"))
        try:
            window = MainWindow(store, lang=lang, remember_geometry=False)
            try:
                window.show()
                # Pages are built when first shown: build them all, so that a page module
                # missing from a packaged build fails here and not in a cadre's hands.
                window.pages.build_all()
                _run_pending_events()
                title = window.windowTitle()
            finally:
                window.close()
                window.deleteLater()
        finally:
            # Releases the data-folder lock, so the temporary folder can be removed.
            store.close()
        _run_pending_events()  # lets deleteLater destroy the window
    if lang in TRANSLATED_LANGUAGES and (title == ENGLISH_TITLE or not _has_cjk(title)):
        raise SelfTestError(f"the window title is {title!r}: the {lang} translation was not loaded")
    if lang == "en" and title != ENGLISH_TITLE:
        raise SelfTestError(f"the English window title is {title!r}")
    from PySide6.QtGui import QFontDatabase

    installed = set(QFontDatabase.families())
    if lang in TRANSLATED_LANGUAGES and not installed.intersection(CJK_FAMILIES):
        _say("warning: no Simplified Chinese font found; Chinese may show as boxes")
    return title


def _run_pending_events() -> None:
    """Let the event loop deliver what is already queued (show, layout, paint), then return."""
    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)
    loop.exec()


def _display_available() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _say(line: str) -> None:
    # A windowed executable has no stderr at all.
    if sys.stderr is not None:
        print(line, file=sys.stderr)


class _StoreOpener(QObject):
    """Opens the store once the window's frame has been painted, and hands it to the window.

    A store that cannot be opened gets its calm message and ends the event loop with exit
    code 1; any other exception is a bug, kept in ``error`` for ``run`` to raise once the
    loop has stopped (raised inside a slot, Qt would only print it and carry on).
    """

    frame_painted = Signal()  # the frame is on screen; the store is about to be opened

    def __init__(self, window: MainWindow, paths: DataPaths, lang: str) -> None:
        super().__init__(window)
        self._paths = paths
        self._lang = lang
        self._painted = False
        self._done = False
        self.error: Exception | None = None
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(OPEN_WITHOUT_PAINT_MS)
        self._fallback.timeout.connect(self._open)
        window.installEventFilter(self)

    @property
    def _window(self) -> MainWindow:
        # The parent, not an attribute: no reference cycle keeps a closed window alive.
        return cast(MainWindow, self.parent())

    def start(self) -> None:
        self._fallback.start()

    def cancel(self) -> None:
        self._done = True
        self._fallback.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            # After this paint has finished, not during it.
            QTimer.singleShot(0, self, self._after_first_paint)
        return False

    @Slot()
    def _after_first_paint(self) -> None:
        if not self._done:
            self.frame_painted.emit()
        self._open()

    @Slot()
    def _open(self) -> None:
        if self._done:
            return
        self._done = True
        self._fallback.stop()
        self._window.removeEventFilter(self)
        # The frame is on screen: the log records held until now go to the file, and what
        # create_application left out is done before any page is built.
        release_deferred_log()
        finish_application(cast(QApplication, QApplication.instance()), self._lang)
        if not self._window.isVisible():
            return  # closed before there was anything to open
        try:
            self._window.attach_store(open_store(self._paths))
        except StoreError as exc:
            from .ui.messages import show_error  # like the store: only when needed

            log.warning(
                "cannot open the store in %s: %s: %s", self._paths.root, type(exc).__name__, exc
            )
            show_error(self._window, exc)
            QApplication.exit(1)
        except Exception as exc:  # a bug: see the class docstring
            log.exception("opening the store failed")
            self.error = exc
            QApplication.exit(1)


class _StartupReport(QObject):
    """EXIT_WHEN_SHOWN_ENV: say when the frame was shown and when the window was ready
    (the first page filled and painted), then quit."""

    def __init__(self, window: MainWindow, started: float) -> None:
        super().__init__(window)
        self._started = started
        self._page: QWidget | None = None

    def _elapsed_ms(self) -> float:
        return (time.perf_counter() - self._started) * 1000

    @Slot()
    def frame_shown(self) -> None:
        _say(f"zhangye-desk: window shown after {self._elapsed_ms():.0f} ms")

    @Slot()
    def window_ready(self) -> None:
        # The page is filled; wait for it to be painted.
        window = cast(MainWindow, self.parent())
        self._page = window.current_page() or window
        self._page.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if watched is self._page and event.type() == QEvent.Type.Paint:
            self._page.removeEventFilter(self)
            self._page = None
            QTimer.singleShot(0, self, self._quit)  # after this paint has finished
        return False

    @Slot()
    def _quit(self) -> None:
        _say(f"zhangye-desk: window ready after {self._elapsed_ms():.0f} ms")
        QApplication.quit()

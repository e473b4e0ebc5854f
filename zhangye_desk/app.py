"""Start the desktop window, and the headless self-test the packaged app runs in CI.

``run`` picks the language (``--lang``, else the one saved on the settings page, else
Chinese), creates the QApplication, installs translations and the CJK font list, opens the
store (lock, migrations, township directory, daily backup) and shows the main window. A store
that cannot be opened gets a calm message box, never a traceback. ``self_test`` does the same
on a temporary data folder without a display and exits.

The CLI imports this module lazily, so commands that only touch data never load Qt.

``ZHANGYE_DESK_EXIT_WHEN_SHOWN=1`` (for bench/desk.py's start-up figure): the window closes as
soon as it has been painted for the first time, after printing
``zhangye-desk: window shown after N ms`` (N counted from ``run``) to stderr; exit code 0.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from . import __version__
from .core.errors import StoreError
from .core.store import open_store
from .paths import APP_AUTHOR, APP_NAME, DataPaths, resource
from .ui.fonts import CJK_FAMILIES, apply_fonts
from .ui.i18n import DEFAULT_LANGUAGE, TRANSLATED_LANGUAGES, install_translators
from .ui.main_window import MainWindow, saved_language
from .ui.messages import show_error

log = logging.getLogger(__name__)

ENGLISH_TITLE = "Zhangye Desk"
# Set to 1: exit once the window is shown (start-up benchmark, see the module docstring).
EXIT_WHEN_SHOWN_ENV = "ZHANGYE_DESK_EXIT_WHEN_SHOWN"


class SelfTestError(RuntimeError):
    """The self-test found the window or its translations not as they should be."""


def create_application(lang: str = DEFAULT_LANGUAGE) -> QApplication:
    """The process's QApplication (created once), with translations, fonts and icon set."""
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
    icon = resource("icons", "app.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    else:
        log.warning("the application icon %s is missing", icon)
    install_translators(app, lang)
    apply_fonts(app)
    return app


def run(paths: DataPaths, lang: str | None = None) -> int:
    """Open the window on the data folder ``paths``; return the process exit code.

    ``lang`` None means: the language chosen on the settings page, else Chinese.
    """
    started = time.perf_counter()
    lang = lang or saved_language() or DEFAULT_LANGUAGE
    app = create_application(lang)
    try:
        store = open_store(paths)
    except StoreError as exc:
        log.warning("cannot open the store in %s: %s: %s", paths.root, type(exc).__name__, exc)
        show_error(None, exc)
        return 1
    window: MainWindow | None = None
    try:
        window = MainWindow(store, lang=lang)
        window.show()
        if os.environ.get(EXIT_WHEN_SHOWN_ENV) == "1":
            _ExitWhenShown(window, started)
        code = int(app.exec())
        window.close()  # a no-op after File > Quit; saves the geometry after a logout
        return code
    finally:
        # After a restore from a backup the window holds a newly opened store.
        (window.store if window is not None else store).close()


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


class _ExitWhenShown(QObject):
    """Quit once ``window`` has been painted for the first time (EXIT_WHEN_SHOWN_ENV)."""

    def __init__(self, window: QObject, started: float) -> None:
        super().__init__(window)
        self._started = started
        self._seen = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.Paint and not self._seen:
            self._seen = True
            # After this paint has finished, not during it.
            QTimer.singleShot(0, self._quit)
        return False

    def _quit(self) -> None:
        elapsed_ms = (time.perf_counter() - self._started) * 1000
        _say(f"zhangye-desk: window shown after {elapsed_ms:.0f} ms")
        QApplication.quit()

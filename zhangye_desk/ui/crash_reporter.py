"""The excepthook: a bug is logged with its traceback and shown in a calm dialog.

``CrashReporter.install`` hooks ``sys.excepthook`` (exceptions in the main thread and in Qt
slots, which PySide6 hands to it) and ``threading.excepthook`` (worker threads), unless
something else (a test harness, a debugger) hooked them first. Each uncaught exception is
logged at CRITICAL with its traceback in the user's log folder, and a ``CrashDialog`` says in
plain Chinese that the records already saved are safe, where the log is, and offers
"Copy details" for the county's IT staff. A worker thread's exception is shown on the GUI
thread (a queued signal). Nothing secret goes into the details: no device secret is ever in an
exception message, and ``Bearer …`` / ``secret=…`` are masked anyway.

The dialog itself lives in ``crash_dialog.py`` and is imported only when there is something
to show: the app installs the reporter before its first paint, and start-up time counts.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QGuiApplication

from .. import __version__

if TYPE_CHECKING:
    from .crash_dialog import CrashDialog

log = logging.getLogger(__name__)

_SECRET = re.compile(
    r"(Bearer\s+|(?:secret|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"',]+", re.IGNORECASE
)


def scrub(text: str) -> str:
    """Mask anything that looks like a credential."""
    return _SECRET.sub(lambda match: match.group(1) + "***", text)


def format_details(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    """What "Copy details" copies: versions, platform, time and the traceback."""
    import platform  # only when there is something to report: start-up time counts
    import traceback
    from datetime import datetime

    lines = [
        f"Zhangye Desk {__version__}",
        f"Python {platform.python_version()}, PySide6 {pyside_version}, {platform.platform()}",
        f"frozen: {bool(getattr(sys, 'frozen', False))}",
        f"time: {datetime.now().astimezone().isoformat(timespec='seconds')}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
    ]
    return scrub("\n".join(lines))


class CrashReporter(QObject):
    """Logs uncaught exceptions and shows them in a ``CrashDialog`` on the GUI thread."""

    crashed = Signal(str)

    def __init__(self, log_file: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.dialog: CrashDialog | None = None
        self._installed = False
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        # Emitted from a worker thread, delivered (queued) on this object's thread: the GUI's.
        self.crashed.connect(self.show_details)

    def install(self) -> bool:
        """Hook both excepthooks unless someone else already did; True when installed."""
        if sys.excepthook is not sys.__excepthook__:
            return False
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        self._installed = True
        return True

    def uninstall(self) -> None:
        if self._installed:
            sys.excepthook = self._previous_hook
            threading.excepthook = self._previous_thread_hook
            self._installed = False

    def excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        self.report(args.exc_type, args.exc_value, args.exc_traceback)

    def report(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
        self.crashed.emit(format_details(exc_type, exc, tb))

    @Slot(str)
    def show_details(self, details: str) -> None:
        if QGuiApplication.instance() is None:
            return
        if self.dialog is not None and self.dialog.isVisible():
            # One dialog at a time: a bug that repeats adds its details to the open one.
            self.dialog.details += "\n\n" + details
            self.dialog.view.setPlainText(self.dialog.details)
            return
        from .crash_dialog import CrashDialog  # its widgets load only when there is a crash

        self.dialog = CrashDialog(details, self.log_file)
        if QThread.currentThread().loopLevel() > 0:
            self.dialog.open()  # the event loop runs: the app carries on
        else:
            self.dialog.exec()  # after the loop ended (start-up, shutdown): wait for the user

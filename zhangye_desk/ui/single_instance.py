"""One window per data folder: a second launch asks the first to come to the front, then exits.

The first process listens on a local socket (``QLocalServer``: a named pipe on Windows, a Unix
socket in the temporary folder elsewhere) whose name is derived from the data folder and the
user. A second launch on the same folder connects, sends ``raise`` and exits with code 0; the
first shows, un-minimises and raises its window. Different data folders (``--data-dir``) are
independent.

Start-up cost: the second launch's check is plain Python (a Unix socket, or the pipe opened
as a file), and the first window starts listening only after its frame has been painted, so
QtNetwork (about 80 ms to load) is never on the way to the first paint. A second launch in that
first fraction of a second gets the data-folder lock's calm "already in use" message instead.
That two processes never write the same database is guaranteed by that lock
(``core.store``'s ``DataDirLock``), which stays the last word.
"""

from __future__ import annotations

import logging
import os
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

log = logging.getLogger(__name__)

RAISE = b"raise\n"
CONNECT_TIMEOUT_S = 1.0
# Listen anyway if the window has not been painted by then (started minimised).
LISTEN_WITHOUT_PAINT_MS = 1_000


def server_name(data_root: Path) -> str:
    """A name unique to this user and data folder (zlib's checksums: already loaded, unlike
    hashlib's OpenSSL, and start-up time counts here; nothing secret is derived)."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    key = f"{user}\0{Path(data_root).resolve()}".encode()
    return f"zhangye-desk-{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


def server_address(data_root: Path) -> str:
    """What QLocalServer listens on: a pipe name (Windows) or a socket path (elsewhere)."""
    name = server_name(data_root)
    if sys.platform == "win32":
        return name  # \\.\pipe\<name>
    return str(Path(QDir.tempPath()) / name)


def ask_running_instance(data_root: Path) -> bool:
    """True when another window has this data folder open (it was asked to come forward)."""
    address = server_address(data_root)
    try:
        if sys.platform == "win32":
            with open(r"\\.\pipe" + "\\" + address, "wb", buffering=0) as pipe:
                pipe.write(RAISE)
        else:
            if not os.path.exists(address):
                # No socket file, no window to ask: skip importing socket (start-up time).
                return False
            import socket

            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(CONNECT_TIMEOUT_S)
                client.connect(address)
                client.sendall(RAISE)
    except OSError:
        return False
    log.info("another window has this data folder open: asked it to come to the front")
    return True


class SingleInstance(QObject):
    """The first window's side: listen (after the first paint) and raise on request."""

    raise_requested = Signal()

    def __init__(self, data_root: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.address = server_address(data_root)
        self._server: QLocalServer | None = None
        self._window: QWidget | None = None
        self._closed = False
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(LISTEN_WITHOUT_PAINT_MS)
        self._fallback.timeout.connect(self.listen)

    def watch(self, window: QWidget) -> None:
        """Listen once ``window`` has been painted; bring it to the front when asked."""
        self._window = window
        self.raise_requested.connect(self._raise_window)
        window.installEventFilter(self)
        self._fallback.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        # getattr: Qt may deliver an event while the window tears this object down.
        if watched is getattr(self, "_window", None) and event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self.listen)  # after this paint has finished
        return False

    @Slot()
    def listen(self) -> bool:
        if self._server is not None or self._closed:
            return self._server is not None
        self._fallback.stop()
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.address):
            # A socket file left behind by a process that was killed (Unix): remove, retry.
            QLocalServer.removeServer(self.address)
            if not server.listen(self.address):
                log.warning("single-instance guard unavailable: %s", server.errorString())
                return False
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def close(self) -> None:
        self._closed = True
        self._fallback.stop()
        if self._window is not None:
            self._window.removeEventFilter(self)
        if self._server is not None:
            self._server.close()
            self._server = None

    @Slot()
    def _accept(self) -> None:
        while self._server is not None and self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.readyRead.connect(self._read)
            connection.disconnected.connect(connection.deleteLater)

    @Slot()
    def _read(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        connection = self.sender()
        if isinstance(connection, QLocalSocket):
            if RAISE.strip() in connection.readAll().data():
                self.raise_requested.emit()

    @Slot()
    def _raise_window(self) -> None:
        window = self._window
        if window is None:
            return
        log.info("a second launch on this data folder: bringing the window to the front")
        # Imported here: creating QtCore's Qt namespace costs ~11 ms before the first paint.
        from PySide6.QtCore import Qt

        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()

"""Logging: a rotating file in the data folder's logs/, one logger per module.

A console handler is added only when a stream exists (in a windowed executable
``sys.stderr`` is None). Never log secrets: device secrets and passwords are not passed to
loggers anywhere.

The file is ``logging.handlers.RotatingFileHandler`` (at most ``LOG_BACKUPS`` + 1 files of
``LOG_MAX_BYTES``), opened by the first record: importing ``logging.handlers`` (sockets,
pickle, queues) costs several milliseconds that a window's start-up does not have to pay
before anything is logged. The window goes further (``defer_file=True``): records below
WARNING are kept in memory until ``release_deferred_log`` (app.py calls it once the frame has
been painted), so opening the log file is not on the way to the first paint either; a
warning or an error releases them at once, and so does the end of the process.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

LOG_FILENAME = "zhangye-desk.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(
    log_dir: Path | None, *, console_level: int = logging.WARNING, defer_file: bool = False
) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_zhangye", False):
            root.removeHandler(handler)
            handler.close()
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = _RotatingFileOnFirstRecord(log_dir / LOG_FILENAME, defer=defer_file)
        file_handler._zhangye = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
    if sys.stderr is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(console_level)
        console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        console._zhangye = True  # type: ignore[attr-defined]
        root.addHandler(console)


def release_deferred_log() -> None:
    """Write the records held since ``setup_logging(defer_file=True)``; log directly from now."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _RotatingFileOnFirstRecord):
            handler.write_held()


class _RotatingFileOnFirstRecord(logging.Handler):
    """A ``RotatingFileHandler`` created when the first record arrives (module docstring).

    With ``defer``, records below WARNING are held until ``write_held`` (or a warning, or
    ``close`` at the end of the process).
    """

    def __init__(self, path: Path, *, defer: bool = False) -> None:
        super().__init__()
        self.path = path
        self._file: logging.Handler | None = None
        self._held: list[logging.LogRecord] | None = [] if defer else None

    def write_held(self) -> None:
        # (Not ``release``: that is logging.Handler's name for releasing its lock.)
        self.acquire()
        try:
            self._write_held()
        finally:
            self.release()

    def _write_held(self) -> None:
        held, self._held = self._held, None
        for record in held or ():
            self._write(record)

    def emit(self, record: logging.LogRecord) -> None:
        if self._held is not None:
            if record.levelno < logging.WARNING:
                self._held.append(record)
                return
            self._write_held()
        self._write(record)

    def _write(self, record: logging.LogRecord) -> None:
        if self._file is None:
            import logging.handlers

            self._file = logging.handlers.RotatingFileHandler(
                self.path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
            self._file.setFormatter(logging.Formatter(FORMAT))
        self._file.handle(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        self.write_held()
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


def ensure_std_streams() -> None:
    """Give a windowed executable's missing ``sys.stdout``/``sys.stderr`` a sink.

    In a windowed build (PyInstaller ``console=False``, Windows) both are ``None``; any
    library that prints (or ``faulthandler``, ``warnings``) would raise. Writes then go to the
    null device; the log file still records everything that matters.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

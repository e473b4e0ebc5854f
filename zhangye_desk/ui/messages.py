"""Calm, specific messages for the errors a cadre can act on.

``error_message`` turns an environment error from core/ (disk full, data folder in use,
damaged database, database from a newer version) into a translated (title, text) pair that
says what happened, what is safe and what to do next. ``show_error`` puts that in a message
box. Bugs are not handled here: they belong to the excepthook and its crash dialog.

Every string goes through ``QCoreApplication.translate`` with the context ``Messages`` so
lupdate finds it; placeholders are Qt-style ``%1``, ``%2``.
"""

from __future__ import annotations

import errno
import logging
import sqlite3

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseTooNewError,
    DiskFullError,
    StoreError,
)

log = logging.getLogger(__name__)

CONTEXT = "Messages"


def _fill(text: str, *args: object) -> str:
    """Replace Qt-style placeholders %1, %2 … (highest first, so %1 never eats %10)."""
    for number in range(len(args), 0, -1):
        text = text.replace(f"%{number}", str(args[number - 1]))
    return text


def error_message(exc: BaseException) -> tuple[str, str]:
    """A translated (title, text) for ``exc`` that says what to do."""
    if isinstance(exc, sqlite3.Error):
        # Imported here: the frame imports this module before the store (sqlite-utils) loads.
        from ..core.store import translate_sqlite_error

        mapped = translate_sqlite_error(exc)
        if mapped is not None:
            exc = mapped
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        exc = DiskFullError(str(exc))

    if isinstance(exc, DiskFullError):
        return (
            QCoreApplication.translate("Messages", "The disk is full"),
            QCoreApplication.translate(
                "Messages",
                "Zhangye Desk could not save because the disk is full. The last change was not "
                "saved; everything saved before it is safe.\n\n"
                "Free some space (for example, delete videos you no longer need or empty the "
                "Recycle Bin), then try again.",
            ),
        )
    if isinstance(exc, DatabaseLockedError):
        return (
            QCoreApplication.translate("Messages", "The data folder is in use"),
            QCoreApplication.translate(
                "Messages",
                "Another copy of Zhangye Desk (or another program) is using this data folder, "
                "so it cannot be used here right now. Nothing has been changed.\n\n"
                "Switch to the Zhangye Desk window that is already open, or close it and start "
                "Zhangye Desk again. If no other copy is open, restart the computer and try "
                "again.",
            ),
        )
    if isinstance(exc, DatabaseCorruptError):
        title = QCoreApplication.translate("Messages", "The data file is damaged")
        if exc.latest_backup is not None:
            text = QCoreApplication.translate(
                "Messages",
                "The data file could not be read. It may have been damaged, for example by a "
                "power cut or by unplugging a USB drive while it was in use.\n\n"
                "The latest backup is “%1” (in the backups folder inside the data folder). You "
                "can restore it with the command “zhangye-desk restore --latest”, or ask the "
                "county IT staff to do it. The damaged file is kept as a copy first, and only "
                "the records made after that backup need to be entered again.\n\n"
                "Do not delete the damaged file.",
            )
            return title, _fill(text, exc.latest_backup.name)
        return title, QCoreApplication.translate(
            "Messages",
            "The data file could not be read. It may have been damaged, for example by a power "
            "cut.\n\n"
            "No backup of it was found. Do not delete or move the file, and contact the county "
            "IT staff, who may be able to recover the records.",
        )
    if isinstance(exc, DatabaseTooNewError):
        return (
            QCoreApplication.translate("Messages", "A newer version is needed"),
            QCoreApplication.translate(
                "Messages",
                "This data was saved by a newer version of Zhangye Desk. To keep it safe, this "
                "version will not open it.\n\n"
                "Install the latest version of Zhangye Desk (ask the county organisation "
                "department for the installer), then open it again.",
            ),
        )
    if isinstance(exc, OSError):
        where = exc.filename or QCoreApplication.translate("Messages", "the data folder")
        reason = exc.strerror or str(exc)
        text = QCoreApplication.translate(
            "Messages",
            "Zhangye Desk could not write to “%1”: %2\n\n"
            "Check that the folder still exists and that you may write to it (a USB drive may "
            "have been removed), then try again.",
        )
        return (
            QCoreApplication.translate("Messages", "A file could not be written"),
            _fill(text, where, reason),
        )
    if not isinstance(exc, StoreError):
        log.warning("no specific message for %r; showing the general one", exc)
    return (
        QCoreApplication.translate("Messages", "The action could not be completed"),
        QCoreApplication.translate(
            "Messages",
            "Zhangye Desk could not complete this action.\n\n"
            "Please try again. If it keeps happening, contact the county IT staff and tell "
            "them the details shown below.",
        ),
    )


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Show ``exc`` as a modal warning with its technical detail folded away (GUI thread only)."""
    title, text = error_message(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setDetailedText(f"{type(exc).__name__}: {exc}")
    box.exec()

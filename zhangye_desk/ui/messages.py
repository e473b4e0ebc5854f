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
from collections.abc import Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseTooNewError,
    DiskFullError,
    InvalidValueError,
    NotFoundError,
    SessionClosedError,
    StoreError,
)

log = logging.getLogger(__name__)

CONTEXT = "Messages"

# (error class, title, text) for a message without placeholders; the texts are marked with
# QT_TRANSLATE_NOOP so lupdate finds them and translated where they are shown (``first_match``).
# PySide6 types QT_TRANSLATE_NOOP's result as object: it is the source text itself.
MessageRow = tuple[type[BaseException], object, object]


def fill(text: str, *args: object) -> str:
    """Replace Qt-style placeholders %1, %2 … (highest first, so %1 never eats %10)."""
    for number in range(len(args), 0, -1):
        text = text.replace(f"%{number}", str(args[number - 1]))
    return text


def first_match(
    exc: BaseException, context: str, rows: Sequence[MessageRow]
) -> tuple[str, str] | None:
    """The translated (title, text) of the first row ``exc`` is an instance of (so a subclass
    must come before its base), or None."""
    for kind, title, text in rows:
        if isinstance(exc, kind):
            return translated(context, title, text)
    return None


def translated(context: str, title: object, text: object) -> tuple[str, str]:
    """(title, text) marked with QT_TRANSLATE_NOOP(context, …), translated now."""
    return (
        QCoreApplication.translate(context, str(title)),
        QCoreApplication.translate(context, str(text)),
    )


_MESSAGES: tuple[MessageRow, ...] = (
    (
        DiskFullError,
        QT_TRANSLATE_NOOP("Messages", "The disk is full"),
        QT_TRANSLATE_NOOP(
            "Messages",
            "Zhangye Desk could not save because the disk is full. The last change was not "
            "saved; everything saved before it is safe.\n\n"
            "Free some space (for example, delete videos you no longer need or empty the "
            "Recycle Bin), then try again.",
        ),
    ),
    (
        DatabaseLockedError,
        QT_TRANSLATE_NOOP("Messages", "The data folder is in use"),
        QT_TRANSLATE_NOOP(
            "Messages",
            "Another copy of Zhangye Desk (or another program) is using this data folder, "
            "so it cannot be used here right now. Nothing has been changed.\n\n"
            "Switch to the Zhangye Desk window that is already open, or close it and start "
            "Zhangye Desk again. If no other copy is open, restart the computer and try "
            "again.",
        ),
    ),
    (
        DatabaseTooNewError,
        QT_TRANSLATE_NOOP("Messages", "A newer version is needed"),
        QT_TRANSLATE_NOOP(
            "Messages",
            "This data was saved by a newer version of Zhangye Desk. To keep it safe, this "
            "version will not open it.\n\n"
            "Install the latest version of Zhangye Desk (ask the county organisation "
            "department for the installer), then open it again.",
        ),
    ),
    (
        SessionClosedError,
        QT_TRANSLATE_NOOP("Messages", "This session is closed"),
        QT_TRANSLATE_NOOP(
            "Messages",
            "This session has been closed, and a closed session is final: nothing was "
            "changed.\n\n"
            "If something in it is wrong, ask the county office to correct it on the "
            "server after the next sync. For a new lecture, create a new session.",
        ),
    ),
    (
        NotFoundError,
        QT_TRANSLATE_NOOP("Messages", "The record is no longer there"),
        QT_TRANSLATE_NOOP(
            "Messages",
            "The session, person or material you chose could not be found. It may have "
            "been merged, deleted or replaced by the last sync. Nothing was changed.\n\n"
            "Look it up again in the list (search by name) and try once more.",
        ),
    ),
    (
        InvalidValueError,
        QT_TRANSLATE_NOOP("Messages", "Something entered is not valid"),
        QT_TRANSLATE_NOOP(
            "Messages",
            "A value that was entered is missing or not in the expected form (for example a "
            "date, a number or a name), so nothing was saved.\n\n"
            "Check what you entered, correct it and save again.",
        ),
    ),
)


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
    known = first_match(exc, CONTEXT, _MESSAGES)
    if known is not None:
        return known
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
            return title, fill(text, exc.latest_backup.name)
        return title, QCoreApplication.translate(
            "Messages",
            "The data file could not be read. It may have been damaged, for example by a power "
            "cut.\n\n"
            "No backup of it was found. Do not delete or move the file, and contact the county "
            "IT staff, who may be able to recover the records.",
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
            fill(text, where, reason),
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

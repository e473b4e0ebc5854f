"""Errors the user can act on.

Each is a specific class with a stable ``code`` so the desktop UI (through ``tr()``) and the
CLI (through its catalogue) can show a calm message that says what to do. Bugs are not
modelled here: they propagate as ordinary exceptions to the excepthook.
"""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base of every environment error raised by the local store."""

    code = "store_error"


class DiskFullError(StoreError):
    """The disk (or the database's page limit) is full; nothing was written."""

    code = "disk_full"


class DatabaseLockedError(StoreError):
    """Another copy of the app holds this data folder, or the file stayed locked too long."""

    code = "database_locked"


class DatabaseCorruptError(StoreError):
    """The database file failed its integrity check or is not a database at all."""

    code = "database_corrupt"

    def __init__(self, message: str, *, latest_backup: Path | None = None) -> None:
        super().__init__(message)
        self.latest_backup = latest_backup


class DatabaseTooNewError(StoreError):
    """The database was written by a newer version of the app."""

    code = "database_too_new"

    def __init__(self, message: str, *, unknown_migrations: list[str]) -> None:
        super().__init__(message)
        self.unknown_migrations = unknown_migrations


class DomainError(StoreError):
    """A request the data does not allow (editing a closed session, an unknown person …)."""

    code = "domain_error"


class NotFoundError(DomainError):
    code = "not_found"


class SessionClosedError(DomainError):
    code = "session_closed"


class InvalidValueError(DomainError):
    code = "invalid_value"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field

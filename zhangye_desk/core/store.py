"""Opening the local store safely, and the one way domain code writes to it.

``open_db`` checks the file (header, integrity), refuses a database from a newer app version,
copies the file before migrating, applies migrations and makes sure the database has a replica
id. ``transaction`` wraps a multi-step change in one SQLite transaction and turns SQLite's
environment errors into the specific ``StoreError`` classes. ``DataDirLock`` keeps a second
copy of the app from writing the same data folder.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import filelock
from sqlite_utils import Database

from ..paths import DataPaths
from . import backup
from .errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseTooNewError,
    DiskFullError,
    StoreError,
)
from .ids import new_id, now
from .schema import MIGRATION_SET, known_migration_names, migrations

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000


def translate_sqlite_error(exc: sqlite3.Error, db_path: Path | None = None) -> StoreError | None:
    """Map SQLite's environment errors to ours; None for anything that is a bug."""
    message = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        if "disk is full" in message or "disk i/o error" in message and "full" in message:
            return DiskFullError(str(exc))
        if "database is locked" in message or "database table is locked" in message:
            return DatabaseLockedError(str(exc))
        if "malformed" in message or "not a database" in message:
            latest = backup.latest_backup(db_path) if db_path else None
            return DatabaseCorruptError(str(exc), latest_backup=latest)
    return None


@contextlib.contextmanager
def translated_errors(db: Database | None = None) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        mapped = translate_sqlite_error(exc, db_file(db) if db is not None else None)
        if mapped is None:
            raise
        raise mapped from exc


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """All-or-nothing: the domain rows and their outbox ops commit together or not at all."""
    with translated_errors(db), db.atomic():
        yield db


def db_file(db: Database) -> Path | None:
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else None


def _check_header(path: Path) -> None:
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise DatabaseCorruptError(
            f"{path} is not a SQLite database", latest_backup=backup.latest_backup(path)
        )


def _configure(db: Database) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise DatabaseLockedError(f"could not switch the journal to WAL (got {mode})")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")


def _check_integrity(db: Database, path: Path) -> None:
    rows = [r[0] for r in db.execute("PRAGMA quick_check").fetchall()]
    if rows != ["ok"]:
        raise DatabaseCorruptError(
            "integrity check failed: " + "; ".join(rows[:5]),
            latest_backup=backup.latest_backup(path),
        )


def _applied_names(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


def _migrate(db: Database, path: Path) -> None:
    applied = _applied_names(db)
    unknown = [name for name in applied if name not in known_migration_names()]
    if unknown:
        raise DatabaseTooNewError(
            "the database was written by a newer version of Zhangye Desk",
            unknown_migrations=unknown,
        )
    pending = [m.name for m in migrations.pending(db)]
    if not pending:
        return
    if applied:
        # An existing store: copy it aside before changing its shape.
        copy = backup.backup_now(db, reason="pre-migration")
        log.info("copied the store to %s before migrating %s", copy, pending)
    migrations.apply(db)
    log.info("applied migrations %s to %s", pending, path)


def ensure_replica(db: Database) -> str:
    """Every database file has a replica id; restore from a backup gives it a new one."""
    row = db.execute("SELECT replica_id FROM sync_state WHERE id = 1").fetchone()
    if row:
        return str(row[0])
    replica = new_id()
    with transaction(db):
        db.execute(
            "INSERT INTO sync_state (id, replica_id, replica_created_at) VALUES (1, ?, ?)",
            [replica, now()],
        )
    return replica


def open_db(path: Path, *, create: bool = True) -> Database:
    """Open (creating if allowed) and migrate the store at ``path``.

    Raises DatabaseCorruptError, DatabaseTooNewError, DatabaseLockedError or DiskFullError;
    in each case the file is left as it was.
    """
    path = Path(path)
    if path.exists():
        _check_header(path)
    elif not create:
        raise FileNotFoundError(path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True)
    db = Database(conn)
    try:
        with translated_errors(db):
            _configure(db)
            _check_integrity(db, path)
            _migrate(db, path)
            ensure_replica(db)
    except BaseException:
        conn.close()
        raise
    return db


def connect_worker(path: Path) -> Database:
    """A second connection to an already opened store, for a worker thread.

    A sqlite-utils ``Database`` belongs to the thread that opened it; the window's store was
    checked and migrated by ``open_db``, so a worker only needs the same pragmas.
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True)
    db = Database(conn)
    try:
        with translated_errors(db):
            _configure(db)
    except BaseException:
        conn.close()
        raise
    return db


def replica_id(db: Database) -> str:
    return str(db.execute("SELECT replica_id FROM sync_state WHERE id = 1").fetchone()[0])


def rotate_replica(db: Database) -> str:
    """Give this database file a new replica id (after a restore or a 409 seq_reuse)."""
    replica = new_id()
    with transaction(db):
        db.execute(
            "UPDATE sync_state SET replica_id = ?, replica_created_at = ?, acked_through = 0 "
            "WHERE id = 1",
            [replica, now()],
        )
    return replica


def schema_state(db: Database) -> dict[str, object]:
    return {"migration_set": MIGRATION_SET, "applied": _applied_names(db)}


class DataDirLock:
    """One running copy of the app per data folder (a lock file, released on exit or crash)."""

    def __init__(self, lock_path: Path) -> None:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = filelock.FileLock(str(lock_path), timeout=0, thread_local=False)

    def acquire(self) -> DataDirLock:
        try:
            self._lock.acquire()
        except filelock.Timeout as exc:
            raise DatabaseLockedError(
                "another copy of Zhangye Desk is using this data folder"
            ) from exc
        return self

    def release(self) -> None:
        self._lock.release(force=True)

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class OpenStore:
    """The app's handle on its data folder: the lock, the database, and its paths."""

    def __init__(self, paths: DataPaths, db: Database, lock: DataDirLock) -> None:
        self.paths = paths
        self.db = db
        self._lock = lock

    def close(self) -> None:
        try:
            self.db.close()
        finally:
            self._lock.release()

    def __enter__(self) -> OpenStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(paths: DataPaths, *, daily_backup: bool = True) -> OpenStore:
    """Lock the data folder, open and migrate its store, load the township directory.

    Used by the window and every CLI command that writes, so two copies of the app never
    write the same database.
    """
    from .directory import load_directory

    paths.ensure()
    lock = DataDirLock(paths.lock).acquire()
    try:
        db = open_db(paths.db)
        try:
            load_directory(db)
            if daily_backup:
                backup.maybe_daily_backup(db)
        except BaseException:
            db.close()
            raise
    except BaseException:
        lock.release()
        raise
    return OpenStore(paths, db, lock)

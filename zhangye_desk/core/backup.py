"""Rotating backups of the local store, and restore.

Backups are consistent copies made with SQLite's online backup API (safe while the app runs,
WAL included). Restoring first copies the current file aside (so a restore can be undone),
then swaps the backup in atomically and gives it a new replica id, because its outbox
sequence numbers may already have been used by the file it replaces (DESIGN §4).
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from ..paths import backups_dir_for

log = logging.getLogger(__name__)

KEEP_AUTOMATIC = 10  # newest automatic backups (after sync, daily, before restore)
KEEP_PRE_MIGRATION = 3
DAILY_SECONDS = 24 * 3600
SUFFIX = ".sqlite3"


def _db_path(db: Database) -> Path:
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2])


def list_backups(db_path: Path) -> list[Path]:
    """Backups of this store, newest first."""
    folder = backups_dir_for(db_path)
    if not folder.is_dir():
        return []
    stem = Path(db_path).stem
    found = [p for p in folder.glob(f"{stem}-*{SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def latest_backup(db_path: Path | None) -> Path | None:
    if db_path is None:
        return None
    backups = list_backups(db_path)
    return backups[0] if backups else None


def _copy_database(src: sqlite3.Connection, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    dst = sqlite3.connect(str(tmp))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
    finally:
        dst.close()
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)


def backup_now(db: Database, *, reason: str = "manual") -> Path:
    """Write a consistent copy of the store into the backups folder; return its path."""
    path = _db_path(db)
    folder = backups_dir_for(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}-{reason}{SUFFIX}"
    from .store import translated_errors  # store imports this module

    with translated_errors(db):
        try:
            _copy_database(db.conn, target)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                from .errors import DiskFullError

                raise DiskFullError(str(exc)) from exc
            raise
    _rotate(path)
    log.info("backup written: %s", target.name)
    return target


def _rotate(db_path: Path) -> None:
    backups = list_backups(db_path)
    pre = [p for p in backups if p.stem.endswith("-pre-migration")]
    automatic = [p for p in backups if p not in pre and not p.stem.endswith("-manual")]
    for old in pre[KEEP_PRE_MIGRATION:] + automatic[KEEP_AUTOMATIC:]:
        old.unlink(missing_ok=True)


def maybe_daily_backup(db: Database, *, at: float | None = None) -> Path | None:
    """Make the daily backup if the newest backup is more than a day old."""
    at = time.time() if at is None else at
    newest = latest_backup(_db_path(db))
    if newest is not None and at - newest.stat().st_mtime < DAILY_SECONDS:
        return None
    return backup_now(db, reason="daily")


def verify_backup(backup: Path) -> None:
    """Raise DatabaseCorruptError unless ``backup`` is a readable, intact store."""
    from .errors import DatabaseCorruptError

    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            result = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
            conn.execute("SELECT replica_id FROM sync_state").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseCorruptError(f"backup {backup.name} cannot be read: {exc}") from exc
    if result != ["ok"]:
        raise DatabaseCorruptError(f"backup {backup.name} failed its integrity check")


def restore_backup(db_path: Path, backup: Path) -> Path | None:
    """Replace the store at ``db_path`` with ``backup``; every connection must be closed.

    Returns the safety copy of the replaced file (None when there was no file), so the user
    can go back. The restored file gets a new replica id.
    """
    from .errors import DatabaseCorruptError
    from .store import open_db, rotate_replica

    db_path = Path(db_path)
    verify_backup(backup)
    safety: Path | None = None
    if db_path.exists():
        try:
            current = Database(sqlite3.connect(str(db_path)))
            try:
                safety = backup_now(current, reason="before-restore")
            finally:
                current.close()
        except (sqlite3.DatabaseError, DatabaseCorruptError):
            # The current file is unreadable (that is often why we restore): keep its bytes.
            folder = backups_dir_for(db_path)
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            safety = folder / f"{db_path.stem}-{stamp}-damaged.bin"
            os.replace(db_path, safety)
    staging = db_path.with_name(db_path.name + ".restoring")
    for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm")):
        leftover.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _copy_database(source, staging)
    finally:
        source.close()
    restored = open_db(staging)
    try:
        rotate_replica(restored)
        restored.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        restored.close()
    for side in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        side.unlink(missing_ok=True)
    os.replace(staging, db_path)
    for side in (Path(f"{staging}-wal"), Path(f"{staging}-shm")):
        side.unlink(missing_ok=True)
    log.info("restored %s from %s", db_path.name, backup.name)
    return safety

"""The local store: pragmas, migrations, refusing bad files, disk full, locking, backups."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from zhangye_desk.core import backup, outbox
from zhangye_desk.core.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseTooNewError,
    DiskFullError,
)
from zhangye_desk.core.schema import known_migration_names
from zhangye_desk.core.sessions import create_session
from zhangye_desk.core.store import (
    DataDirLock,
    open_db,
    open_store,
    replica_id,
    schema_state,
    transaction,
)
from zhangye_desk.paths import DataPaths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DAHE = "620721203"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_open_sets_durable_pragmas_and_a_replica_id(db: Database) -> None:
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert len(replica_id(db)) == 36
    assert schema_state(db)["applied"] == known_migration_names()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        with transaction(db):
            db.execute(
                "INSERT INTO village (code, township_code, name) VALUES ('1', 'nowhere', 'x')"
            )


def test_migrates_an_old_store_after_copying_it(data_paths: DataPaths) -> None:
    shutil.copy(FIXTURES / "store_v1.sqlite3", data_paths.db)
    db = open_db(data_paths.db)
    try:
        assert schema_state(db)["applied"] == known_migration_names()
        # The old rows survived and the new search keys were filled in for them.
        row = db.execute(
            "SELECT name, pinyin_full, pinyin_initials FROM person WHERE id = 'p1'"
        ).fetchone()
        assert row == ("才让卓玛", "cairangzhuoma zairangzhuoma", "crzm zrzm")
        assert db.execute("SELECT status FROM attendance WHERE person_id = 'p1'").fetchone() == (
            "present",
        )
        assert outbox.pending_count(db) == 1
        assert replica_id(db) == "replica-v1"
    finally:
        db.close()
    copies = [p for p in backup.list_backups(data_paths.db) if "pre-migration" in p.name]
    assert len(copies) == 1
    old = sqlite3.connect(copies[0])
    try:
        names = [r[0] for r in old.execute("SELECT name FROM _sqlite_migrations")]
        assert names == ["m001_initial"]
    finally:
        old.close()


def test_a_store_from_a_newer_version_is_refused_and_left_alone(data_paths: DataPaths) -> None:
    db = open_db(data_paths.db)
    with transaction(db):
        db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('zhangye_desk', 'm900_from_the_future', '2030-01-01')"
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = file_digest(data_paths.db)
    with pytest.raises(DatabaseTooNewError) as info:
        open_db(data_paths.db)
    assert info.value.unknown_migrations == ["m900_from_the_future"]
    assert file_digest(data_paths.db) == before


def test_a_file_that_is_not_a_database_is_refused_with_the_latest_backup(
    data_paths: DataPaths,
) -> None:
    db = open_db(data_paths.db)
    saved = backup.backup_now(db, reason="manual")
    db.close()
    data_paths.db.write_bytes(b"this is a Word document, not a database" * 100)
    before = file_digest(data_paths.db)
    with pytest.raises(DatabaseCorruptError) as info:
        open_db(data_paths.db)
    assert info.value.latest_backup == saved
    assert file_digest(data_paths.db) == before


def test_a_damaged_page_fails_the_integrity_check(
    sunan_db: Database, data_paths: DataPaths
) -> None:
    for i in range(300):
        create_session(
            sunan_db, kind="tent", title=f"课堂 {i}", township_code=DAHE, notes="x" * 200
        )
    sunan_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = sunan_db.execute("PRAGMA page_size").fetchone()[0]
    pages = sunan_db.execute("PRAGMA page_count").fetchone()[0]
    sunan_db.close()
    raw = bytearray(data_paths.db.read_bytes())
    # Scribble over the middle of the file, leaving the header intact.
    start = page_size * (pages // 2)
    raw[start : start + page_size] = b"\xff" * page_size
    data_paths.db.write_bytes(bytes(raw))
    with pytest.raises(DatabaseCorruptError):
        open_db(data_paths.db)


def test_disk_full_raises_and_writes_nothing(sunan_db: Database) -> None:
    create_session(sunan_db, kind="tent", title="第一场", township_code=DAHE)
    pages = sunan_db.execute("PRAGMA page_count").fetchone()[0]
    sunan_db.execute(f"PRAGMA max_page_count = {pages}")
    sessions_before = sunan_db.execute("SELECT count(*) FROM session").fetchone()[0]
    ops_before = outbox.pending_count(sunan_db)
    with pytest.raises(DiskFullError):
        create_session(
            sunan_db, kind="horseback", title="第二场", township_code=DAHE, notes="长" * 20000
        )
    assert sunan_db.execute("SELECT count(*) FROM session").fetchone()[0] == sessions_before
    assert outbox.pending_count(sunan_db) == ops_before
    # Once there is room again the same change goes through.
    sunan_db.execute(f"PRAGMA max_page_count = {pages * 100}")
    create_session(
        sunan_db, kind="horseback", title="第二场", township_code=DAHE, notes="长" * 20000
    )
    assert outbox.pending_count(sunan_db) == ops_before + 1


def test_a_second_copy_of_the_app_cannot_open_the_same_data_folder(
    data_paths: DataPaths,
) -> None:
    with open_store(data_paths, daily_backup=False):
        with pytest.raises(DatabaseLockedError):
            open_store(data_paths, daily_backup=False)
    # Released on close: it opens again.
    open_store(data_paths, daily_backup=False).close()


def test_the_cli_reports_the_lock_held_by_another_process(data_paths: DataPaths) -> None:
    with DataDirLock(data_paths.lock):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "zhangye_desk.cli",
                "--data-dir",
                str(data_paths.root),
                "status",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "另一个张掖流动课堂程序正在使用这个数据文件夹" in result.stderr
    assert result.stdout == ""


def test_restore_brings_back_the_backup_with_a_new_replica_id(
    sunan_db: Database, data_paths: DataPaths
) -> None:
    create_session(sunan_db, kind="tent", title="备份前", township_code=DAHE)
    old_replica = replica_id(sunan_db)
    saved = backup.backup_now(sunan_db, reason="manual")
    create_session(sunan_db, kind="tent", title="备份后", township_code=DAHE)
    sunan_db.close()

    safety = backup.restore_backup(data_paths.db, saved)

    restored = open_db(data_paths.db)
    try:
        titles = [r[0] for r in restored.execute("SELECT title FROM session ORDER BY title")]
        assert titles == ["备份前"]
        assert replica_id(restored) != old_replica
        assert outbox.pending_count(restored) == 1  # the op from before the backup still waits
    finally:
        restored.close()
    # The replaced file was kept aside, with the later session in it: the restore can be undone.
    assert safety is not None and safety.exists()
    kept = sqlite3.connect(safety)
    try:
        assert kept.execute("SELECT count(*) FROM session").fetchone()[0] == 2
    finally:
        kept.close()


def test_restore_refuses_a_damaged_backup_and_keeps_the_store(
    sunan_db: Database, data_paths: DataPaths, tmp_path: Path
) -> None:
    create_session(sunan_db, kind="tent", title="保留", township_code=DAHE)
    sunan_db.close()
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00" * 4096)
    with pytest.raises(DatabaseCorruptError):
        backup.restore_backup(data_paths.db, bad)
    db = open_db(data_paths.db)
    try:
        assert [r[0] for r in db.execute("SELECT title FROM session")] == ["保留"]
    finally:
        db.close()


def test_automatic_backups_rotate_but_manual_ones_stay(db: Database, data_paths: DataPaths) -> None:
    manual = backup.backup_now(db, reason="manual")
    for _ in range(backup.KEEP_AUTOMATIC + 4):
        backup.backup_now(db, reason="after-sync")
    names = backup.list_backups(data_paths.db)
    assert manual in names
    assert len([p for p in names if "after-sync" in p.name]) == backup.KEEP_AUTOMATIC


def test_daily_backup_once_a_day(db: Database, data_paths: DataPaths) -> None:
    first = backup.maybe_daily_backup(db)
    assert first is not None
    assert backup.maybe_daily_backup(db) is None
    later = first.stat().st_mtime + backup.DAILY_SECONDS + 1
    assert backup.maybe_daily_backup(db, at=later) is not None

"""core.status: the counts it reports are the counts of the rows, however they are kept.

``local_totals`` reads the ``attendance_tally`` that triggers maintain (schema m005) instead of
counting ``attendance``; these tests compare it with a plain count after every kind of change.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from sqlite_utils import Database

from zhangye_desk.core import attendance, sessions
from zhangye_desk.core.status import local_totals, status, sync_status
from zhangye_desk.core.store import open_db, transaction
from zhangye_desk.core.vocab import ATTENDANCE_STATUSES, ATTENDED_STATUSES, sql_in
from zhangye_desk.paths import DataPaths

from .seed import T1, T2, add_person, add_townships, delete_person

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T0 = 1_773_108_000  # 2026-03-10T02:00Z


def tally(db: Database) -> dict[str, int]:
    rows = db.execute("SELECT status, marks FROM attendance_tally WHERE marks > 0").fetchall()
    return dict(rows)


def counted(db: Database) -> dict[str, int]:
    rows = db.execute("SELECT status, count(*) FROM attendance GROUP BY status").fetchall()
    return dict(rows)


def scanned_totals(db: Database) -> dict[str, int]:
    """local_totals the slow way, as it was computed before m005."""
    sessions_count, headcount = db.execute(
        "SELECT count(*), coalesce(sum(headcount_unregistered), 0) FROM session"
    ).fetchone()
    registered = db.execute(
        f"SELECT count(*) FROM attendance WHERE status IN {sql_in(ATTENDED_STATUSES)}"
    ).fetchone()[0]
    people = db.execute("SELECT count(*) FROM person WHERE deleted = 0").fetchone()[0]
    return {
        "sessions": sessions_count,
        "participant_times": registered + headcount,
        "registered_participant_times": registered,
        "unregistered_headcount": headcount,
        "people": people,
    }


def test_the_tally_follows_every_mark_change_and_undo(db: Database) -> None:
    add_townships(db)
    rng = random.Random(3)
    first = sessions.create_session(
        db, kind="tent", title="帐篷课堂", township_code=T1, starts_at=T0, at=T0
    )
    second = sessions.create_session(
        db, kind="study", title="集中学习", township_code=T2, starts_at=T0 + 3600, at=T0
    )
    with transaction(db):
        db.execute("UPDATE session SET headcount_unregistered = 4 WHERE id = ?", [second])
    people = [add_person(db, f"牧民{n}", T1) for n in range(12)]
    assert tally(db) == {} and local_totals(db) == scanned_totals(db)
    for step in range(300):
        session = rng.choice((first, second))
        if step % 17 == 16:
            attendance.undo_last(db, session)
        else:
            status = rng.choice(ATTENDANCE_STATUSES)
            attendance.mark(db, session, rng.choice(people), status)
        assert tally(db) == counted(db)
    delete_person(db, people[0])
    assert set(counted(db)) <= set(ATTENDANCE_STATUSES)
    assert local_totals(db) == scanned_totals(db)
    assert local_totals(db)["people"] == 11


def test_migrating_an_old_store_fills_the_tally(data_paths: DataPaths) -> None:
    shutil.copy(FIXTURES / "store_v1.sqlite3", data_paths.db)
    db = open_db(data_paths.db)
    try:
        assert tally(db) == counted(db) == {"present": 1}
        assert local_totals(db) == scanned_totals(db)
    finally:
        db.close()


def test_status_is_sync_status_plus_the_totals(db: Database, data_paths: DataPaths) -> None:
    info = status(db, data_paths)
    assert info.pop("local_totals") == local_totals(db)
    assert info == sync_status(db, data_paths)
    assert info["data_dir"] == str(data_paths.root)
    assert info["pending_ops"] == 0 and info["last_sync"] is None


def test_status_counts_need_no_table_scan(db: Database) -> None:
    """The point of m005: neither count reads the attendance or person tables row by row."""
    plans = []
    for query in (
        f"SELECT coalesce(sum(marks), 0) FROM attendance_tally "
        f"WHERE status IN {sql_in(ATTENDED_STATUSES)}",
        "SELECT count(*) FROM person WHERE deleted = 0",
    ):
        plans += [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()]
    assert not any(plan.startswith("SCAN") for plan in plans), plans

"""Attendance: append-only marks with one op each, undo by appending, live counters."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from zhangye_desk.core import attendance, sessions
from zhangye_desk.core.errors import InvalidValueError, NotFoundError, SessionClosedError
from zhangye_desk.core.outbox import OP_ATTENDANCE, OP_SESSION_CREATE
from zhangye_desk.core.store import transaction

from .seed import T1, T2, add_person, add_townships, delete_person, ops

T0 = 1_773_108_000  # 2026-03-10T02:00Z


class Fixture:
    def __init__(self, db: Database) -> None:
        add_townships(db)
        self.db = db
        self.session = sessions.create_session(
            db, kind="tent", title="帐篷课堂", township_code=T1, starts_at=T0, at=T0
        )
        self.anna = add_person(db, "安玉梅", T1, "member")
        self.bao = add_person(db, "包尔", T1, "probationary")
        self.cai = add_person(db, "才让", T2, "masses")

    def events(self) -> list[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT person_id, status FROM attendance_event WHERE session_id = ? ORDER BY rowid",
            [self.session],
        ).fetchall()
        return [(p, s) for p, s in rows]


@pytest.fixture
def f(db: Database) -> Fixture:
    return Fixture(db)


def test_mark_writes_event_effective_status_and_one_op(f: Fixture) -> None:
    event = attendance.mark(f.db, f.session, f.anna, by="cadre-1", at=T0 + 10)
    assert event is not None
    assert attendance.effective_status(f.db, f.session, f.anna) == "present"
    assert ops(f.db)[1:] == [
        (
            OP_ATTENDANCE,
            {
                "s": f.session,
                "p": f.anna,
                "st": "present",
                "at": T0 + 10,
                "by": "cadre-1",
            },
        )
    ]
    assert attendance.mark_late(f.db, f.session, f.anna, at=T0 + 20) is not None
    assert attendance.effective_status(f.db, f.session, f.anna) == "late"
    assert ops(f.db)[-1] == (
        OP_ATTENDANCE,
        {"s": f.session, "p": f.anna, "st": "late", "at": T0 + 20},
    )
    assert len(ops(f.db)) == 3


def test_same_status_is_a_no_op(f: Fixture) -> None:
    assert attendance.unmark(f.db, f.session, f.anna) is None  # never marked: nothing to remove
    assert attendance.mark_present(f.db, f.session, f.anna) is not None
    assert attendance.mark_present(f.db, f.session, f.anna) is None
    assert f.events() == [(f.anna, "present")]
    assert [t for t, _ in ops(f.db)] == [OP_SESSION_CREATE, OP_ATTENDANCE]


def test_outbox_and_event_roll_back_together(f: Fixture) -> None:
    with pytest.raises(RuntimeError), transaction(f.db):
        attendance.mark(f.db, f.session, f.anna)
        raise RuntimeError("the laptop lost power")
    assert f.events() == []
    assert attendance.effective_status(f.db, f.session, f.anna) is None
    assert [t for t, _ in ops(f.db)] == [OP_SESSION_CREATE]
    # A mark that succeeds inside an outer transaction commits with it.
    with transaction(f.db):
        attendance.mark(f.db, f.session, f.anna)
    assert f.events() == [(f.anna, "present")]
    assert [t for t, _ in ops(f.db)] == [OP_SESSION_CREATE, OP_ATTENDANCE]


def test_refusals_write_nothing(f: Fixture) -> None:
    gone = add_person(f.db, "已删除")
    delete_person(f.db, gone)
    merged = add_person(f.db, "重复")
    delete_person(f.db, merged, merged_into=f.anna)
    with pytest.raises(InvalidValueError) as caught:
        attendance.mark(f.db, f.session, f.anna, "absent")
    assert caught.value.field == "status"
    for person in ("nobody", gone, merged):
        with pytest.raises(NotFoundError):
            attendance.mark(f.db, f.session, person)
    with pytest.raises(NotFoundError):
        attendance.mark(f.db, "no-session", f.anna)
    sessions.close_session(f.db, f.session)
    with pytest.raises(SessionClosedError):
        attendance.mark_left_early(f.db, f.session, f.anna)
    with pytest.raises(SessionClosedError):
        attendance.undo_last(f.db, f.session)
    assert f.events() == []
    assert [t for t, _ in ops(f.db)][1:] == ["session.close"]


def test_events_cannot_be_updated_or_deleted(f: Fixture) -> None:
    attendance.mark(f.db, f.session, f.anna)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), transaction(f.db):
        f.db.execute("UPDATE attendance_event SET status = 'late'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), transaction(f.db):
        f.db.execute("DELETE FROM attendance_event")
    assert f.events() == [(f.anna, "present")]


def test_undo_restores_previous_status_by_appending(f: Fixture) -> None:
    attendance.mark(f.db, f.session, f.anna)  # anna: none → present
    attendance.mark(f.db, f.session, f.bao)  # bao: none → present
    attendance.mark_late(f.db, f.session, f.anna)  # anna: present → late
    ops_before = len(ops(f.db))

    undone = attendance.undo_last(f.db, f.session, by="cadre-1", at=T0 + 99)
    assert undone is not None
    assert (undone["person_id"], undone["name"], undone["undone_status"], undone["status"]) == (
        f.anna,
        "安玉梅",
        "late",
        "present",
    )
    assert attendance.effective_status(f.db, f.session, f.anna) == "present"
    # The undo is itself an appended event with its own op; nothing was deleted.
    assert f.events() == [
        (f.anna, "present"),
        (f.bao, "present"),
        (f.anna, "late"),
        (f.anna, "present"),
    ]
    assert len(ops(f.db)) == ops_before + 1
    assert ops(f.db)[-1] == (
        OP_ATTENDANCE,
        {
            "s": f.session,
            "p": f.anna,
            "st": "present",
            "at": T0 + 99,
            "by": "cadre-1",
        },
    )

    # Repeated undo walks further back: bao's mark, then anna's first mark.
    second = attendance.undo_last(f.db, f.session)
    assert second is not None
    assert (second["person_id"], second["status"]) == (f.bao, "removed")
    third = attendance.undo_last(f.db, f.session)
    assert third is not None
    assert (third["person_id"], third["status"]) == (f.anna, "removed")
    assert attendance.undo_last(f.db, f.session) is None
    assert attendance.attendees(f.db, f.session) == []
    assert len(f.events()) == 6


def test_unticking_counts_as_undoing_the_tick(f: Fixture) -> None:
    attendance.mark(f.db, f.session, f.anna)
    attendance.mark(f.db, f.session, f.bao)
    attendance.unmark(f.db, f.session, f.bao)
    undone = attendance.undo_last(f.db, f.session)
    assert undone is not None
    assert undone["person_id"] == f.anna
    # But a change to another person in between is undone first.
    attendance.mark(f.db, f.session, f.anna)
    attendance.mark(f.db, f.session, f.bao)
    attendance.unmark(f.db, f.session, f.anna)
    undone = attendance.undo_last(f.db, f.session)
    assert undone is not None
    assert (undone["person_id"], undone["status"]) == (f.anna, "present")


def test_attendees_and_counters(f: Fixture) -> None:
    attendance.mark(f.db, f.session, f.anna, at=T0 + 1)
    attendance.mark_late(f.db, f.session, f.bao, by="cadre-2", at=T0 + 2)
    attendance.mark_left_early(f.db, f.session, f.cai, at=T0 + 3)
    dropped = add_person(f.db, "多吉", T1, "member")
    attendance.mark(f.db, f.session, dropped, at=T0 + 4)
    attendance.unmark(f.db, f.session, dropped, at=T0 + 5)
    sessions.set_headcount(f.db, f.session, 6)

    rows = attendance.attendees(f.db, f.session)
    assert [(r["name"], r["status"], r["marked_by"]) for r in rows] == [
        ("安玉梅", "present", None),
        ("包尔", "late", "cadre-2"),
        ("才让", "left_early", None),
    ]
    assert attendance.effective_status(f.db, f.session, dropped) == "removed"
    assert attendance.counters(f.db, f.session) == {
        "present": 3,
        "late": 1,
        "left_early": 1,
        "party_members_present": 2,
        "headcount_unregistered": 6,
        "total": 9,
    }
    with pytest.raises(NotFoundError):
        attendance.counters(f.db, "nope")
    with pytest.raises(NotFoundError):
        attendance.attendees(f.db, "nope")

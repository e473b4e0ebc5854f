"""The statistics' per-session tally (``session_tally``, server/stats.py) stays exactly in step
with ``attendance`` through pushes (set-based and op by op), removed marks, merges, moves,
deletions and a quarantined mark applied again — and every figure it gives equals straight SQL
over every mark (tests/server/stats_reference.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import Connection, select

from tests.server import stats_reference
from tests.server.conftest import DAHE, MATI, Laptop, ServerUnderTest
from tests.server.lectures import record_lecture
from zhangye_desk.core import attendance as client_attendance
from zhangye_desk.core import outbox
from zhangye_desk.core.store import transaction
from zhangye_desk.core.vocab import ATTENDED_STATUSES
from zhangye_desk.server import admin, dbadmin, service
from zhangye_desk.server.db import attendance, session_tally, stats_person, write_transaction
from zhangye_desk.server.stats import GROUPINGS, rebuild_tallies, statistics, unpack_tally

COUNTY = admin.Scope("县管理员", None)
PERIODS = [
    (None, None),
    (date(2026, 1, 1), date(2026, 12, 31)),
    (date(2026, 2, 1), date(2026, 2, 28)),
    (date(2026, 3, 1), None),
]


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def tallies(conn: Connection) -> dict[str, list[str]]:
    """session → the people its tally holds (person ids, sorted)."""
    query = select(stats_person.c.number, stats_person.c.person_id)
    number_to_person = {int(n): p for n, p in conn.execute(query)}
    return {
        session_id: sorted(number_to_person[n] for n in unpack_tally(blob))
        for session_id, blob in conn.execute(select(session_tally))
    }


def attended(conn: Connection) -> dict[str, list[str]]:
    """session → the people whose effective status there is attended (sorted)."""
    found: dict[str, list[str]] = {}
    query = select(attendance.c.session_id, attendance.c.person_id).where(
        attendance.c.status.in_(ATTENDED_STATUSES)
    )
    for session_id, person_id in conn.execute(query):
        found.setdefault(session_id, []).append(person_id)
    return {k: sorted(v) for k, v in found.items()}


def assert_in_step(server: ServerUnderTest) -> None:
    """The tally is what attendance says, and every figure equals the SQL reference."""
    with server.conn() as conn:
        assert tallies(conn) == attended(conn)
        for (date_from, date_to), by, township in itertools.product(
            PERIODS, GROUPINGS, (None, DAHE)
        ):
            expected = stats_reference.statistics(conn, date_from, date_to, by, township)
            got = statistics(conn, date_from, date_to, by, township)
            assert got == expected, (date_from, date_to, by, township)


def test_the_tally_follows_every_change_of_attendance_and_the_roster(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    dahe, mati = make_laptop(any_server, DAHE), make_laptop(any_server, MATI)
    # Pushes: sessions in January, February and March, a mark undone (removed) on the laptop.
    first = record_lecture(dahe.db, DAHE, title="一月帐篷", starts_at=utc(2026, 1, 15, 2))
    second = record_lecture(
        dahe.db, DAHE, title="二月马背", starts_at=utc(2026, 1, 31, 17), kind="horseback",
        attendees=4, close=False,
    )  # fmt: skip
    record_lecture(mati.db, MATI, title="三月讲座", starts_at=utc(2026, 3, 2, 6), attendees=5)
    # One of the first session's people also came in February.
    client_attendance.mark_present(dahe.db, second.session_id, first.people[0])
    assert dahe.push().status_code == 200 and mati.push().status_code == 200
    assert_in_step(any_server)

    # A later push takes someone's mark away again, and a second laptop marks someone else.
    client_attendance.unmark(dahe.db, second.session_id, second.people[0])
    assert dahe.push().status_code == 200
    other = make_laptop(any_server, DAHE)
    with transaction(other.db):
        outbox.append(
            other.db,
            outbox.OP_ATTENDANCE,
            {"s": second.session_id, "p": first.people[1], "st": "present", "at": 5},
        )
    assert other.push().status_code == 200
    with any_server.conn() as conn:
        tally = tallies(conn)
    assert second.people[0] not in tally[second.session_id]
    assert first.people[1] in tally[second.session_id]
    assert_in_step(any_server)

    # The roster changes: a merge, a deletion, a move to another township and organisation,
    # a member leaving the Party roll. Only the figures change; the tally need not.
    with any_server.conn() as conn:
        service.merge_people(conn, second.people[1], first.people[0], actor="admin")
        service.delete_person(conn, first.people[2], actor="admin")
        service.upsert_person(
            conn,
            {"id": second.people[2], "township_code": MATI, "organisation_id": None},
            actor="admin",
        )
        service.upsert_person(
            conn, {"id": first.people[0], "political_status": "masses"}, actor="admin"
        )
    assert_in_step(any_server)

    # A mark quarantined (its person unknown), applied again once the person exists.
    missing = "0190d000-0000-7000-8000-0000000000aa"
    with transaction(dahe.db):
        outbox.append(
            dahe.db,
            outbox.OP_ATTENDANCE,
            {"s": second.session_id, "p": missing, "st": "late", "at": 7},
        )
    reply = dahe.push().json()
    assert [r[1] for r in reply["quarantined"]] == ["unknown_person"]
    with any_server.conn() as conn:
        service.upsert_person(
            conn,
            {"id": missing, "name": "才让", "township_code": DAHE, "political_status": "member"},
            actor="admin",
        )
        (item,) = admin.list_quarantine(conn, COUNTY)
        assert admin.retry_quarantined(conn, COUNTY, item["id"]).applied
        assert missing in tallies(conn)[second.session_id]
    assert_in_step(any_server)

    # Rebuilt from scratch (what the bench does), the tally is the same; so is what the
    # migration fills in for attendance stored before it (down to 0002 and up again).
    with any_server.conn() as conn:
        before = tallies(conn)
        rebuild_tallies(conn)
        assert tallies(conn) == before
    config = dbadmin.alembic_config()
    with write_transaction(any_server.engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    dbadmin.migrate(any_server.engine)
    with any_server.conn() as conn:
        assert tallies(conn) == before

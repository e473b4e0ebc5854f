"""Server statistics use the laptop's definitions: the same figures from the same records."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.server.conftest import DAHE, MATI, Laptop, ServerUnderTest
from tests.server.lectures import record_lecture
from zhangye_desk.core import attendance, people, sessions
from zhangye_desk.core import stats as client_stats
from zhangye_desk.server import service
from zhangye_desk.server.errors import ServiceError
from zhangye_desk.server.stats import device_counts, statistics


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "label"}


def record_season(laptop: Laptop, township: str) -> None:
    db = laptop.db
    record_lecture(db, township, title="一月帐篷", starts_at=utc(2026, 1, 15, 2), attendees=4)
    # 17:00 UTC on 31 January is 01:00 on 1 February in China: a February session.
    record_lecture(db, township, title="二月马背", starts_at=utc(2026, 1, 31, 17), kind="horseback")
    record_lecture(
        db,
        township,
        title="三月讲座",
        starts_at=utc(2026, 3, 2, 6),
        attendees=5,
        kind="party_lecture",
        close=False,
    )
    # Someone attends two sessions: one person, two participant-times.
    regular = people.add_person(db, name="常客", township_code=township, political_status="member")
    for session in sessions.list_sessions(db, township_code=township):
        attendance.mark_present(db, session["id"], regular) if session["state"] == "open" else None
    laptop.push()


@pytest.fixture
def season(any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]) -> dict[str, Laptop]:
    laptops = {DAHE: make_laptop(any_server, DAHE), MATI: make_laptop(any_server, MATI)}
    for township, laptop in laptops.items():
        record_season(laptop, township)
    return laptops


PERIODS = [(None, None), (date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 1, 1), None)]


def test_a_townships_figures_match_its_laptop(
    any_server: ServerUnderTest, season: dict[str, Laptop]
) -> None:
    with any_server.conn() as conn:
        for (date_from, date_to), (township, laptop), by in itertools.product(
            PERIODS, season.items(), (None, "kind", "month", "township")
        ):
            here = client_stats.statistics(
                laptop.db, date_from=date_from, date_to=date_to, by=by, township_code=township
            )
            there = statistics(conn, date_from, date_to, by, township)
            where = (date_from, date_to, township, by)
            assert there["totals"] == here["totals"], where
            assert [figures(r) for r in there["rows"]] == [figures(r) for r in here["rows"]], where


def test_county_totals_and_rows(any_server: ServerUnderTest, season: dict[str, Laptop]) -> None:
    with any_server.conn() as conn:
        county = statistics(conn, by="township")
        by_month = statistics(conn, by="month")
    per_laptop = [client_stats.statistics(laptop.db)["totals"] for laptop in season.values()]
    for key in (
        "sessions",
        "participant_times",
        "unique_participants",
        "party_members",
        "party_members_attended",
    ):
        assert county["totals"][key] == sum(t[key] for t in per_laptop), key
    rows = {row["key"]: row for row in county["rows"]}
    assert len(rows) == 8 and rows[DAHE]["label"] == "大河乡"
    assert rows["620721100"]["sessions"] == 0 and rows["620721100"]["participation_rate"] is None
    assert [row["key"] for row in by_month["rows"]] == ["2026-01", "2026-02", "2026-03"]
    assert [row["sessions"] for row in by_month["rows"]] == [2, 2, 2]


def test_merged_and_deleted_people_count_once_and_leave_the_roster(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    lecture = record_lecture(laptop.db, DAHE, attendees=3)  # members: attendees 0 and 2
    laptop.push()
    with server.conn() as conn:
        before = statistics(conn)["totals"]
        # Attendee 1 was a duplicate of attendee 0; attendee 2 left the roster.
        service.merge_people(conn, lecture.people[1], lecture.people[0], actor="admin")
        service.delete_person(conn, lecture.people[2], actor="admin")
        after = statistics(conn)["totals"]
    assert before["unique_participants"] == 2 and after["unique_participants"] == 1
    assert after["participant_times"] == before["participant_times"]
    assert (before["party_members"], after["party_members"]) == (2, 1)


def test_by_organisation_counts_each_organisations_people(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    branch = "org-620721203-001"
    with server.conn() as conn:
        ids = [
            service.upsert_person(
                conn,
                {
                    "name": f"党员{i}",
                    "township_code": DAHE,
                    "political_status": "member",
                    "organisation_id": branch if i < 3 else None,
                },
                actor="import",
            )["id"]
            for i in range(5)
        ]
    people.upsert_server_people(
        laptop.db, [{"id": pid, "name": "x", "township_code": DAHE, "version": 1} for pid in ids]
    )
    session_id = sessions.create_session(laptop.db, kind="study", title="学习", township_code=DAHE)
    for pid in ids[:2] + ids[3:4]:
        attendance.mark_present(laptop.db, session_id, pid)
    laptop.push()
    with server.conn() as conn:
        result = statistics(conn, by="organisation", township_code=DAHE)
    rows = {row["key"]: row for row in result["rows"]}
    assert rows[branch]["label"] == "大河乡机关党支部"
    assert (rows[branch]["party_members"], rows[branch]["party_members_attended"]) == (3, 2)
    assert rows[branch]["participant_times"] == 2 and rows[branch]["sessions"] == 1
    assert rows[""]["party_members"] == 2 and rows[""]["party_members_attended"] == 1
    assert result["totals"]["participation_rate"] == pytest.approx(3 / 5)


def test_device_counts_are_the_receipt(server: ServerUnderTest, laptop: Laptop) -> None:
    record_lecture(laptop.db, DAHE)
    ops = len(laptop.pending())
    laptop.push()
    with server.conn() as conn:
        counts = device_counts(conn, laptop.creds.device_id)
    assert counts["ops"] == ops and counts["sessions"] == 1
    assert counts["participant_times"] == 2 + 4  # two attended, four unregistered


def test_bad_groupings_and_periods_are_refused(server: ServerUnderTest) -> None:
    with server.conn() as conn, pytest.raises(ServiceError):
        statistics(conn, by="colour")
    with server.conn() as conn, pytest.raises(ServiceError):
        statistics(conn, date(2026, 2, 1), date(2026, 1, 1))

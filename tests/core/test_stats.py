"""Statistics against numbers worked out by hand on a small, fully known fixture."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database

from zhangye_desk.core import attendance, sessions
from zhangye_desk.core.errors import InvalidValueError
from zhangye_desk.core.stats import statistics

from .seed import T1, T2, T3, add_person, add_townships, delete_person

# Roster (township, political status):
#   m1 T1 member, m2 T1 member, pb T1 probationary, m5 T1 member (never attends),
#   ms T1 masses, md T1 member deleted after attending S2 (off the roster),
#   m3 T2 member, ac T2 activist, m4 T3 member (never attends).
#   Party members on the roster: T1 {m1, m2, pb, m5} = 4, T2 {m3} = 1, T3 {m4} = 1, county 6.
#
# Sessions (time in UTC → CST), effective marks, unregistered headcount:
#   S0 study     T2 2026-02-28T15:59:59Z → 02-28 23:59:59 CST  m3 present                hc 10
#   S1 tent      T1 2026-03-10T02:00Z    → 03-10 10:00 CST     m1 present, m2 late,
#                                                              ms present, pb removed     hc 5
#   S2 horseback T1 2026-03-31T20:00Z    → 04-01 04:00 CST     m1 left_early, pb late,
#                                                              md present                 hc 3
#   S3 tent      T2 2026-04-15T02:00Z    → 04-15 10:00 CST     m3 present, ac present,
#                                                              m1 present, ms removed     hc 2
#   S4 tent      T1 2026-04-30T16:00Z    → 05-01 00:00 CST     m5 present                 hc 0
#
# The period 2026-03-01 … 2026-04-30 (CST) holds S1, S2, S3 only.
S0_AT = 1_772_294_399
S1_AT = 1_773_108_000
S2_AT = 1_774_987_200
S3_AT = 1_776_218_400
S4_AT = 1_777_564_800
FROM, TO = date(2026, 3, 1), date(2026, 4, 30)


def figures(
    sessions: int, registered: int, headcount: int, unique: int, members: int, attended: int
) -> dict[str, object]:
    return {
        "sessions": sessions,
        "participant_times": registered + headcount,
        "registered_participant_times": registered,
        "unregistered_headcount": headcount,
        "unique_participants": unique,
        "party_members": members,
        "party_members_attended": attended,
        "participation_rate": pytest.approx(attended / members) if members else None,
    }


@pytest.fixture
def sdb(db: Database) -> Database:
    add_townships(db)
    p = {
        name: add_person(db, name, township, status)
        for name, township, status in [
            ("m1", T1, "member"),
            ("m2", T1, "member"),
            ("pb", T1, "probationary"),
            ("m5", T1, "member"),
            ("ms", T1, "masses"),
            ("md", T1, "member"),
            ("m3", T2, "member"),
            ("ac", T2, "activist"),
            ("m4", T3, "member"),
        ]
    }

    def held(kind: str, township: str, starts_at: int, headcount: int, *marks: str) -> str:
        sid = sessions.create_session(
            db, kind=kind, title=kind, township_code=township, starts_at=starts_at
        )
        for spec in marks:
            name, _, status = spec.partition(":")
            if status == "removed":
                attendance.mark(db, sid, p[name])
                attendance.unmark(db, sid, p[name])
            else:
                attendance.mark(db, sid, p[name], status or "present")
        sessions.set_headcount(db, sid, headcount)
        return sid

    held("study", T2, S0_AT, 10, "m3")
    held("tent", T1, S1_AT, 5, "m1", "m2:late", "ms", "pb:removed")
    s2 = held("horseback", T1, S2_AT, 3, "m1:left_early", "pb:late", "md")
    held("tent", T2, S3_AT, 2, "m3", "ac", "m1", "ms:removed")
    held("tent", T1, S4_AT, 0, "m5")
    sessions.close_session(db, s2)  # open or closed, a session counts
    delete_person(db, p["md"])
    return db


def rows(result: dict[str, object]) -> dict[str, dict[str, object]]:
    listed = result["rows"]
    assert isinstance(listed, list)
    for row in listed:
        assert row["label"] == row["key"]
    return {
        row["key"]: {k: v for k, v in row.items() if k not in ("key", "label")} for row in listed
    }


def test_totals_for_the_period(sdb: Database) -> None:
    # S1+S2+S3: 9 registered, hc 10; unique m1 m2 ms pb md m3 ac = 7;
    # members attended m1 m2 pb m3 = 4 of 6.
    result = statistics(sdb, date_from=FROM, date_to=TO)
    assert result == {"totals": figures(3, 9, 10, 7, 6, 4), "rows": []}


def test_totals_without_a_period(sdb: Database) -> None:
    # All five: 11 registered, hc 20; unique adds m5 = 8; members attended add m5 = 5 of 6.
    assert statistics(sdb)["totals"] == figures(5, 11, 20, 8, 6, 5)


def test_by_township(sdb: Database) -> None:
    result = statistics(sdb, by="township", date_from=FROM, date_to=TO)
    assert list(rows(result)) == [T1, T2, T3]  # every township, in directory order
    assert rows(result) == {
        # S1+S2: 6 registered, hc 8; unique m1 m2 ms pb md; T1 members m1 m2 pb of 4.
        T1: figures(2, 6, 8, 5, 4, 3),
        # S3: m3 ac m1; only m3 is a T2 member (m1 belongs to T1's row).
        T2: figures(1, 3, 2, 3, 1, 1),
        # No sessions: m4 is on the roster and did not attend.
        T3: figures(0, 0, 0, 0, 1, 0),
    }
    assert result["totals"] == figures(3, 9, 10, 7, 6, 4)


def test_by_kind(sdb: Database) -> None:
    assert rows(statistics(sdb, by="kind", date_from=FROM, date_to=TO)) == {
        # S1+S3: 6 registered, hc 7; unique m1 m2 ms m3 ac; members m1 m2 m3 of 6.
        "tent": figures(2, 6, 7, 5, 6, 3),
        # S2: m1 pb md; members m1 pb of 6.
        "horseback": figures(1, 3, 3, 3, 6, 2),
    }


def test_by_month_uses_china_standard_time(sdb: Database) -> None:
    # S2 at 2026-03-31T20:00Z is April in CST; S0 is still February; S4 is already May.
    assert rows(statistics(sdb, by="month")) == {
        "2026-02": figures(1, 1, 10, 1, 6, 1),
        "2026-03": figures(1, 3, 5, 3, 6, 2),  # S1: members m1 m2
        "2026-04": figures(2, 6, 5, 5, 6, 3),  # S2+S3: m1 pb md m3 ac; members m1 pb m3
        "2026-05": figures(1, 1, 0, 1, 6, 1),
    }
    assert list(rows(statistics(sdb, by="month", date_from=FROM, date_to=TO))) == [
        "2026-03",
        "2026-04",
    ]


def test_township_filter(sdb: Database) -> None:
    result = statistics(sdb, by="kind", township_code=T1, date_from=FROM, date_to=TO)
    assert result["totals"] == figures(2, 6, 8, 5, 4, 3)
    assert rows(result) == {
        "tent": figures(1, 3, 5, 3, 4, 2),  # S1: members m1 m2 of T1's 4
        "horseback": figures(1, 3, 3, 3, 4, 2),  # S2: members m1 pb
    }
    assert list(rows(statistics(sdb, by="township", township_code=T2))) == [T2]


def test_a_merged_duplicate_counts_as_the_person_it_was_merged_into(db: Database) -> None:
    add_townships(db)
    kept = add_person(db, "安玉梅", T1, "member")
    duplicate = add_person(db, "安玉梅", T1, "member")
    first = sessions.create_session(db, kind="tent", title="t", township_code=T1, starts_at=S1_AT)
    second = sessions.create_session(db, kind="tent", title="t", township_code=T1, starts_at=S2_AT)
    attendance.mark(db, first, duplicate)
    attendance.mark(db, second, kept)
    delete_person(db, duplicate, merged_into=kept)
    assert statistics(db)["totals"] == figures(2, 2, 0, 1, 1, 1)


def test_empty_store_and_bad_arguments(db: Database) -> None:
    assert statistics(db, by="kind") == {"totals": figures(0, 0, 0, 0, 0, 0), "rows": []}
    with pytest.raises(InvalidValueError):
        statistics(db, by="organisation")
    with pytest.raises(InvalidValueError):
        statistics(db, date_from=date(2026, 4, 1), date_to=date(2026, 3, 1))

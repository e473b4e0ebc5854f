"""Sessions: create, edit while open, close for good, list newest first with counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database

from zhangye_desk.core import attendance, sessions
from zhangye_desk.core.errors import InvalidValueError, NotFoundError, SessionClosedError
from zhangye_desk.core.outbox import OP_SESSION_CLOSE, OP_SESSION_CREATE, OP_SESSION_UPDATE

from .seed import T1, T2, V1, V2, add_person, add_townships, ops

T0 = 1_773_108_000  # 2026-03-10T02:00Z = 10:00 CST


@pytest.fixture
def tdb(db: Database) -> Database:
    add_townships(db)
    return db


def _create(db: Database, **extra: object) -> str:
    fields: dict[str, object] = {
        "kind": "tent",
        "title": "党史学习 帐篷课堂",
        "township_code": T1,
        "starts_at": T0,
        "at": T0,
    }
    fields.update(extra)
    return sessions.create_session(db, **fields)  # type: ignore[arg-type]


def test_create_writes_row_and_one_op(tdb: Database) -> None:
    sid = sessions.create_session(
        tdb,
        kind="horseback",
        title="  马背课堂：草原政策  ",
        township_code=T1,
        village_code=V1,
        place_name="夏季牧场 3 号点",
        latitude=38.8,
        longitude=99.6,
        lecturers="安措, 杜建军",
        starts_at=T0,
        by="cadre-1",
        at=T0 + 5,
    )
    session = sessions.get_session(tdb, sid)
    assert session["title"] == "马背课堂：草原政策"
    assert session["state"] == "open"
    assert session["township_name"] == "红湾寺镇"
    assert (session["registered"], session["headcount_unregistered"], session["total"]) == (0, 0, 0)
    assert ops(tdb) == [
        (
            OP_SESSION_CREATE,
            {
                "id": sid,
                "kind": "horseback",
                "title": "马背课堂：草原政策",
                "township_code": T1,
                "village_code": V1,
                "place_name": "夏季牧场 3 号点",
                "latitude": 38.8,
                "longitude": 99.6,
                "lecturers": "安措, 杜建军",
                "starts_at": T0,
                "at": T0 + 5,
                "by": "cadre-1",
            },
        )
    ]


def test_starts_at_defaults_to_now(tdb: Database) -> None:
    sid = sessions.create_session(tdb, kind="tent", title="t", township_code=T1, at=T0)
    assert sessions.get_session(tdb, sid)["starts_at"] == T0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "picnic"}, "kind"),
        ({"title": "   "}, "title"),
        ({"latitude": 91.0}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"latitude": float("nan")}, "latitude"),
        ({"township_code": "999"}, "township_code"),
        ({"village_code": V2}, "village_code"),  # a village of another township
        ({"starts_at": -1}, "starts_at"),
    ],
)
def test_create_refuses_bad_values(tdb: Database, extra: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        _create(tdb, **extra)
    assert caught.value.field == field
    assert tdb.execute("SELECT count(*) FROM session").fetchone()[0] == 0
    assert ops(tdb) == []


def test_update_sends_only_changed_fields(tdb: Database) -> None:
    sid = _create(tdb, place_name="冬窝子")
    changed = sessions.update_session(
        tdb,
        sid,
        {"title": "党史学习 帐篷课堂", "place_name": None, "notes": " 风大 ", "topic": "党史"},
        by="cadre-1",
        at=T0 + 60,
    )
    assert changed == {"place_name": None, "notes": "风大", "topic": "党史"}
    session = sessions.get_session(tdb, sid)
    assert (session["place_name"], session["notes"], session["updated_at"]) == (
        None,
        "风大",
        T0 + 60,
    )
    assert ops(tdb)[-1] == (
        OP_SESSION_UPDATE,
        {
            "id": sid,
            "f": {"place_name": None, "notes": "风大", "topic": "党史"},
            "at": T0 + 60,
            "by": "cadre-1",
        },
    )


def test_update_without_change_writes_nothing(tdb: Database) -> None:
    sid = _create(tdb)
    assert sessions.update_session(tdb, sid, {"kind": "tent", "title": "党史学习 帐篷课堂"}) == {}
    assert [t for t, _ in ops(tdb)] == [OP_SESSION_CREATE]


def test_update_refuses_unknown_field_and_bad_values(tdb: Database) -> None:
    sid = _create(tdb, village_code=V1)
    with pytest.raises(InvalidValueError) as caught:
        sessions.update_session(tdb, sid, {"state": "closed"})
    assert caught.value.field == "state"
    with pytest.raises(InvalidValueError) as caught:
        sessions.update_session(tdb, sid, {"ends_at": T0 - 1})
    assert caught.value.field == "ends_at"
    with pytest.raises(InvalidValueError) as caught:
        sessions.update_session(tdb, sid, {"township_code": T2})  # its village stays in T1
    assert caught.value.field == "village_code"
    assert [t for t, _ in ops(tdb)] == [OP_SESSION_CREATE]
    sessions.update_session(tdb, sid, {"township_code": T2, "village_code": V2})
    assert sessions.get_session(tdb, sid)["village_code"] == V2


def test_set_headcount(tdb: Database) -> None:
    sid = _create(tdb)
    assert sessions.set_headcount(tdb, sid, 7, at=T0 + 1) == {"headcount_unregistered": 7}
    assert sessions.get_session(tdb, sid)["total"] == 7
    with pytest.raises(InvalidValueError):
        sessions.set_headcount(tdb, sid, -1)
    assert ops(tdb)[-1] == (
        OP_SESSION_UPDATE,
        {"id": sid, "f": {"headcount_unregistered": 7}, "at": T0 + 1},
    )


def test_close_is_final(tdb: Database) -> None:
    sid = _create(tdb)
    person = add_person(tdb, "安玉梅")
    sessions.close_session(tdb, sid, at=T0 + 7200)
    session = sessions.get_session(tdb, sid)
    assert (session["state"], session["ends_at"], session["closed_at"]) == (
        "closed",
        T0 + 7200,
        T0 + 7200,
    )
    assert ops(tdb)[-1] == (OP_SESSION_CLOSE, {"id": sid, "ends_at": T0 + 7200, "at": T0 + 7200})
    count = len(ops(tdb))
    with pytest.raises(SessionClosedError):
        sessions.close_session(tdb, sid)
    with pytest.raises(SessionClosedError):
        sessions.update_session(tdb, sid, {"title": "改"})
    with pytest.raises(SessionClosedError):
        sessions.set_headcount(tdb, sid, 3)
    with pytest.raises(SessionClosedError):
        attendance.mark(tdb, sid, person)
    assert len(ops(tdb)) == count
    assert sessions.get_session(tdb, sid)["title"] == "党史学习 帐篷课堂"


def test_close_keeps_an_end_set_while_open_and_checks_an_explicit_one(tdb: Database) -> None:
    first = _create(tdb)
    sessions.update_session(tdb, first, {"ends_at": T0 + 3600})
    sessions.close_session(tdb, first, at=T0 + 86_400)
    assert sessions.get_session(tdb, first)["ends_at"] == T0 + 3600
    second = _create(tdb)
    with pytest.raises(InvalidValueError):
        sessions.close_session(tdb, second, ends_at=T0 - 60)
    # A session entered with a start later than "now" still closes, ending at its start.
    sessions.close_session(tdb, second, at=T0 - 600)
    assert sessions.get_session(tdb, second)["ends_at"] == T0


def test_unknown_session(tdb: Database) -> None:
    with pytest.raises(NotFoundError):
        sessions.get_session(tdb, "nope")
    with pytest.raises(NotFoundError):
        sessions.update_session(tdb, "nope", {"title": "x"})
    with pytest.raises(NotFoundError):
        sessions.close_session(tdb, "nope")


def test_list_newest_first_with_filters_and_counts(tdb: Database) -> None:
    # 2026-03-31T20:00Z is already 1 April in China Standard Time.
    march = _create(tdb, title="三月", starts_at=T0)
    april = _create(tdb, title="四月", kind="horseback", township_code=T2, starts_at=1_774_987_200)
    people = [add_person(tdb, name) for name in ("甲", "乙", "丙")]
    for person in people:
        attendance.mark(tdb, march, person)
    attendance.unmark(tdb, march, people[2])
    sessions.set_headcount(tdb, march, 4)
    sessions.close_session(tdb, march, at=T0 + 3600)

    listed = sessions.list_sessions(tdb)
    assert [s["id"] for s in listed] == [april, march]
    assert (listed[1]["registered"], listed[1]["headcount_unregistered"], listed[1]["total"]) == (
        2,
        4,
        6,
    )
    assert [s["id"] for s in sessions.list_sessions(tdb, kind="horseback")] == [april]
    assert [s["id"] for s in sessions.list_sessions(tdb, township_code=T1)] == [march]
    assert [s["id"] for s in sessions.list_sessions(tdb, state="open")] == [april]
    assert [s["id"] for s in sessions.list_sessions(tdb, date_to=date(2026, 3, 31))] == [march]
    assert [s["id"] for s in sessions.list_sessions(tdb, date_from=date(2026, 4, 1))] == [april]
    assert [s["id"] for s in sessions.list_sessions(tdb, limit=1)] == [april]
    with pytest.raises(InvalidValueError):
        sessions.list_sessions(tdb, state="archived")

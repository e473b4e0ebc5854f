"""The roster: adding and editing people (with their outbox ops), server upserts, history."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlite_utils import Database

from zhangye_desk.core import outbox
from zhangye_desk.core.errors import InvalidValueError, NotFoundError
from zhangye_desk.core.ids import new_id
from zhangye_desk.core.people import (
    add_person,
    add_walk_in,
    attendance_history,
    edit_person,
    get_person,
    likely_duplicates,
    search_people,
    upsert_server_people,
)
from zhangye_desk.core.store import transaction

DAHE = "620721203"  # 大河乡
KANGLE = "620721102"  # 康乐镇
DAHE_VILLAGE = "620721203201"
KANGLE_VILLAGE = "620721102201"
DAHE_COMMITTEE = "org-620721203-000"
AT = 1_760_000_000


def _ops(db: Database) -> list[dict[str, Any]]:
    return [op.data for op in outbox.pending(db)]


def _people_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM person").fetchone()[0])


def _server_person(db: Database, name: str = "安梅花", **fields: Any) -> str:
    person_id = new_id()
    row = {"id": person_id, "name": name, "township_code": DAHE, "version": 7, **fields}
    upsert_server_people(db, [row])
    return person_id


# --- adding ---------------------------------------------------------------------------------


def test_add_person_writes_the_person_and_exactly_one_op(sunan_db: Database) -> None:
    person_id = add_person(
        sunan_db,
        name=" 才让卓玛 ",
        township_code=DAHE,
        gender="F",
        ethnicity="藏族",
        birth_year=1978,
        village_code=DAHE_VILLAGE,
        organisation_id=DAHE_COMMITTEE,
        political_status="member",
        by="lecturer-1",
        at=AT,
    )
    person = get_person(sunan_db, person_id)
    assert person["name"] == "才让卓玛"
    assert (person["origin"], person["version"]) == ("local", 0)
    assert person["created_at"] == person["updated_at"] == AT
    keys = sunan_db.execute(
        "SELECT pinyin_full, pinyin_initials FROM person WHERE id = ?", [person_id]
    ).fetchone()
    assert keys[0].split()[0] == "cairangzhuoma" and keys[1].split()[0] == "crzm"

    assert _ops(sunan_db) == [
        {
            "t": outbox.OP_PERSON_CREATE,
            "id": person_id,
            "name": "才让卓玛",
            "gender": "F",
            "ethnicity": "藏族",
            "birth_year": 1978,
            "township_code": DAHE,
            "village_code": DAHE_VILLAGE,
            "organisation_id": DAHE_COMMITTEE,
            "political_status": "member",
            "at": AT,
            "by": "lecturer-1",
        }
    ]


def test_the_create_op_leaves_out_unknown_fields(sunan_db: Database) -> None:
    person_id = add_walk_in(sunan_db, name="卓玛", township_code=DAHE, at=AT)
    (op,) = _ops(sunan_db)
    assert op == {
        "t": outbox.OP_PERSON_CREATE,
        "id": person_id,
        "name": "卓玛",
        "township_code": DAHE,
        "political_status": "masses",
        "at": AT,
    }
    assert get_person(sunan_db, person_id)["origin"] == "local"


def test_a_failure_after_add_person_in_the_same_transaction_leaves_nothing(
    sunan_db: Database,
) -> None:
    with pytest.raises(RuntimeError), transaction(sunan_db):
        add_walk_in(sunan_db, name="卓玛", township_code=DAHE)
        raise RuntimeError("the attendance mark failed")
    assert _people_count(sunan_db) == 0
    assert outbox.pending_count(sunan_db) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": ""}, "name"),
        ({"gender": "X"}, "gender"),
        ({"birth_year": 1899}, "birth_year"),
        ({"birth_year": time.localtime().tm_year + 1}, "birth_year"),
        ({"birth_year": True}, "birth_year"),
        ({"political_status": "boss"}, "political_status"),
        ({"township_code": "620721999"}, "township_code"),
        ({"village_code": KANGLE_VILLAGE}, "village_code"),
        ({"village_code": "620721203999"}, "village_code"),
        ({"organisation_id": "org-nowhere"}, "organisation_id"),
        ({"phone": "call me"}, "phone"),
    ],
)
def test_add_person_refuses_invalid_values_and_writes_nothing(
    sunan_db: Database, fields: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"name": "卓玛", "township_code": DAHE, **fields}
    with pytest.raises(InvalidValueError) as caught:
        add_person(sunan_db, **values)
    assert caught.value.field == field
    assert _people_count(sunan_db) == 0
    assert outbox.pending_count(sunan_db) == 0


# --- editing --------------------------------------------------------------------------------


def test_edit_sends_only_the_changed_fields_with_the_base_version(sunan_db: Database) -> None:
    person_id = _server_person(sunan_db, birth_year=1980, phone="13800000000")
    changed = edit_person(
        sunan_db,
        person_id,
        {"name": "安梅花", "birth_year": 1981, "political_status": "activist", "phone": None},
        by="lecturer-1",
        at=AT,
    )
    assert changed == {"birth_year": 1981, "political_status": "activist", "phone": None}
    assert _ops(sunan_db) == [
        {
            "t": outbox.OP_PERSON_UPDATE,
            "id": person_id,
            "base": 7,
            "f": {"birth_year": 1981, "political_status": "activist", "phone": None},
            "at": AT,
            "by": "lecturer-1",
        }
    ]
    person = get_person(sunan_db, person_id)
    assert (person["birth_year"], person["phone"], person["political_status"]) == (
        1981,
        None,
        "activist",
    )
    assert person["version"] == 7  # the server owns versions
    assert person["updated_at"] == AT


def test_an_edit_that_changes_nothing_writes_no_op(sunan_db: Database) -> None:
    person_id = _server_person(sunan_db, birth_year=1980)
    assert edit_person(sunan_db, person_id, {"name": " 安梅花 ", "birth_year": 1980}) == {}
    assert outbox.pending_count(sunan_db) == 0


def test_renaming_updates_the_search_keys(sunan_db: Database) -> None:
    person_id = _server_person(sunan_db, name="安梅花")
    edit_person(sunan_db, person_id, {"name": "单小明"})
    assert [p["id"] for p in search_people(sunan_db, "shanxiao")] == [person_id]
    assert search_people(sunan_db, "anmei") == []


def test_moving_to_another_township_needs_a_village_there(sunan_db: Database) -> None:
    person_id = _server_person(sunan_db, village_code=DAHE_VILLAGE)
    with pytest.raises(InvalidValueError) as caught:
        edit_person(sunan_db, person_id, {"township_code": KANGLE})
    assert caught.value.field == "village_code"
    changed = edit_person(
        sunan_db, person_id, {"township_code": KANGLE, "village_code": KANGLE_VILLAGE}
    )
    assert changed == {"township_code": KANGLE, "village_code": KANGLE_VILLAGE}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"gender": "female"}, "gender"),
        ({"birth_year": 1850}, "birth_year"),
        ({"birth_year": "nineteen"}, "birth_year"),
        ({"political_status": "党员"}, "political_status"),
        ({"township_code": None}, "township_code"),
        ({"version": 9}, "version"),
        ({"birth_year": 1990, "gender": "?"}, "gender"),
    ],
)
def test_edit_refuses_invalid_values_and_changes_nothing(
    sunan_db: Database, changes: dict[str, Any], field: str
) -> None:
    person_id = _server_person(sunan_db, birth_year=1980, gender="F")
    before = get_person(sunan_db, person_id)
    with pytest.raises(InvalidValueError) as caught:
        edit_person(sunan_db, person_id, changes)
    assert caught.value.field == field
    assert get_person(sunan_db, person_id) == before
    assert outbox.pending_count(sunan_db) == 0


def test_a_birth_year_typed_as_text_is_accepted(sunan_db: Database) -> None:
    person_id = _server_person(sunan_db)
    assert edit_person(sunan_db, person_id, {"birth_year": "1975"}) == {"birth_year": 1975}


def test_editing_a_missing_or_deleted_person_is_not_found(sunan_db: Database) -> None:
    with pytest.raises(NotFoundError):
        edit_person(sunan_db, new_id(), {"name": "卓玛"})
    gone = _server_person(sunan_db, deleted=True)
    with pytest.raises(NotFoundError):
        edit_person(sunan_db, gone, {"name": "卓玛"})
    with pytest.raises(NotFoundError):
        get_person(sunan_db, new_id())


# --- server rows ----------------------------------------------------------------------------


def test_server_people_are_upserted_without_ops(sunan_db: Database) -> None:
    rows: list[dict[str, Any]] = [
        {"id": new_id(), "name": name, "township_code": DAHE, "version": 1}
        for name in ("卓玛", "才让东智")
    ]
    assert upsert_server_people(sunan_db, rows) == 2
    assert upsert_server_people(sunan_db, rows) == 2
    assert _people_count(sunan_db) == 2
    assert outbox.pending_count(sunan_db) == 0
    person = get_person(sunan_db, rows[1]["id"])
    assert (person["origin"], person["version"], person["political_status"]) == (
        "server",
        1,
        "masses",
    )
    assert [p["name"] for p in search_people(sunan_db, "crdz")] == ["才让东智"]


def test_an_older_server_version_does_not_overwrite_a_newer_one(sunan_db: Database) -> None:
    person_id = new_id()
    upsert_server_people(sunan_db, [{"id": person_id, "name": "卓玛", "version": 5}])
    upsert_server_people(sunan_db, [{"id": person_id, "name": "卓玛拉姆", "version": 4}])
    assert get_person(sunan_db, person_id)["name"] == "卓玛"
    upsert_server_people(sunan_db, [{"id": person_id, "name": "卓玛草", "version": 6}])
    assert get_person(sunan_db, person_id)["name"] == "卓玛草"


def test_the_server_copy_replaces_a_local_person_once_it_has_a_version(
    sunan_db: Database,
) -> None:
    person_id = add_walk_in(sunan_db, name="卓玛", township_code=DAHE)
    upsert_server_people(
        sunan_db, [{"id": person_id, "name": "卓玛", "township_code": DAHE, "version": 1}]
    )
    person = get_person(sunan_db, person_id)
    assert (person["origin"], person["version"]) == ("server", 1)


def test_a_server_row_without_a_name_is_refused(sunan_db: Database) -> None:
    with pytest.raises(InvalidValueError) as caught:
        upsert_server_people(sunan_db, [{"id": new_id(), "name": "卓玛"}, {"id": new_id()}])
    assert caught.value.field == "name"
    assert _people_count(sunan_db) == 0


# --- history and duplicates -----------------------------------------------------------------


def _session(db: Database, title: str, starts_at: int) -> str:
    session_id = new_id()
    with transaction(db):
        db.execute(
            "INSERT INTO session (id, kind, title, starts_at, township_code, created_at, "
            "updated_at) VALUES (?, 'tent', ?, ?, ?, ?, ?)",
            [session_id, title, starts_at, DAHE, starts_at, starts_at],
        )
    return session_id


def _mark(db: Database, session_id: str, person_id: str, status: str, at: int) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO attendance_event (id, session_id, person_id, status, at) "
            "VALUES (?, ?, ?, ?, ?)",
            [new_id(), session_id, person_id, status, at],
        )


def test_attendance_history_lists_attended_sessions_newest_first(sunan_db: Database) -> None:
    person_id = _server_person(sunan_db)
    spring = _session(sunan_db, "春季帐篷课堂", AT)
    summer = _session(sunan_db, "夏季马背课堂", AT + 90 * 86400)
    autumn = _session(sunan_db, "秋季帐篷课堂", AT + 180 * 86400)
    _mark(sunan_db, spring, person_id, "present", AT + 60)
    _mark(sunan_db, summer, person_id, "late", AT + 90 * 86400 + 600)
    _mark(sunan_db, autumn, person_id, "present", AT + 180 * 86400 + 60)
    _mark(sunan_db, autumn, person_id, "removed", AT + 180 * 86400 + 120)  # ticked by mistake

    history = attendance_history(sunan_db, person_id)
    assert [(h["title"], h["status"]) for h in history] == [
        ("夏季马背课堂", "late"),
        ("春季帐篷课堂", "present"),
    ]
    assert history[0]["kind"] == "tent" and history[0]["starts_at"] == AT + 90 * 86400


def test_history_includes_records_merged_into_the_person(sunan_db: Database) -> None:
    keeper = _server_person(sunan_db, birth_year=1980)
    session_id = _session(sunan_db, "帐篷课堂", AT)
    duplicate = _server_person(sunan_db, birth_year=1980)
    _mark(sunan_db, session_id, duplicate, "present", AT + 60)
    upsert_server_people(
        sunan_db,
        [{"id": duplicate, "name": "安梅花", "version": 8, "deleted": True, "merged_into": keeper}],
    )
    assert [h["session_id"] for h in attendance_history(sunan_db, keeper)] == [session_id]
    with pytest.raises(NotFoundError):
        attendance_history(sunan_db, new_id())


def test_likely_duplicates_match_name_birth_year_and_township(sunan_db: Database) -> None:
    same = _server_person(sunan_db, name="巴特尔·孟和", birth_year=1970)
    unknown_year = _server_person(sunan_db, name="巴特尔孟和")
    _server_person(sunan_db, name="巴特尔孟和", birth_year=1971)  # another man
    _server_person(sunan_db, name="巴特尔孟和", birth_year=1970, township_code=KANGLE)
    _server_person(sunan_db, name="巴特尔孟和", birth_year=1970, deleted=True)

    found = likely_duplicates(sunan_db, "巴特尔 孟和", 1970, DAHE)
    assert [p["id"] for p in found] == [same, unknown_year]
    assert {p["id"] for p in likely_duplicates(sunan_db, "巴特尔孟和", None, DAHE)} >= {
        same,
        unknown_year,
    }
    assert likely_duplicates(sunan_db, "巴特尔", 1970, DAHE) == []


def test_op_bodies_are_compact_canonical_json(sunan_db: Database) -> None:
    add_walk_in(sunan_db, name="卓玛", township_code=DAHE, at=AT)
    (op,) = outbox.pending(sunan_db)
    assert op.body == json.dumps(
        json.loads(op.body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert "卓玛" in op.body

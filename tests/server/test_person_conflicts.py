"""person.create / person.update from laptops against the server's roster: versions, history,
hard and soft conflicts, edits after deletion, likely duplicates."""

from __future__ import annotations

import json
from typing import Any

from tests.server.conftest import DAHE, Laptop, ServerUnderTest
from zhangye_desk.core import people
from zhangye_desk.server import service
from zhangye_desk.server.db import change_log, person, person_history, review_queue


def admin_person(server: ServerUnderTest, **fields: Any) -> str:
    with server.conn() as conn:
        result = service.upsert_person(
            conn, {"township_code": DAHE, "political_status": "member", **fields}, actor="admin"
        )
    return str(result["id"])


def admin_edit(server: ServerUnderTest, person_id: str, **fields: Any) -> None:
    with server.conn() as conn:
        service.upsert_person(conn, {"id": person_id, **fields}, actor="admin")


def give_laptop(server: ServerUnderTest, laptop: Laptop, person_id: str) -> None:
    """What a pull would do: the server's current record onto the laptop."""
    (row,) = server.rows(person, person.c.id == person_id)
    people.upsert_server_people(laptop.db, [row])


def the_person(server: ServerUnderTest, person_id: str) -> dict[str, Any]:
    return server.rows(person, person.c.id == person_id)[0]


def history(server: ServerUnderTest, person_id: str) -> list[tuple[Any, str]]:
    rows = server.rows(person_history, person_history.c.person_id == person_id)
    return [(r["version"], r["outcome"]) for r in sorted(rows, key=lambda r: r["id"])]


def reviews(server: ServerUnderTest) -> list[dict[str, Any]]:
    return server.rows(review_queue)


def test_a_laptops_new_person_and_its_edit_become_versions(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    person_id = people.add_walk_in(laptop.db, name="才让", township_code=DAHE, birth_year=1975)
    people.edit_person(laptop.db, person_id, {"phone": "13900000000"})  # base 0: still local
    laptop.push()
    row = the_person(server, person_id)
    assert (row["version"], row["phone"], row["origin"]) == (2, "13900000000", "laptop")
    assert row["created_by_device"] == laptop.creds.device_id
    assert history(server, person_id) == [(1, "created"), (2, "edited")]
    feed = server.rows(change_log, change_log.c.entity_id == person_id)
    assert [(c["op"], c["version"]) for c in feed] == [("upsert", 1), ("upsert", 2)]
    assert reviews(server) == []


def test_a_field_changed_on_both_sides_is_a_hard_conflict(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    person_id = admin_person(server, name="卓玛", phone="13000000001")
    give_laptop(server, laptop, person_id)
    admin_edit(server, person_id, phone="13000000002")
    people.edit_person(laptop.db, person_id, {"phone": "13000000003"})
    reply = laptop.push().json()
    assert reply["quarantined"] == []  # applied as a conflict, not refused
    # The laptop is told, so the person shows a note there (issue 5).
    edit_seq = laptop.db.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    assert reply["conflicts"] == [[edit_seq, person_id, ["phone"]]]
    row = the_person(server, person_id)
    assert (row["phone"], row["version"]) == ("13000000002", 2)  # the server's value kept
    assert history(server, person_id) == [(1, "created"), (2, "edited"), (None, "conflict")]
    conflict = server.rows(person_history, person_history.c.outcome == "conflict")[0]
    assert json.loads(conflict["fields"]) == {"phone": "13000000003"}  # the laptop's value kept
    (flag,) = reviews(server)
    assert (flag["kind"], flag["entity_id"]) == ("hard_conflict", person_id)
    assert json.loads(flag["detail"])["fields"]["phone"] == {
        "base": "13000000001",
        "server": "13000000002",
        "laptop": "13000000003",
    }


def test_concurrent_edits_of_different_fields_are_both_kept(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    person_id = admin_person(server, name="卓玛")
    give_laptop(server, laptop, person_id)
    admin_edit(server, person_id, name="卓玛草")
    people.edit_person(laptop.db, person_id, {"phone": "13000000009", "ethnicity": "裕固族"})
    laptop.push()
    row = the_person(server, person_id)
    assert (row["name"], row["phone"], row["ethnicity"], row["version"]) == (
        "卓玛草",
        "13000000009",
        "裕固族",
        3,
    )
    assert history(server, person_id)[-1] == (3, "concurrent")
    assert reviews(server) == []


def test_part_of_an_edit_applies_and_the_clashing_field_is_flagged(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    person_id = admin_person(server, name="卓玛")
    give_laptop(server, laptop, person_id)
    admin_edit(server, person_id, name="卓玛草")
    people.edit_person(laptop.db, person_id, {"name": "卓玛吉", "phone": "13000000009"})
    laptop.push()
    row = the_person(server, person_id)
    assert (row["name"], row["phone"]) == ("卓玛草", "13000000009")
    assert history(server, person_id)[-1] == (3, "conflict")
    assert [r["kind"] for r in reviews(server)] == ["hard_conflict"]


def test_the_same_change_on_both_sides_is_no_conflict(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    person_id = admin_person(server, name="卓玛")
    give_laptop(server, laptop, person_id)
    admin_edit(server, person_id, phone="13000000005")
    people.edit_person(laptop.db, person_id, {"phone": "13000000005"})
    laptop.push()
    assert the_person(server, person_id)["version"] == 2
    assert reviews(server) == []


def test_deletion_wins_over_a_later_edit_which_is_kept_and_flagged(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    person_id = admin_person(server, name="卓玛")
    give_laptop(server, laptop, person_id)
    with server.conn() as conn:
        assert service.delete_person(conn, person_id, actor="admin") == 2
    people.edit_person(laptop.db, person_id, {"phone": "13000000007"})
    laptop.push()
    row = the_person(server, person_id)
    assert row["deleted"] and row["phone"] is None and row["version"] == 2
    assert history(server, person_id)[-1] == (None, "after_delete")
    assert [r["kind"] for r in reviews(server)] == ["edit_after_delete"]


def test_a_walk_in_who_may_be_on_the_roster_is_flagged_for_a_merge(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    known = admin_person(server, name="卓玛", birth_year=1980)
    admin_person(server, name="卓玛", birth_year=1990)  # another 卓玛: not the same person
    walk_in = people.add_walk_in(laptop.db, name="卓 玛", township_code=DAHE, birth_year=1980)
    laptop.push()
    (flag,) = reviews(server)
    assert (flag["kind"], flag["entity_id"], flag["other_id"]) == (
        "likely_duplicate",
        walk_in,
        known,
    )
    with server.conn() as conn:
        merged = service.merge_people(conn, walk_in, known, actor="admin")
    assert merged["winner"] == known
    assert reviews(server)[0]["resolution"] == "merged"
    feed = server.rows(change_log, change_log.c.entity_id == walk_in)
    assert (feed[-1]["op"], feed[-1]["merged_into"]) == ("merge", known)

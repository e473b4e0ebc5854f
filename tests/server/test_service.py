"""What the CLI and admin pages call: people, merges, materials, townships, admins, devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import DAHE, ServerUnderTest
from zhangye_desk.server import auth, service
from zhangye_desk.server.db import admin_user, change_log, material, person, review_queue
from zhangye_desk.server.errors import NotFound, ServiceError
from zhangye_desk.server.files import content_path


def test_people_are_checked_versioned_and_flagged(server: ServerUnderTest) -> None:
    with server.conn() as conn:
        first = service.upsert_person(
            conn,
            {
                "name": " 才让 ",
                "township_code": DAHE,
                "birth_year": "1975",
                "village_code": "620721203201",
                "political_status": "member",
            },
            actor="import",
            origin="import",
        )
        assert first["created"] and first["version"] == 1 and first["likely_duplicates"] == []
        twin = service.upsert_person(conn, {"name": "才让", "township_code": DAHE}, actor="x")
        assert twin["likely_duplicates"] == [first["id"]]  # unknown year cannot rule it out
        same = service.upsert_person(conn, {"id": first["id"], "name": "才让"}, actor="x")
        assert (same["version"], same["changed"]) == (1, [])
        edit = service.upsert_person(conn, {"id": first["id"], "phone": "139 0000 0000"}, actor="x")
        assert (edit["version"], edit["changed"]) == (2, ["phone"])
    row = server.rows(person, person.c.id == first["id"])[0]
    assert (row["name"], row["birth_year"], row["origin"]) == ("才让", 1975, "import")
    assert [r["kind"] for r in server.rows(review_queue)] == ["likely_duplicate"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "township_code": DAHE}, "name"),
        ({"name": "A", "township_code": "999999999"}, "township_code"),
        ({"name": "A"}, "township_code"),
        ({"name": "A", "township_code": DAHE, "birth_year": 1800}, "birth_year"),
        ({"name": "A", "township_code": DAHE, "gender": "X"}, "gender"),
        ({"name": "A", "township_code": DAHE, "political_status": "boss"}, "political_status"),
        ({"name": "A", "township_code": DAHE, "phone": "call me"}, "phone"),
        ({"name": "A", "township_code": DAHE, "village_code": "620721200201"}, "village_code"),
        ({"name": "A", "township_code": DAHE, "organisation_id": "org-x"}, "organisation_id"),
    ],
)
def test_bad_person_fields_name_the_field(
    server: ServerUnderTest, fields: dict, field: str
) -> None:
    with server.conn() as conn, pytest.raises(ServiceError) as caught:
        service.upsert_person(conn, fields, actor="x")
    assert caught.value.field == field


def test_deleted_people_cannot_be_edited_or_merged_into(server: ServerUnderTest) -> None:
    with server.conn() as conn:
        gone = service.upsert_person(conn, {"name": "A", "township_code": DAHE}, actor="x")["id"]
        other = service.upsert_person(conn, {"name": "B", "township_code": DAHE}, actor="x")["id"]
        service.delete_person(conn, gone, actor="x")
        assert service.delete_person(conn, gone, actor="x") == 2  # twice: nothing more
        with pytest.raises(ServiceError) as caught:
            service.upsert_person(conn, {"id": gone, "phone": "123"}, actor="x")
        assert caught.value.code == "deleted"
        with pytest.raises(ServiceError):
            service.merge_people(conn, other, gone, actor="x")
        with pytest.raises(ServiceError):
            service.merge_people(conn, other, other, actor="x")
        with pytest.raises(NotFound):
            service.delete_person(conn, "nobody", actor="x")


def test_merging_into_a_merged_person_repoints_the_earlier_merges(server: ServerUnderTest) -> None:
    with server.conn() as conn:
        a, b, c = (
            service.upsert_person(conn, {"name": n, "township_code": DAHE}, actor="x")["id"]
            for n in "ABC"
        )
        service.merge_people(conn, a, b, actor="x")
        result = service.merge_people(conn, b, c, actor="x")
    assert result["repointed"] == [a]
    merged = {r["id"]: r["merged_into"] for r in server.rows(person)}
    assert merged[a] == merged[b] == c and merged[c] is None
    feed = [
        (r["entity_id"], r["op"], r["merged_into"])
        for r in server.rows(change_log)
        if r["kind"] == "person"
    ]
    assert feed[-2:] == [(b, "merge", c), (a, "merge", c)]


def test_publishing_stores_content_addressed_files_once(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    source = tmp_path / "党史.pdf"
    source.write_bytes(b"%PDF-1.7 lecture")
    files = server.settings.files_dir
    with server.conn() as conn:
        first = service.publish_material(
            conn, files, source, title="党史", topic="党史", language="zh", priority=5
        )
        again = service.publish_material(conn, files, source, title="again")
        scoped = service.publish_material(conn, files, source, title="大河", township_code=DAHE)
    assert first["created"] and not again["created"] and again["id"] == first["id"]
    assert scoped["created"] and scoped["sha256"] == first["sha256"]
    assert content_path(files, first["sha256"]).read_bytes() == source.read_bytes()
    assert [p.name for p in files.rglob("*") if p.is_file()] == [first["sha256"]]
    assert (first["mime"], first["priority"], first["version"]) == ("application/pdf", 5, 1)
    with server.conn() as conn:
        assert service.retire_material(conn, first["id"]) == 2
        assert service.retire_material(conn, first["id"]) == 2
        with pytest.raises(NotFound):
            service.retire_material(conn, "nothing")
        with pytest.raises(ServiceError):
            service.publish_material(conn, files, tmp_path / "missing.pdf", title="x")
        with pytest.raises(ServiceError):
            service.publish_material(conn, files, source, title="  ")
    assert server.rows(material, material.c.id == first["id"])[0]["retired"]


def test_townships_are_found_by_name_or_code(server: ServerUnderTest) -> None:
    with server.conn() as conn:
        assert service.find_township(conn, "大河乡")["code"] == DAHE
        assert service.find_township(conn, DAHE)["name"] == "大河乡"
        with pytest.raises(NotFound) as caught:
            service.find_township(conn, "大海乡")
    assert "大河乡" in str(caught.value)


def test_admins_have_argon2_hashes(server: ServerUnderTest) -> None:
    with server.conn() as conn:
        auth.create_admin(conn, "county", "correct horse", role="county")
        with pytest.raises(ServiceError):
            auth.create_admin(conn, "county", "another one", role="county")
        with pytest.raises(ServiceError):
            auth.create_admin(conn, "t", "long enough", role="township")
        with pytest.raises(ServiceError):
            auth.create_admin(conn, "short", "abc")
        assert auth.verify_admin(conn, "county", "correct horse")["role"] == "county"  # type: ignore[index]
        assert auth.verify_admin(conn, "county", "wrong") is None
        assert auth.verify_admin(conn, "nobody", "correct horse") is None
    (row,) = server.rows(admin_user)
    assert row["password_hash"].startswith("$argon2id$")


def test_revoking_an_unknown_device(server: ServerUnderTest) -> None:
    with server.conn() as conn, pytest.raises(NotFound):
        auth.revoke_device(conn, "nobody")

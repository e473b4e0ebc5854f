"""GET /v1/sync/pull: pages and cursors, tombstones, merges, material scope, 410 and snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.server.conftest import DAHE, MATI, Creds, ServerUnderTest
from zhangye_desk.core.directory import read_directory
from zhangye_desk.server import dbadmin, feed, service

DIRECTORY = read_directory()
DIRECTORY_SIZE = sum(len(rows) for rows in DIRECTORY.values())


def add_person(server: ServerUnderTest, name: str, **fields: Any) -> str:
    with server.conn() as conn:
        result = service.upsert_person(
            conn,
            {"name": name, "township_code": DAHE, **fields},
            actor="admin",
            now=int(server.clock()),
        )
    return str(result["id"])


def publish(server: ServerUnderTest, tmp_path: Path, name: str, township: str | None) -> str:
    path = tmp_path / name
    path.write_bytes(name.encode() * 100)
    with server.conn() as conn:
        row = service.publish_material(
            conn, server.settings.files_dir, path, title=name, township_code=township
        )
    return str(row["id"])


def person_changes(changes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (c["op"], c["id"], c.get("version"), c.get("merged_into"))
        for c in changes
        if c["kind"] == "person"
    ]


def test_the_first_pull_pages_through_the_directory_in_order(any_server: ServerUnderTest) -> None:
    creds = any_server.enrol()
    cursor, pages, changes = "", 0, []
    while True:
        page = any_server.pull(creds, cursor=cursor, limit=40).json()
        assert page["protocol"] == 1 and page["server_epoch"]
        assert len(page["changes"]) <= 40
        if cursor:
            assert int(page["cursor"].rsplit(":", 1)[1]) >= int(cursor.rsplit(":", 1)[1])
        cursor, pages = page["cursor"], pages + 1
        changes += page["changes"]
        if not page["more"]:
            break
    assert pages == -(-DIRECTORY_SIZE // 40)
    assert len(changes) == DIRECTORY_SIZE
    kinds = [c["kind"] for c in changes]
    assert kinds == sorted(kinds, key=["township", "village", "organisation"].index)
    seen: set[str] = set()
    for change in changes:  # a laptop with foreign keys on can apply them in this order
        if change["kind"] == "organisation" and change["data"]["parent_id"]:
            assert change["data"]["parent_id"] in seen
        seen.add(change["id"])
    dahe = next(c for c in changes if c["id"] == DAHE)
    assert dahe == {
        "kind": "township",
        "op": "upsert",
        "id": DAHE,
        "data": {"name": "大河乡", "name_en": "Dahe Township", "sort": 6, "code_confirmed": True},
    }
    last = any_server.pull(creds, cursor=cursor).json()
    assert (last["changes"], last["more"], last["cursor"]) == ([], False, cursor)


def test_people_arrive_with_versions_tombstones_and_merges(any_server: ServerUnderTest) -> None:
    creds = any_server.enrol()
    _, cursor = any_server.pull_all(creds)
    kept = add_person(any_server, "卓玛", birth_year=1980, political_status="member")
    gone = add_person(any_server, "才让")
    twin = add_person(any_server, "卓玛", birth_year=1980)
    with any_server.conn() as conn:
        service.upsert_person(conn, {"id": kept, "phone": "13000000000"}, actor="admin")
        service.delete_person(conn, gone, actor="admin")
        service.merge_people(conn, twin, kept, actor="admin")
    changes, _ = any_server.pull_all(creds, cursor)
    assert person_changes(changes) == [
        ("upsert", kept, 1, None),
        ("upsert", gone, 1, None),
        ("upsert", twin, 1, None),
        ("upsert", kept, 2, None),
        ("delete", gone, 2, None),
        ("merge", twin, 2, kept),
    ]
    upsert = next(c for c in changes if c["id"] == kept and c["version"] == 2)
    assert upsert["data"] == {
        "name": "卓玛",
        "gender": None,
        "ethnicity": None,
        "birth_year": 1980,
        "township_code": DAHE,
        "village_code": None,
        "organisation_id": None,
        "political_status": "member",
        "phone": "13000000000",
    }


def test_materials_reach_only_the_townships_they_are_for(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    dahe, mati = server.enrol(DAHE), server.enrol(MATI)
    cursors = {id(c): server.pull_all(c)[1] for c in (dahe, mati)}
    everyone = publish(server, tmp_path, "all.pdf", None)
    mati_only = publish(server, tmp_path, "mati.pdf", MATI)
    with server.conn() as conn:
        service.retire_material(conn, everyone)

    def materials(creds: Creds) -> list[tuple[str, str]]:
        changes, _ = server.pull_all(creds, cursors[id(creds)])
        return [(c["op"], c["id"]) for c in changes if c["kind"] == "material"]

    assert materials(dahe) == [("upsert", everyone), ("delete", everyone)]
    assert materials(mati) == [("upsert", everyone), ("upsert", mati_only), ("delete", everyone)]
    upsert = server.pull_all(mati, cursors[id(mati)])[0][1]
    assert set(upsert["data"]) == set(feed.MATERIAL_FIELDS)
    assert upsert["data"]["mime"] == "application/pdf" and upsert["data"]["size"] == 800


def snapshot_pages(server: ServerUnderTest, creds: Creds, limit: int) -> tuple[list[Any], str]:
    after, changes = "", []
    while True:
        reply = server.pull(creds, snapshot=1, after=after, limit=limit)
        assert reply.status_code == 200, reply.text
        page = reply.json()
        assert page["snapshot"] is True and len(page["changes"]) <= limit
        changes += page["changes"]
        if not page["more"]:
            return changes, page["cursor"]
        after = page["cursor"]


def test_a_new_epoch_answers_410_and_a_paged_snapshot_rebuilds_the_laptop(
    any_server: ServerUnderTest, tmp_path: Path
) -> None:
    creds = any_server.enrol()
    _, cursor = any_server.pull_all(creds)
    kept = add_person(any_server, "卓玛")
    gone = add_person(any_server, "才让")
    with any_server.conn() as conn:
        service.delete_person(conn, gone, actor="admin")
    material = publish(any_server, tmp_path, "a.pdf", None)
    publish(any_server, tmp_path, "b.pdf", MATI)  # not for 大河乡

    # The server database is restored from a backup: a new epoch.
    epoch = dbadmin.new_epoch(any_server.engine)
    reply = any_server.pull(creds, cursor=cursor)
    assert reply.status_code == 410
    assert reply.json()["error"] == "cursor_expired" and reply.json()["server_epoch"] == epoch

    changes, final = snapshot_pages(any_server, creds, limit=50)
    assert final == f"{epoch}:{final.rsplit(':', 1)[1]}"  # a normal cursor of the new epoch
    kinds = [c["kind"] for c in changes]
    assert kinds.count("township") == 8 and kinds.count("village") == len(DIRECTORY["villages"])
    assert kinds.count("organisation") == len(DIRECTORY["organisations"])
    assert kinds == sorted(kinds, key=feed.KINDS.index)
    assert sorted(person_changes(changes)) == sorted(
        [("upsert", kept, 1, None), ("delete", gone, 2, None)]
    )
    assert [(c["op"], c["id"]) for c in changes if c["kind"] == "material"] == [
        ("upsert", material)
    ]
    # What changed during and after the snapshot comes through the normal feed.
    later = add_person(any_server, "新人")
    tail, _ = any_server.pull_all(creds, final)
    assert person_changes(tail) == [("upsert", later, 1, None)]


def test_an_interrupted_snapshot_resumes_from_its_token(server: ServerUnderTest) -> None:
    creds = server.enrol()
    first = server.pull(creds, snapshot=1, limit=100).json()
    assert first["more"]
    # The laptop stored the token as its position and asks again after a restart.
    resumed = server.pull(creds, cursor=first["cursor"], limit=100).json()
    again = server.pull(creds, snapshot=1, after=first["cursor"], limit=100).json()
    assert resumed == again
    assert [c["id"] for c in first["changes"]][-1] != [c["id"] for c in resumed["changes"]][0]


def test_a_cursor_older_than_forgotten_tombstones_answers_410(server: ServerUnderTest) -> None:
    creds = server.enrol()
    gone = add_person(server, "才让")
    _, before_delete = server.pull_all(creds)
    with server.conn() as conn:
        service.delete_person(conn, gone, actor="admin", now=int(server.clock()))
    _, after_delete = server.pull_all(creds, before_delete)
    year = server.settings.tombstone_horizon_s
    server.clock.advance(year + 1)
    with server.conn() as conn:
        result = feed.compact(conn, now=int(server.clock()), horizon_s=year)
    assert result == {"superseded": 1, "tombstones": 1}
    reply = server.pull(creds, cursor=before_delete)
    assert (reply.status_code, reply.json()["error"]) == (410, "cursor_expired")
    assert server.pull(creds, cursor=after_delete).status_code == 200
    fresh, _ = server.pull_all(creds)  # a new laptop never needed the tombstone
    assert person_changes(fresh) == []


def test_cursors_not_handed_out_by_the_server_are_bad_requests(server: ServerUnderTest) -> None:
    creds = server.enrol()
    for params in (
        {"cursor": "nonsense"},
        {"cursor": "x:s:1"},
        {"snapshot": 1, "after": "x:s:a:b:c"},
        {"limit": 0},
    ):
        reply = server.pull(creds, **params)
        assert (reply.status_code, reply.json()["error"]) == (400, "bad_request"), params
    other_epoch = server.pull(creds, cursor="01a2-other-epoch:5")
    assert other_epoch.status_code == 410


def test_a_large_limit_is_capped(server: ServerUnderTest) -> None:
    creds = server.enrol()
    page = server.pull(creds, limit=10**6).json()
    assert len(page["changes"]) == min(DIRECTORY_SIZE, server.settings.pull_page_max)

"""The administration pages' server functions (``server/admin.py``) on SQLite and PostgreSQL:
roster preview and import, editing people, duplicates, the conflict queue, materials, laptops
and the quarantine, each limited to the acting admin's townships. Laptops are real client
stores pushing and pulling through the sync API (tests/server/conftest.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.server import conftest as server_fixtures
from tests.server.conftest import DAHE, MATI, Laptop, ServerUnderTest
from zhangye_desk.core import attendance as marks
from zhangye_desk.core import outbox, people, sessions
from zhangye_desk.core.store import transaction
from zhangye_desk.server import admin
from zhangye_desk.server.admin import Forbidden, Scope
from zhangye_desk.server.db import (
    attendance,
    change_log,
    material,
    op_log,
    person,
    quarantine,
    review_queue,
)
from zhangye_desk.server.errors import NotFound, ServiceError
from zhangye_desk.sync import enrol_link

# The server tests' database fixtures (SQLite, and a PostgreSQL clone), used here too.
sqlite_template = server_fixtures.sqlite_template
sqlite_url = server_fixtures.sqlite_url
postgres_template = server_fixtures.postgres_template
initialised_postgres_url = server_fixtures.initialised_postgres_url
any_db_url = server_fixtures.any_db_url
any_server = server_fixtures.any_server
make_laptop = server_fixtures.make_laptop

COUNTY = Scope("县委组织部", None)
DAHE_ADMIN = Scope("大河乡管理员", frozenset({DAHE}))
MATI_ADMIN = Scope("马蹄乡管理员", frozenset({MATI}))
HEADER = ["姓名", "性别", "出生年份", "乡镇", "政治面貌", "联系电话"]


def write_csv(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def count(server: ServerUnderTest, table: Any) -> int:
    with server.conn() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def add(server: ServerUnderTest, **fields: Any) -> str:
    with server.conn() as conn:
        result = admin.service.upsert_person(
            conn, {"township_code": DAHE, "political_status": "member", **fields}, actor="t"
        )
    return str(result["id"])


def person_row(server: ServerUnderTest, person_id: str) -> dict[str, Any]:
    return server.rows(person, person.c.id == person_id)[0]


# --- roster import ---------------------------------------------------------------------------


def test_a_preview_lists_every_row_error_and_imports_nothing_then_the_fixed_file_imports(
    any_server: ServerUnderTest, tmp_path: Path
) -> None:
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            ["安玉花", "女", "1978", "大河乡", "党员", "13909361234"],
            ["杜建军", "男", "一九八五", "大河乡", "预备党员", ""],
            ["才让", "男", "1990", "马蹄藏族乡", "党员", ""],
            ["妥金兰", "女", "1962", "大河乡", "老党员", ""],
        ],
    )
    feed_before = count(any_server, change_log)
    with any_server.conn() as conn:
        preview = admin.preview_roster(conn, COUNTY, bad)
    assert [(p.row, p.column) for p in preview.problems] == [
        (3, "birth_year"),
        (5, "political_status"),
    ]
    assert "第 3 行" in preview.problems[0].zh and "一九八五" in preview.problems[0].zh
    assert (count(any_server, person), count(any_server, change_log)) == (0, feed_before)
    with any_server.conn() as conn:
        refused = admin.import_roster(conn, COUNTY, bad)
    assert not refused.ok and count(any_server, person) == 0

    good = write_csv(
        tmp_path / "good.csv",
        [
            ["安玉花", "女", "1978", "大河乡", "党员", "13909361234"],
            ["杜建军", "男", "1985", "大河乡", "预备党员", ""],
            ["才让", "男", "1990", "马蹄藏族乡", "党员", ""],
            ["妥金兰", "女", "1962", "大河乡", "群众", ""],
        ],
    )
    with any_server.conn() as conn:
        preview = admin.preview_roster(conn, COUNTY, good)
    assert preview.ok and (preview.added, preview.updated, preview.total_rows) == (4, 0, 4)
    assert [r["name"] for r in preview.rows] == ["安玉花", "杜建军", "才让", "妥金兰"]
    assert count(any_server, person) == 0  # a preview writes nothing
    with any_server.conn() as conn:
        done = admin.import_roster(conn, COUNTY, good)
    assert done.ok and done.added == 4
    assert count(any_server, person) == 4
    assert count(any_server, change_log) == feed_before + 4  # laptops pull the new people
    with any_server.conn() as conn:
        again = admin.preview_roster(conn, COUNTY, good)
    assert (again.added, again.unchanged) == (0, 4)


def test_a_township_admin_cannot_import_another_townships_people(
    any_server: ServerUnderTest, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [
            ["安玉花", "女", "1978", "大河乡", "党员", ""],
            ["才让", "男", "1990", "马蹄藏族乡", "党员", ""],
        ],
    )
    with any_server.conn() as conn:
        preview = admin.preview_roster(conn, DAHE_ADMIN, path)
        result = admin.import_roster(conn, DAHE_ADMIN, path)
    assert [(p.row, p.column) for p in preview.problems] == [(3, "township")]
    assert "马蹄藏族乡" in preview.problems[0].zh
    assert not result.ok and count(any_server, person) == 0


def test_a_preview_reports_a_row_matching_two_people_on_the_server(
    any_server: ServerUnderTest, tmp_path: Path
) -> None:
    add(any_server, name="卓玛", birth_year=1980)
    add(any_server, name="卓玛", birth_year=1980)
    path = write_csv(tmp_path / "r.csv", [["卓玛", "女", "1980", "大河乡", "党员", ""]])
    with any_server.conn() as conn:
        preview = admin.preview_roster(conn, COUNTY, path)
    assert [p.row for p in preview.problems] == [2] and "合并" in preview.problems[0].zh


# --- people ----------------------------------------------------------------------------------


def test_editing_a_person_makes_a_version_laptops_pull(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    person_id = add(any_server, name="卓玛", phone="13000000001")
    with any_server.conn() as conn:
        result = admin.edit_person(
            conn, DAHE_ADMIN, person_id, {"phone": "13000000002", "name": "卓玛草"}, version=1
        )
    assert (result["version"], result["changed"]) == (2, ["name", "phone"])
    with any_server.conn() as conn:
        shown = admin.get_person(conn, DAHE_ADMIN, person_id)
    assert [h["outcome"] for h in shown["history"]] == ["edited", "created"]
    assert shown["history"][0]["actor"] == "大河乡管理员"
    changes, _ = any_server.pull_all(laptop.creds)
    mine = [c for c in changes if c["kind"] == "person" and c["id"] == person_id]
    assert mine[-1]["version"] == 2 and mine[-1]["data"]["name"] == "卓玛草"

    with any_server.conn() as conn, pytest.raises(ServiceError) as stale:
        admin.edit_person(conn, COUNTY, person_id, {"phone": "13000000009"}, version=1)
    assert stale.value.code == "stale"
    with any_server.conn() as conn, pytest.raises(ServiceError) as bad:
        admin.edit_person(conn, COUNTY, person_id, {"birth_year": "1850"}, version=2)
    assert bad.value.field == "birth_year"
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.edit_person(conn, MATI_ADMIN, person_id, {"phone": "13000000009"})
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.get_person(conn, MATI_ADMIN, person_id)
    with any_server.conn() as conn, pytest.raises(Forbidden):
        admin.edit_person(conn, DAHE_ADMIN, person_id, {"township_code": MATI})
    row = person_row(any_server, person_id)
    assert (row["version"], row["phone"], row["township_code"]) == (2, "13000000002", DAHE)
    with any_server.conn() as conn:
        listed, total = admin.list_people(conn, MATI_ADMIN)
        found, _ = admin.list_people(conn, DAHE_ADMIN, query="卓玛")
    assert (listed, total) == ([], 0) and [p["id"] for p in found] == [person_id]


def test_likely_duplicates_are_listed_in_scope_and_a_merge_reaches_laptops(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    first = add(any_server, name="安玉花", birth_year=1978)
    second = add(any_server, name="安玉花", birth_year=1978, phone="13900000000")
    third = add(any_server, name="妥金兰", birth_year=1962)
    fourth = add(any_server, name="妥金兰", birth_year=1962)
    with any_server.conn() as conn:
        pairs = admin.list_duplicates(conn, DAHE_ADMIN)
        assert admin.list_duplicates(conn, MATI_ADMIN) == []
    assert [{p["a"]["id"], p["b"]["id"]} for p in pairs] == [{first, second}, {third, fourth}]
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.merge_duplicates(conn, MATI_ADMIN, first, second)
    with any_server.conn() as conn:
        admin.merge_duplicates(conn, DAHE_ADMIN, first, second)
        admin.dismiss_duplicate(conn, DAHE_ADMIN, pairs[1]["id"], note="两个人，同名")
    with any_server.conn() as conn:
        assert admin.list_duplicates(conn, COUNTY) == []
    assert person_row(any_server, first)["merged_into"] == second
    changes, _ = any_server.pull_all(laptop.creds)
    merge = [c for c in changes if c["id"] == first][-1]
    assert (merge["op"], merge["merged_into"]) == ("merge", second)
    (closed,) = any_server.rows(review_queue, review_queue.c.id == pairs[1]["id"])
    assert closed["resolution"] == "distinct: 两个人，同名"


# --- the conflict queue ----------------------------------------------------------------------


def make_hard_conflict(server: ServerUnderTest, laptop: Laptop) -> str:
    person_id = add(server, name="卓玛", phone="13000000001")
    people.upsert_server_people(laptop.db, [person_row(server, person_id)])
    with server.conn() as conn:
        admin.service.upsert_person(conn, {"id": person_id, "phone": "13000000002"}, actor="t")
    people.edit_person(laptop.db, person_id, {"phone": "13000000003"})
    assert laptop.push().status_code == 200
    return person_id


def test_a_hard_conflict_is_shown_with_history_and_resolved_field_by_field(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    person_id = make_hard_conflict(any_server, laptop)
    with any_server.conn() as conn:
        (item,) = admin.list_conflicts(conn, DAHE_ADMIN)
        assert admin.list_conflicts(conn, MATI_ADMIN) == []
    assert item["kind"] == "hard_conflict" and item["person"]["id"] == person_id
    assert item["detail"]["fields"]["phone"]["laptop"] == "13000000003"
    assert [h["outcome"] for h in item["history"]] == ["conflict", "edited", "created"]
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.resolve_conflict(conn, MATI_ADMIN, item["id"], {"phone": "laptop"})
    with any_server.conn() as conn, pytest.raises(ServiceError):
        admin.resolve_conflict(conn, DAHE_ADMIN, item["id"], {"phone": "whatever"})
    with any_server.conn() as conn, pytest.raises(ServiceError):
        admin.resolve_conflict(conn, DAHE_ADMIN, item["id"], {})
    assert person_row(any_server, person_id)["version"] == 2  # refused choices changed nothing
    with any_server.conn() as conn:
        admin.resolve_conflict(conn, DAHE_ADMIN, item["id"], {"phone": "laptop"}, note="核实过")
    row = person_row(any_server, person_id)
    assert (row["phone"], row["version"]) == ("13000000003", 3)
    with any_server.conn() as conn:
        assert admin.list_conflicts(conn, DAHE_ADMIN) == []
        (done,) = admin.list_conflicts(conn, DAHE_ADMIN, resolved=True)
    assert json.loads(done["resolution"]) == {"fields": {"phone": "laptop"}, "note": "核实过"}
    assert done["resolved_by"] == "大河乡管理员"


def test_reverting_a_conflict_to_the_base_value(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    person_id = make_hard_conflict(any_server, laptop)
    with any_server.conn() as conn:
        (item,) = admin.list_conflicts(conn, COUNTY)
        admin.resolve_conflict(conn, COUNTY, item["id"], {"phone": "base"})
    assert person_row(any_server, person_id)["phone"] == "13000000001"


# --- materials -------------------------------------------------------------------------------


def test_materials_are_uploaded_published_to_a_scope_and_retired(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop], tmp_path: Path
) -> None:
    dahe_laptop = make_laptop(any_server, DAHE)
    mati_laptop = make_laptop(any_server, MATI)
    upload = tmp_path / "upload.tmp"
    content = "%PDF-1.4 党史".encode() * 100
    upload.write_bytes(content)
    files = any_server.settings.files_dir
    with any_server.conn() as conn, pytest.raises(Forbidden):
        admin.upload_material(conn, DAHE_ADMIN, files, upload, title="党史")  # county-wide
    with any_server.conn() as conn, pytest.raises(Forbidden):
        admin.upload_material(conn, DAHE_ADMIN, files, upload, title="党史", township_code=MATI)
    with any_server.conn() as conn, pytest.raises(ServiceError):
        admin.upload_material(conn, COUNTY, files, upload, title="党史", language="xx")
    assert count(any_server, material) == 0
    with any_server.conn() as conn:
        row = admin.upload_material(
            conn,
            DAHE_ADMIN,
            files,
            upload,
            title="党史讲座",
            file_name="C:\\资料\\党史讲座.pdf",
            language="zh",
            priority=5,
            township_code=DAHE,
        )
    assert row["created"] and row["size"] == len(content) and row["mime"] == "application/pdf"
    assert row["file_name"] == "党史讲座.pdf"
    seen = [c["id"] for c in any_server.pull_all(dahe_laptop.creds)[0] if c["kind"] == "material"]
    hidden = [c for c in any_server.pull_all(mati_laptop.creds)[0] if c["kind"] == "material"]
    assert seen == [row["id"]] and hidden == []
    with any_server.conn() as conn:
        assert [m["id"] for m in admin.list_materials(conn, DAHE_ADMIN)] == [row["id"]]
        assert admin.list_materials(conn, MATI_ADMIN) == []
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.retire_material(conn, MATI_ADMIN, row["id"])
    with any_server.conn() as conn:
        assert admin.retire_material(conn, DAHE_ADMIN, row["id"]) == 2
        assert [m["id"] for m in admin.list_materials(conn, COUNTY, retired=True)] == [row["id"]]
    last = [c for c in any_server.pull_all(dahe_laptop.creds)[0] if c["id"] == row["id"]][-1]
    assert last["op"] == "delete"


# --- laptops and the quarantine --------------------------------------------------------------


def test_enrolment_codes_the_device_list_and_revocation(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    now = int(any_server.clock())
    with any_server.conn() as conn, pytest.raises(Forbidden):
        admin.create_enrolment(conn, DAHE_ADMIN, MATI, now=now)
    with any_server.conn() as conn:
        made = admin.create_enrolment(conn, DAHE_ADMIN, DAHE, ttl_s=3600, now=now)
        (pending,) = admin.list_enrol_codes(conn, DAHE_ADMIN, now=now)
        assert admin.list_enrol_codes(conn, MATI_ADMIN, now=now) == []
    assert (made.township_name, made.expires_at, pending["created_by"]) == (
        "大河乡",
        now + 3600,
        "大河乡管理员",
    )
    reply = any_server.client.post("/v1/devices", json={"code": made.code, "name": "帐篷一号"})
    assert reply.status_code == 201
    creds = reply.json()
    laptop = make_laptop(any_server, DAHE)
    document = laptop.document()
    document["clock_offset_s"] = -95
    any_server.push_document(laptop.creds, document)  # nothing pending: a sync all the same
    with any_server.conn() as conn:
        listed = {d["id"]: d for d in admin.list_devices(conn, DAHE_ADMIN)}
        assert admin.list_devices(conn, MATI_ADMIN) == []
        assert admin.list_enrol_codes(conn, DAHE_ADMIN, now=now) == []  # the code was used
    assert listed[creds["device_id"]]["name"] == "帐篷一号"
    assert listed[laptop.creds.device_id]["clock_offset_s"] == -95
    assert listed[laptop.creds.device_id]["last_seen_at"] == now
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.revoke_device(conn, MATI_ADMIN, laptop.creds.device_id)
    with any_server.conn() as conn:
        assert admin.revoke_device(conn, DAHE_ADMIN, laptop.creds.device_id)
    assert any_server.pull(laptop.creds).status_code == 401
    link = enrol_link.parse_link(admin.enrol_link("http://10.0.0.5:8000", made.code))
    assert (link.server, link.code) == ("http://10.0.0.5:8000", made.code)


def test_a_quarantined_mark_is_listed_and_reapplied_once_the_roster_is_fixed(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    session_id = sessions.create_session(
        laptop.db, kind="tent", title="帐篷课堂", township_code=DAHE
    )
    missing = "0190d000-0000-7000-8000-000000000001"
    with transaction(laptop.db):  # a mark for someone the server has never heard of
        mark = {"s": session_id, "p": missing, "st": "present", "at": 5}
        outbox.append(laptop.db, outbox.OP_ATTENDANCE, mark)
    reply = laptop.push().json()
    assert [r[1] for r in reply["quarantined"]] == ["unknown_person"]
    with any_server.conn() as conn:
        (item,) = admin.list_quarantine(conn, DAHE_ADMIN)
        assert admin.list_quarantine(conn, MATI_ADMIN) == []
        assert admin.list_devices(conn, COUNTY)[0]["quarantined"] == 1
    assert (item["reason"], item["fields"]["p"]) == ("unknown_person", missing)

    with any_server.conn() as conn:
        still = admin.retry_quarantined(conn, DAHE_ADMIN, item["id"])
    assert (still.applied, still.reason) == (False, "unknown_person")
    assert any_server.rows(quarantine)[0]["resolved_at"] is None
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.retry_quarantined(conn, MATI_ADMIN, item["id"])
    add(any_server, id=missing, name="才让", birth_year=1970)
    with any_server.conn() as conn:
        assert admin.retry_quarantined(conn, DAHE_ADMIN, item["id"]).applied
    (done,) = any_server.rows(quarantine)
    assert (done["resolution"], done["resolved_by"]) == ("reapplied", "大河乡管理员")
    assert [(a["person_id"], a["status"]) for a in any_server.rows(attendance)] == [
        (missing, "present")
    ]
    assert {r["result"] for r in any_server.rows(op_log)} == {"ok"}
    with any_server.conn() as conn:
        assert admin.list_quarantine(conn, DAHE_ADMIN) == []
        assert admin.list_devices(conn, COUNTY)[0]["quarantined"] == 0


def test_dismissing_a_quarantined_item_needs_a_note(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    sessions.create_session(laptop.db, kind="tent", title="外乡课堂", township_code=MATI)
    laptop.push()
    with any_server.conn() as conn:
        (item,) = admin.list_quarantine(conn, COUNTY)
    assert item["reason"] == "township_mismatch"
    with any_server.conn() as conn, pytest.raises(ServiceError):
        admin.dismiss_quarantined(conn, COUNTY, item["id"], note="  ")
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.dismiss_quarantined(conn, MATI_ADMIN, item["id"], note="不是我们的")
    with any_server.conn() as conn:
        admin.dismiss_quarantined(conn, DAHE_ADMIN, item["id"], note="笔记本选错了乡镇")
        (closed,) = admin.list_quarantine(conn, DAHE_ADMIN, resolved=True)
    assert closed["resolution"] == "dismissed: 笔记本选错了乡镇"
    assert json.loads(closed["body"])["title"] == "外乡课堂"  # the op itself is kept


def test_an_edit_after_deletion_is_listed_and_closed_as_seen(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    person_id = add(any_server, name="卓玛", phone="13000000001")
    people.upsert_server_people(laptop.db, [person_row(any_server, person_id)])
    with any_server.conn() as conn:
        admin.service.delete_person(conn, person_id, actor="t")
    people.edit_person(laptop.db, person_id, {"phone": "13000000003"})
    assert laptop.push().status_code == 200
    with any_server.conn() as conn:
        (item,) = admin.list_conflicts(conn, DAHE_ADMIN)
        assert admin.list_conflicts(conn, MATI_ADMIN) == []
    assert item["kind"] == "edit_after_delete"
    assert item["detail"]["fields"] == {"phone": "13000000003"}
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.dismiss_review_item(conn, MATI_ADMIN, item["id"])
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.resolve_conflict(conn, DAHE_ADMIN, item["id"], {})  # not a field conflict
    with any_server.conn() as conn:
        admin.dismiss_review_item(conn, DAHE_ADMIN, item["id"], note="已迁出")
        assert admin.list_conflicts(conn, DAHE_ADMIN) == []
    (closed,) = any_server.rows(review_queue, review_queue.c.id == item["id"])
    assert (closed["resolution"], closed["resolved_by"]) == ("dismissed: 已迁出", "大河乡管理员")
    assert person_row(any_server, person_id)["deleted"]


def test_a_draft_material_reaches_laptops_only_once_published(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop], tmp_path: Path
) -> None:
    laptop = make_laptop(any_server, DAHE)
    upload = tmp_path / "upload.tmp"
    upload.write_bytes(b"PK\x03\x04 slides" * 64)
    files = any_server.settings.files_dir
    feed_before = count(any_server, change_log)
    with any_server.conn() as conn:
        draft = admin.upload_material(
            conn, COUNTY, files, upload, title="草原防火", file_name="防火.pptx", publish=False
        )
        other = admin.upload_material(
            conn, DAHE_ADMIN, files, upload, title="本乡草稿", township_code=DAHE, publish=False
        )
    assert draft["created"] and not draft["published"] and draft["file_name"] == "防火.pptx"
    assert count(any_server, change_log) == feed_before  # laptops see nothing of drafts
    assert (
        any_server.client.get(
            f"/v1/files/{draft['sha256']}", headers=laptop.creds.headers
        ).status_code
        == 404
    )
    with any_server.conn() as conn, pytest.raises(Forbidden):
        admin.publish_draft(conn, DAHE_ADMIN, draft["id"])  # county-wide: county staff only
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.publish_draft(conn, MATI_ADMIN, other["id"])
    with any_server.conn() as conn:
        published = admin.publish_draft(conn, COUNTY, draft["id"])
        assert admin.retire_material(conn, DAHE_ADMIN, other["id"]) == 1  # a draft set aside
    assert published["published"] and published["version"] == 1
    changes = [c for c in any_server.pull_all(laptop.creds)[0] if c["kind"] == "material"]
    assert [(c["id"], c["op"]) for c in changes] == [(draft["id"], "upsert")]
    assert (
        any_server.client.get(
            f"/v1/files/{draft['sha256']}", headers=laptop.creds.headers
        ).status_code
        == 200
    )


def test_an_attendance_disagreement_is_listed_in_its_township_and_closed(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    first, second = make_laptop(any_server, DAHE), make_laptop(any_server, DAHE)
    person_id = add(any_server, name="卓玛")
    people.upsert_server_people(first.db, [person_row(any_server, person_id)])
    session_id = sessions.create_session(
        first.db, kind="tent", title="帐篷课堂", township_code=DAHE
    )
    marks.mark(first.db, session_id, person_id, "present")
    assert first.push().status_code == 200
    with transaction(second.db):  # the other laptop takes the same person off that session
        undo = {"s": session_id, "p": person_id, "st": "removed", "at": 9}
        outbox.append(second.db, outbox.OP_ATTENDANCE, undo)
    assert second.push().status_code == 200
    with any_server.conn() as conn:
        (item,) = admin.list_conflicts(conn, DAHE_ADMIN)
        assert admin.list_conflicts(conn, MATI_ADMIN) == []
    assert item["kind"] == "attendance_disagreement" and item["person"]["id"] == person_id
    assert (item["detail"]["current"], item["detail"]["incoming"]) == ("present", "removed")
    with any_server.conn() as conn, pytest.raises(NotFound):
        admin.dismiss_review_item(conn, MATI_ADMIN, item["id"])
    with any_server.conn() as conn:
        admin.dismiss_review_item(conn, DAHE_ADMIN, item["id"])
        assert admin.list_conflicts(conn, DAHE_ADMIN) == []

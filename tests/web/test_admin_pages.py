"""The administration pages through HTTP (TestClient on a real SQLite file): what each role
sees and may change, forms with bad input, and that a township admin can neither see nor touch
another township's people, laptops, conflicts, quarantined items or materials."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from tests.server.conftest import DAHE, MATI, Laptop
from tests.web.conftest import WebApp, WebClient
from zhangye_desk.core import outbox, people, sessions
from zhangye_desk.core.store import transaction
from zhangye_desk.core.vocab import ATTENDANCE_STATUSES, GENDERS, POLITICAL_STATUSES
from zhangye_desk.server import admin, service
from zhangye_desk.server.db import device, material, person, quarantine, review_queue
from zhangye_desk.server.web import admin_devices, admin_materials, admin_review, admin_roster
from zhangye_desk.server.web.i18n import MESSAGES

HEADER = ["姓名", "性别", "出生年份", "乡镇", "政治面貌"]


def roster_csv(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def upload(client: WebClient, url: str, files: dict[str, Any], data: dict[str, Any]) -> Any:
    return client.client.post(
        url,
        files=files,
        data={"csrf_token": client.csrf_token, **data},
        follow_redirects=False,
    )


def add_person(web_app: WebApp, township: str = DAHE, **fields: Any) -> str:
    with web_app.conn() as conn:
        result = service.upsert_person(
            conn,
            {"name": "卓玛", "township_code": township, "political_status": "member", **fields},
            actor="t",
        )
    return str(result["id"])


def rows(web_app: WebApp, table: Any, *where: Any) -> list[dict[str, Any]]:
    with web_app.conn() as conn:
        return [dict(r) for r in conn.execute(select(table).where(*where)).mappings()]


PAGES = (
    "/admin/roster",
    "/admin/duplicates",
    "/admin/conflicts",
    "/admin/conflicts?resolved=1",
    "/admin/materials",
    "/admin/materials?retired=1",
    "/admin/devices",
    "/admin/quarantine",
    "/admin/quarantine?resolved=1",
)


@pytest.mark.parametrize("name", ["county", "dahe", "viewer"])
def test_every_page_opens_in_chinese_and_in_english(web_app: WebApp, name: str) -> None:
    client = web_app.login(name)
    for url in PAGES:
        reply = client.get(url)
        assert reply.status_code == 200, (url, reply.text)
        assert 'lang="zh-CN"' in reply.text
    for url in PAGES:  # ?lang=en is remembered
        english = client.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert english.status_code == 200 and 'lang="en"' in english.text
    client.get("/admin/roster?lang=zh_CN")
    forms = client.get("/admin/devices").text
    assert ('action="/admin/devices/enrol"' in forms) == (name != "viewer")


def test_pages_need_a_sign_in(web_app: WebApp) -> None:
    anonymous = web_app.anonymous()
    for url in PAGES:
        reply = anonymous.get(url, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


def admin_posts() -> list[str]:
    """Every POST route of the administration pages, with made-up ids in the path."""
    paths = [
        route.path
        for module in (admin_roster, admin_review, admin_materials, admin_devices)
        for route in module.router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    ]
    return [re.sub(r"\{[a-z_]+\}", "1", path) for path in paths]


def test_a_viewer_changes_nothing_and_no_post_runs_without_the_csrf_token(
    web_app: WebApp,
) -> None:
    posts = admin_posts()
    assert len(posts) == 14
    viewer, county = web_app.login("viewer"), web_app.login("county")
    for path in posts:
        assert viewer.post(path, {"township": DAHE}).status_code == 403, path
        assert county.post(path, {"township": DAHE}, csrf=False).status_code == 403, path
        assert "表单已失效" in county.post(path, csrf=False).text


# --- roster import ---------------------------------------------------------------------------


def test_a_roster_with_errors_lists_them_all_and_the_fixed_file_imports(web_app: WebApp) -> None:
    county = web_app.login("county")
    bad = roster_csv(
        [
            ["安玉花", "女", "1978", "大河乡", "党员"],
            ["杜建军", "男", "八五年", "大河乡", "预备党员"],
            ["才让", "男", "1990", "不存在乡", "党员"],
        ]
    )
    reply = upload(county, "/admin/roster/preview", {"roster": ("花名册.csv", bad)}, {})
    assert reply.status_code == 400
    assert "2 处错误" in reply.text and "没有导入任何人员" in reply.text
    assert "第 3 行" in reply.text and "八五年" in reply.text
    assert "第 4 行" in reply.text and "不存在乡" in reply.text
    assert 'name="token"' not in reply.text  # nothing to import
    assert rows(web_app, person) == []

    good = roster_csv(
        [["安玉花", "女", "1978", "大河乡", "党员"], ["才让", "男", "1990", "马蹄藏族乡", "党员"]]
    )
    reply = upload(county, "/admin/roster/preview", {"roster": ("花名册.csv", good)}, {})
    assert reply.status_code == 200 and "新增 2 人" in reply.text
    assert rows(web_app, person) == []  # a preview imports nothing
    token = re.search(r'name="token" value="([^"]+)"', reply.text)
    assert token is not None
    done = county.post("/admin/roster/import", {"token": token.group(1), "file_name": "花名册.csv"})
    assert done.status_code == 303
    assert sorted(p["name"] for p in rows(web_app, person)) == ["安玉花", "才让"]
    page = county.get("/admin/roster")
    assert "新增 2 人" in page.text and "安玉花" in page.text
    again = county.post("/admin/roster/import", {"token": token.group(1)})
    assert again.status_code == 400  # the checked file is used once


def test_roster_import_authorisation(web_app: WebApp) -> None:
    dahe, viewer = web_app.login("dahe"), web_app.login("viewer")
    mixed = roster_csv(
        [["安玉花", "女", "1978", "大河乡", "党员"], ["才让", "男", "1990", "马蹄藏族乡", "党员"]]
    )
    reply = upload(dahe, "/admin/roster/preview", {"roster": ("r.csv", mixed)}, {})
    assert reply.status_code == 400 and "不是您管理的乡镇" in reply.text
    assert (
        upload(viewer, "/admin/roster/preview", {"roster": ("r.csv", mixed)}, {}).status_code == 403
    )
    no_csrf = dahe.client.post(
        "/admin/roster/preview", files={"roster": ("r.csv", mixed)}, follow_redirects=False
    )
    assert no_csrf.status_code == 403
    assert dahe.post("/admin/roster/import", {"token": "../../etc/passwd"}).status_code == 400
    assert rows(web_app, person) == []
    assert upload(dahe, "/admin/roster/preview", {}, {}).status_code == 400  # no file


# --- people and duplicates -------------------------------------------------------------------


def test_editing_a_person_and_who_may(web_app: WebApp) -> None:
    person_id = add_person(web_app, phone="13000000001", birth_year=1980)
    dahe, mati, viewer = web_app.login("dahe"), web_app.login("mati"), web_app.login("viewer")
    page = dahe.get(f"/admin/people/{person_id}")
    assert page.status_code == 200 and "修改记录" in page.text
    assert mati.get(f"/admin/people/{person_id}").status_code == 404
    assert person_id not in mati.get("/admin/roster?q=卓玛").text
    assert person_id in dahe.get("/admin/roster?q=卓玛").text
    form = {
        "version": "1",
        "name": "卓玛",
        "birth_year": "1980",
        "township_code": DAHE,
        "political_status": "member",
        "phone": "13000000002",
    }
    assert mati.post(f"/admin/people/{person_id}", form).status_code == 404
    assert viewer.post(f"/admin/people/{person_id}", form).status_code == 403
    assert dahe.post(f"/admin/people/{person_id}", form, csrf=False).status_code == 403
    bad = dahe.post(f"/admin/people/{person_id}", {**form, "birth_year": "80"})
    assert bad.status_code == 400 and "出生年份" in bad.text
    moved = dahe.post(f"/admin/people/{person_id}", {**form, "township_code": MATI})
    assert moved.status_code == 400 and "您管理的乡镇" in moved.text
    assert rows(web_app, person)[0]["version"] == 1  # refused forms changed nothing
    saved = dahe.post(f"/admin/people/{person_id}", form)
    assert saved.status_code == 303
    (row,) = rows(web_app, person)
    assert (row["phone"], row["version"]) == ("13000000002", 2)
    stale = dahe.post(f"/admin/people/{person_id}", {**form, "phone": "13000000003"})
    assert stale.status_code == 400 and "刚被别人修改过" in stale.text


def test_merging_duplicates_and_who_may(web_app: WebApp) -> None:
    first = add_person(web_app, birth_year=1980)
    second = add_person(web_app, birth_year=1980, phone="13900000000")
    dahe, mati, viewer = web_app.login("dahe"), web_app.login("mati"), web_app.login("viewer")
    assert f"/admin/people/{second}" in dahe.get("/admin/duplicates").text
    assert f"/admin/people/{second}" not in mati.get("/admin/duplicates").text
    merge = {"loser": first, "winner": second}
    assert mati.post("/admin/duplicates/merge", merge).status_code == 404
    assert viewer.post("/admin/duplicates/merge", merge).status_code == 403
    assert dahe.post("/admin/duplicates/merge", merge, csrf=False).status_code == 403
    assert rows(web_app, person, person.c.id == first)[0]["merged_into"] is None
    assert dahe.post("/admin/duplicates/merge", merge).status_code == 303
    assert rows(web_app, person, person.c.id == first)[0]["merged_into"] == second
    assert "没有待核对的重复人员" in dahe.get("/admin/duplicates").text


# --- conflicts and quarantine ----------------------------------------------------------------


def hard_conflict(web_app: WebApp, laptop: Laptop) -> tuple[str, int]:
    person_id = add_person(web_app, phone="13000000001")
    people.upsert_server_people(laptop.db, rows(web_app, person, person.c.id == person_id))
    with web_app.conn() as conn:
        service.upsert_person(conn, {"id": person_id, "phone": "13000000002"}, actor="t")
    people.edit_person(laptop.db, person_id, {"phone": "13000000003"})
    assert laptop.push().status_code == 200
    (item,) = rows(web_app, review_queue, review_queue.c.kind == "hard_conflict")
    return person_id, int(item["id"])


def test_resolving_a_conflict_and_who_may(
    web_app: WebApp, app_laptop: Callable[..., Laptop]
) -> None:
    person_id, item = hard_conflict(web_app, app_laptop(DAHE))
    dahe, mati, viewer = web_app.login("dahe"), web_app.login("mati"), web_app.login("viewer")
    page = dahe.get("/admin/conflicts")
    assert "13000000003" in page.text and "采用笔记本电脑的值" in page.text
    assert "13000000003" not in mati.get("/admin/conflicts").text
    choice = {"choice.phone": "laptop", "note": "电话核实"}
    assert mati.post(f"/admin/conflicts/{item}/resolve", choice).status_code == 404
    assert viewer.post(f"/admin/conflicts/{item}/resolve", choice).status_code == 403
    assert dahe.post(f"/admin/conflicts/{item}/resolve", choice, csrf=False).status_code == 403
    wrong = dahe.post(f"/admin/conflicts/{item}/resolve", {"choice.phone": "mine"})
    assert wrong.status_code == 400
    assert rows(web_app, person, person.c.id == person_id)[0]["phone"] == "13000000002"
    assert dahe.post(f"/admin/conflicts/{item}/resolve", choice).status_code == 303
    assert rows(web_app, person, person.c.id == person_id)[0]["phone"] == "13000000003"
    resolved = dahe.get("/admin/conflicts?resolved=1").text
    assert "电话核实" in resolved and "dahe" in resolved


def quarantined_mark(laptop: Laptop) -> str:
    session_id = sessions.create_session(
        laptop.db, kind="tent", title="帐篷课堂", township_code=DAHE
    )
    missing = "0190d000-0000-7000-8000-00000000beef"
    with transaction(laptop.db):
        mark = {"s": session_id, "p": missing, "st": "present", "at": 5}
        outbox.append(laptop.db, outbox.OP_ATTENDANCE, mark)
    assert laptop.push().status_code == 200
    return missing


def test_quarantine_retry_dismiss_and_who_may(
    web_app: WebApp, app_laptop: Callable[..., Laptop]
) -> None:
    missing = quarantined_mark(app_laptop(DAHE))
    (item,) = rows(web_app, quarantine)
    number = item["id"]
    dahe, mati, viewer = web_app.login("dahe"), web_app.login("mati"), web_app.login("viewer")
    assert missing in dahe.get("/admin/quarantine").text
    assert "花名册中没有此人" in dahe.get("/admin/quarantine").text
    assert missing not in mati.get("/admin/quarantine").text
    assert mati.post(f"/admin/quarantine/{number}/retry").status_code == 404
    assert mati.post(f"/admin/quarantine/{number}/dismiss", {"note": "x"}).status_code == 404
    assert viewer.post(f"/admin/quarantine/{number}/retry").status_code == 403
    assert dahe.post(f"/admin/quarantine/{number}/retry", csrf=False).status_code == 403
    still = dahe.post(f"/admin/quarantine/{number}/retry")
    assert still.status_code == 303
    assert "仍然无法应用" in dahe.get("/admin/quarantine").text
    assert dahe.post(f"/admin/quarantine/{number}/dismiss", {"note": " "}).status_code == 400
    assert rows(web_app, quarantine)[0]["resolved_at"] is None
    add_person(web_app, id=missing, name="才让")
    assert dahe.post(f"/admin/quarantine/{number}/retry").status_code == 303
    assert rows(web_app, quarantine)[0]["resolution"] == "reapplied"
    assert "已重新应用" in dahe.get("/admin/quarantine").text


# --- materials -------------------------------------------------------------------------------


def test_uploading_and_retiring_materials_and_who_may(web_app: WebApp) -> None:
    dahe, mati, viewer = web_app.login("dahe"), web_app.login("mati"), web_app.login("viewer")
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(1_500_000)  # above the 1 MiB push limit
    form = {"title": "草原防火", "topic": "安全", "language": "zh", "priority": "7"}
    files = {"upload": ("草原防火.mp4", video, "video/mp4")}
    county_wide = upload(dahe, "/admin/materials/upload", files, {**form, "township": "all"})
    assert county_wide.status_code == 400 and "全县范围" in county_wide.text
    no_title = upload(dahe, "/admin/materials/upload", files, {**form, "title": ""})
    assert no_title.status_code == 400 and "请填写标题" in no_title.text
    assert upload(viewer, "/admin/materials/upload", files, form).status_code == 403
    assert rows(web_app, material) == []
    done = upload(dahe, "/admin/materials/upload", files, {**form, "township": DAHE})
    assert done.status_code == 303
    (row,) = rows(web_app, material)
    assert (row["size"], row["priority"], row["mime"]) == (len(video), 7, "video/mp4")
    assert "草原防火" in dahe.get("/admin/materials").text
    assert "草原防火" not in mati.get("/admin/materials").text
    assert mati.post(f"/admin/materials/{row['id']}/retire").status_code == 404
    assert viewer.post(f"/admin/materials/{row['id']}/retire").status_code == 403
    assert dahe.post(f"/admin/materials/{row['id']}/retire").status_code == 303
    assert rows(web_app, material)[0]["retired"]


def test_a_draft_material_is_published_from_the_page(web_app: WebApp) -> None:
    dahe, mati, viewer = web_app.login("dahe"), web_app.login("mati"), web_app.login("viewer")
    files = {"upload": ("课件.pdf", b"%PDF-1.4 draft", "application/pdf")}
    form = {"title": "党章学习", "language": "zh", "priority": "3", "township": DAHE, "draft": "1"}
    assert upload(dahe, "/admin/materials/upload", files, form).status_code == 303
    (row,) = rows(web_app, material)
    assert not row["published"]
    assert "草稿，未发布" in dahe.get("/admin/materials").text
    assert mati.post(f"/admin/materials/{row['id']}/publish").status_code == 404
    assert viewer.post(f"/admin/materials/{row['id']}/publish").status_code == 403
    assert dahe.post(f"/admin/materials/{row['id']}/publish", csrf=False).status_code == 403
    assert not rows(web_app, material)[0]["published"]
    assert dahe.post(f"/admin/materials/{row['id']}/publish").status_code == 303
    assert rows(web_app, material)[0]["published"]
    assert "已发布" in dahe.get("/admin/materials").text


# --- laptops ---------------------------------------------------------------------------------


def test_enrolment_codes_devices_and_revocation(
    web_app: WebApp, app_laptop: Callable[..., Laptop]
) -> None:
    dahe, mati, viewer = web_app.login("dahe"), web_app.login("mati"), web_app.login("viewer")
    assert dahe.post("/admin/devices/enrol", {"township": MATI, "hours": "24"}).status_code == 403
    assert viewer.post("/admin/devices/enrol", {"township": DAHE}).status_code == 403
    assert dahe.post("/admin/devices/enrol", {"township": DAHE}, csrf=False).status_code == 403
    assert dahe.post("/admin/devices/enrol", {"township": DAHE, "hours": "9"}).status_code == 400
    made = dahe.post("/admin/devices/enrol", {"township": DAHE, "hours": "24"})
    assert made.status_code == 200 and "<svg" in made.text and "大河乡的登记码" in made.text
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', made.text)
    assert code is not None
    assert admin.enrol_link("http://testserver", code.group(1)).replace("&", "&amp;") in made.text
    reply = web_app.server.client.post(
        "/v1/devices", json={"code": code.group(1), "name": "帐篷一号"}
    )
    assert reply.status_code == 201
    laptop = app_laptop(DAHE)
    document = laptop.document()
    document["clock_offset_s"] = 300
    web_app.server.push_document(laptop.creds, document)
    page = dahe.get("/admin/devices").text
    assert "帐篷一号" in page and "300 秒" in page
    assert "帐篷一号" not in mati.get("/admin/devices").text
    device_id = reply.json()["device_id"]
    assert mati.post(f"/admin/devices/{device_id}/revoke").status_code == 404
    assert viewer.post(f"/admin/devices/{device_id}/revoke").status_code == 403
    assert rows(web_app, device, device.c.id == device_id)[0]["revoked_at"] is None
    assert dahe.post(f"/admin/devices/{device_id}/revoke").status_code == 303
    assert rows(web_app, device, device.c.id == device_id)[0]["revoked_at"] is not None


# --- texts -----------------------------------------------------------------------------------


def test_every_text_built_from_a_value_exists_in_both_languages() -> None:
    built = (
        [f"admin.status.{s}" for s in POLITICAL_STATUSES]
        + [f"admin.gender.{g}" for g in GENDERS]
        + [f"admin.attendance.{s}" for s in ATTENDANCE_STATUSES]
        + [f"admin.field.{f}" for f in (*service.PERSON_FIELDS, "deleted", "merged_into")]
        + [f"admin.column.{c}" for c in admin.roster_import.COLUMNS]
        + [f"admin.optype.{t}" for t in outbox.OP_TYPES]
        + [f"admin.quarantine.reason.{r}" for r in admin_review.QUARANTINE_REASONS]
        + [f"admin.lang.{code}" for code in admin.MATERIAL_LANGUAGES]
        + [f"admin.origin.{o}" for o in ("server", "import", "laptop")]
        + [
            f"admin.outcome.{o}"
            for o in ("created", "edited", "concurrent", "conflict", "after_delete")
        ]
        + [f"admin.outcome.{o}" for o in ("deleted", "merged")]
        + [
            f"admin.review.kind.{k}"
            for k in (*admin.PERSON_REVIEW_KINDS, "attendance_disagreement")
        ]
    )
    missing = [m for m in built if set(MESSAGES.get(m, {})) != {"zh_CN", "en"}]
    assert missing == []

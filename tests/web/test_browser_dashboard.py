"""The dashboard in a real browser (Playwright + Debian's chromium) against the real server
process: sign in, see the figures change after a laptop syncs with the real sync client,
drill down to one session, download the .xlsx and read it back; a township admin cannot open
another township. Screenshots go to docs/screenshots/web-*.png."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.integration.conftest import FAST
from tests.server.conftest import DAHE, MATI
from tests.server.lectures import VILLAGES
from tests.web.conftest import WebServer, login, screenshot
from zhangye_desk.core import attendance, sessions, status
from zhangye_desk.core.store import open_store
from zhangye_desk.paths import DataPaths
from zhangye_desk.server import service
from zhangye_desk.server.auth import create_enrol_code
from zhangye_desk.sync.engine import enrol, sync


def _figure(page: Any, key: str) -> str:
    return str(page.locator(f'[data-figure="{key}"] .value').inner_text()).strip()


@pytest.fixture
def roster(web_server: WebServer) -> list[str]:
    names = ["安晓梅", "钟建国", "贺兰英", "郭德明", "兰秀珍", "杜永红", "妥尕草", "常宝山"]
    with web_server.conn() as conn:
        return [
            service.upsert_person(
                conn,
                {"name": name, "township_code": DAHE, "birth_year": 1960 + i,
                 "gender": "F" if i % 2 else "M",
                 "political_status": "member" if i % 3 == 0 else "masses"},
                actor="test",
            )["id"]
            for i, name in enumerate(names)
        ]  # fmt: skip


def test_figures_follow_a_laptop_sync_and_the_xlsx_matches(
    web_server: WebServer, page: Any, roster: list[str], tmp_path: Path
) -> None:
    page.goto(f"{web_server.url}/login")
    screenshot(page, "login")
    login(page, web_server.url, "county")
    assert page.url.rstrip("/") == web_server.url
    before = _figure(page, "sessions")

    # A laptop of 大河乡 records two sessions and syncs with the real client.
    paths = DataPaths(tmp_path / "laptop").ensure()
    store = open_store(paths, daily_backup=False)
    try:
        db = store.db
        with web_server.conn() as conn:
            code = create_enrol_code(conn, DAHE, 3600)
        enrol(db, web_server.url, code, "大河乡-笔记本-1", options=FAST)
        sync(db, paths, options=FAST)  # the roster arrives
        first = sessions.create_session(
            db, kind="tent", title="帐篷课堂：学习二十大精神", township_code=DAHE,
            village_code=VILLAGES[DAHE], place_name="夏季牧场", latitude=38.81234,
            longitude=99.61789, lecturers="安老师", by="安老师",
        )  # fmt: skip
        for index, person_id in enumerate(roster[:6]):
            attendance.mark(db, first, person_id, "late" if index == 2 else "present", by="安老师")
        sessions.set_headcount(db, first, 3)
        second = sessions.create_session(
            db, kind="horseback", title="马背课堂：草原防火", township_code=DAHE, by="安老师"
        )
        for person_id in roster[4:]:
            attendance.mark(db, second, person_id, "present", by="安老师")
        receipt = sync(db, paths, options=FAST)
        assert receipt.pending_ops == 0 and receipt.totals_match, receipt
        local = status.local_totals(db)
    finally:
        store.close()

    page.reload()
    assert int(before) + 2 == int(_figure(page, "sessions"))
    assert _figure(page, "participant_times") == str(local["participant_times"])
    assert _figure(page, "participant_times") == str(6 + 3 + 4)
    assert _figure(page, "unique_participants") == "8"
    page.locator("#chart[data-ready='1']").wait_for()
    screenshot(page, "dashboard")

    page.click("text=按课堂类型")
    assert "马背课堂" in page.locator("#stats-table").inner_text()
    page.click("text=按乡镇")

    # Drill down: township → village → session.
    page.click("#stats-table >> text=大河乡")
    assert _figure(page, "sessions") == "2"
    screenshot(page, "township")
    page.click("#villages >> a >> nth=0")
    assert "马背课堂：草原防火" not in page.locator("#sessions").inner_text()  # no village
    screenshot(page, "village")
    page.click("text=帐篷课堂：学习二十大精神")
    facts = page.locator("#facts").inner_text()
    assert "夏季牧场" in facts and "38.81234, 99.61789" in facts
    assert "大河乡-笔记本-1" in facts
    assert "签到人员（6 人）" in page.content()
    screenshot(page, "session")

    # The statistics workbook downloaded through the page shows the laptop's figures.
    page.goto(f"{web_server.url}/exports")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.startswith("学习统计_")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = {r[0]: r for r in book["按乡镇"].iter_rows(min_row=4, values_only=True)}
    assert rows["大河乡"][1] == 2 and rows["大河乡"][2] == local["participant_times"]
    assert rows["合计"][1] == int(before) + 2


def test_township_admin_cannot_open_another_township_in_the_browser(
    web_server: WebServer, page: Any
) -> None:
    login(page, web_server.url, "mati")
    assert page.locator("select[name=township]").count() == 0  # no township picker
    reply = page.goto(f"{web_server.url}/townships/{DAHE}")
    assert reply is not None and reply.status == 404
    assert "找不到这个页面或记录" in page.content()
    api = page.request.get(f"{web_server.url}/api/stats?township={DAHE}")
    assert api.status == 404
    own = page.request.get(f"{web_server.url}/api/stats")
    assert own.status == 200 and own.json()["township"] == MATI


def test_viewer_csrf_and_rate_limit_in_the_browser(web_server: WebServer, page: Any) -> None:
    """A viewer's form post is refused even with a valid token; a post without the token is
    refused for anyone; too many wrong passwords lock the name for a while."""
    login(page, web_server.url, "viewer")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    reply = page.request.post(
        f"{web_server.url}/admin/devices/enrol",
        form={"csrf_token": token, "township": DAHE, "name": "x"},
        max_redirects=0,
    )
    assert reply.status == 403 and "没有这项操作的权限" in reply.text()
    reply = page.request.post(f"{web_server.url}/logout", form={}, max_redirects=0)
    assert reply.status == 403 and "表单已失效" in reply.text()
    page.goto(f"{web_server.url}/")
    assert page.locator("[data-figure=sessions]").count() == 1  # still signed in

    page.context.clear_cookies()
    for _ in range(5):
        login(page, web_server.url, "county", "wrong-password")
        assert "用户名或密码不对" in page.content()
    login(page, web_server.url, "county")
    assert "登录失败次数太多" in page.content()
    assert page.locator("[data-figure=sessions]").count() == 0

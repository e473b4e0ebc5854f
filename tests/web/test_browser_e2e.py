"""Issue 7's "done when", end to end in a real browser against the real server process: an
admin signs in, imports a roster, issues an enrolment code; a laptop (the real sync client)
enrols with that code, records sessions and syncs; the dashboard and the downloaded .xlsx show
exactly the laptop's own figures (core.stats on the laptop's store). On the way, an edit made
on the page and another on the laptop clash and are settled in the conflict queue.
Screenshots: the devices page with a QR code, the conflict queue."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from tests.integration.conftest import FAST
from tests.server.conftest import DAHE
from tests.server.lectures import VILLAGES
from tests.web.conftest import WebServer, login, screenshot
from tests.web.test_browser_admin import ROSTER, write_roster
from zhangye_desk.core import attendance, people, sessions, stats
from zhangye_desk.core.store import open_store
from zhangye_desk.paths import DataPaths
from zhangye_desk.server.db import person
from zhangye_desk.server.web.render import percent
from zhangye_desk.sync.engine import enrol, sync

HEADLINE = ("sessions", "participant_times", "unique_participants", "participation_rate")
# The statistics workbook's column headers → core.stats' keys.
XLSX_COLUMNS = {
    "场次": "sessions",
    "人次": "participant_times",
    "登记人次": "registered_participant_times",
    "未登记人次": "unregistered_headcount",
    "人数": "unique_participants",
    "党员数": "party_members",
    "参学党员数": "party_members_attended",
    "参与率": "participation_rate",
}


def shown(key: str, figures: dict[str, Any]) -> str:
    value = figures[key]
    return percent(value) if key == "participation_rate" else f"{value:,}"


def figure(page: Any, key: str) -> str:
    return str(page.locator(f'[data-figure="{key}"] .value').inner_text()).strip()


def sheet_rows(book: Any, title: str) -> dict[str, dict[str, Any]]:
    """A sheet of the statistics workbook as {row label: {core.stats key: value}}."""
    values = list(book[title].iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(values) if "场次" in row)
    header = values[header_at]
    result = {}
    for row in values[header_at + 1 :]:
        if row and row[0] is not None:
            result[str(row[0])] = {
                XLSX_COLUMNS[str(h)]: v
                for h, v in zip(header, row, strict=False)
                if h in XLSX_COLUMNS
            }
    return result


def test_import_enrol_sync_and_the_dashboard_and_xlsx_show_the_laptops_figures(
    web_server: WebServer, page: Any, tmp_path: Path
) -> None:
    # 1. The county admin signs in and imports the roster through the page.
    login(page, web_server.url, "county")
    page.goto(f"{web_server.url}/admin/roster")
    page.set_input_files("input[name=roster]", str(write_roster(tmp_path / "花名册.xlsx", ROSTER)))
    page.click("text=检查文件")
    page.click("#do-import")
    assert "新增 6 人" in page.locator(".flash.ok").inner_text()

    # 2. … and makes an enrolment code for 大河乡.
    page.goto(f"{web_server.url}/admin/devices")
    page.select_option("select[name=township]", DAHE)
    page.click("#make-code")
    code = page.locator("#enrol-code").inner_text().strip()
    server = page.locator("#enrol-server").inner_text().strip()

    # 3. A laptop enrols with that code and the address the page showed, and gets the roster.
    paths = DataPaths(tmp_path / "laptop").ensure()
    store = open_store(paths, daily_backup=False)
    try:
        db = store.db
        enrolled = enrol(db, server, code, "大河乡-笔记本-1", options=FAST)
        assert enrolled["township_name"] == "大河乡"
        sync(db, paths, options=FAST)
        roster = {
            name: person_id
            for person_id, name in db.execute("SELECT id, name FROM person WHERE deleted = 0")
        }
        assert set(roster) == {row[0] for row in ROSTER}

        # 4. The admin corrects a phone number on the page while the laptop, still holding
        # the old record, changes the same field: a hard conflict once the laptop syncs.
        page.goto(f"{web_server.url}/admin/people/{roster['钟建国']}")
        page.fill("input[name=phone]", "13800000001")
        page.click("text=保存")
        assert "已保存" in page.locator(".flash.ok").inner_text()
        people.edit_person(db, roster["钟建国"], {"phone": "13999999999"}, by="安老师")

        # 5. Two lectures: marks for people of the imported roster, a walk-in, a headcount.
        tent = sessions.create_session(
            db, kind="tent", title="帐篷课堂：学习党的二十大精神", township_code=DAHE,
            village_code=VILLAGES[DAHE], place_name="夏季牧场", lecturers="安老师", by="安老师",
        )  # fmt: skip
        for index, name in enumerate(["安晓梅", "钟建国", "贺兰英", "郭德明"]):
            status = "late" if index == 3 else "present"
            attendance.mark(db, tent, roster[name], status, by="安老师")
        walk_in = people.add_walk_in(db, name="才让卓玛", township_code=DAHE, birth_year=1993)
        attendance.mark(db, tent, walk_in, "present", by="安老师")
        sessions.set_headcount(db, tent, 3)
        sessions.close_session(db, tent)
        horse = sessions.create_session(
            db, kind="horseback", title="马背课堂：草原防火", township_code=DAHE, by="安老师"
        )
        for name in ["安晓梅", "兰秀珍", "杜永红"]:
            attendance.mark(db, horse, roster[name], "present", by="安老师")
        receipt = sync(db, paths, options=FAST)
        assert receipt.pending_ops == 0 and receipt.totals_match, receipt
        laptop = stats.statistics(db, by="township")
    finally:
        store.close()
    totals = laptop["totals"]
    assert (totals["sessions"], totals["participant_times"]) == (2, 4 + 1 + 3 + 3)

    # 6. The dashboard shows exactly the laptop's figures.
    page.goto(web_server.url + "/")
    for key in HEADLINE:
        assert figure(page, key) == shown(key, totals), key

    # 7. So does the statistics workbook downloaded through the page.
    page.goto(f"{web_server.url}/exports")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    by_township = sheet_rows(book, "按乡镇")
    dahe = next(row for row in laptop["rows"] if row["key"] == DAHE)
    for key in XLSX_COLUMNS.values():
        assert by_township["大河乡"][key] == dahe[key], key
        assert by_township["合计"][key] == totals[key], key

    # 8. The laptop is listed with its last sync; a second code shows the QR code.
    page.goto(f"{web_server.url}/admin/devices")
    listed = page.locator("#devices").inner_text()
    assert "大河乡-笔记本-1" in listed and "从未同步" not in listed
    page.select_option("select[name=township]", DAHE)
    page.click("#make-code")
    assert page.locator("#enrolment svg").count() == 1
    screenshot(page, "devices")

    # 9. The conflict: both values shown with the history; the laptop's value is taken.
    page.goto(f"{web_server.url}/admin/conflicts")
    item = page.locator("section.item").first
    assert "13800000001" in item.inner_text() and "13999999999" in item.inner_text()
    screenshot(page, "conflicts")
    item.locator("input[name='choice.phone'][value=laptop]").check()
    item.locator("button[type=submit]").click()
    assert "已处理" in page.locator(".flash.ok").inner_text()
    with web_server.conn() as conn:
        phone = conn.execute(select(person.c.phone).where(person.c.id == roster["钟建国"]))
        assert phone.scalar_one() == "13999999999"

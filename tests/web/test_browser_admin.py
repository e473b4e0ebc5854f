"""The administration pages in a real browser (Playwright + Debian's chromium) against the real
server process: a roster with errors is refused with every error listed and the fixed file
imports; an enrolment code is made and shown as text and QR code. Screenshots go to
docs/screenshots/web-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from tests.server.conftest import DAHE
from tests.web.conftest import WebServer, login, screenshot
from zhangye_desk.server.db import enrol_code, person
from zhangye_desk.sync.enrol_link import parse_link

HEADER = ["姓名", "性别", "民族", "出生年份", "乡镇", "村", "政治面貌", "联系电话"]
ROSTER = [
    ["安晓梅", "女", "裕固族", "1975", "大河乡", "西岔河村", "党员", "13909361234"],
    ["钟建国", "男", "汉族", "1968", "大河乡", "松木滩村", "预备党员", ""],
    ["贺兰英", "女", "裕固族", "1982", "大河乡", "光华村", "群众", ""],
    ["郭德明", "男", "藏族", "1990", "大河乡", "", "入党积极分子", "0936-6612345"],
    ["兰秀珍", "女", "裕固族", "1959", "大河乡", "西岔河村", "党员", ""],
    ["杜永红", "男", "汉族", "1971", "大河乡", "", "群众", ""],
]


def write_roster(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["大河乡党员花名册"])  # a title row above the header, as rosters have
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def count_people(web_server: WebServer) -> int:
    with web_server.conn() as conn:
        return int(conn.execute(select(func.count()).select_from(person)).scalar_one())


def test_a_roster_with_errors_is_refused_then_the_fixed_file_imports(
    web_server: WebServer, page: Any, tmp_path: Path
) -> None:
    broken = [list(r) for r in ROSTER]
    broken[1][3] = "六八年"  # row 4: not a year
    broken[3][4] = "大河镇"  # row 6: no such township
    broken[4][6] = "老党员"  # row 7: no such status
    login(page, web_server.url, "county")
    page.goto(f"{web_server.url}/admin/roster")
    page.set_input_files("input[name=roster]", str(write_roster(tmp_path / "花名册.xlsx", broken)))
    page.click("text=检查文件")
    problems = page.locator("#problems tbody tr")
    assert problems.count() == 3
    listed = page.locator("#problems").inner_text()
    assert "六八年" in listed and "大河镇" in listed and "老党员" in listed
    assert [problems.nth(i).locator("td").first.inner_text() for i in range(3)] == ["4", "6", "7"]
    assert "没有导入任何人员" in page.locator(".flash.error").inner_text()
    assert page.locator("#do-import").count() == 0
    screenshot(page, "roster-preview")
    assert count_people(web_server) == 0

    page.set_input_files("input[name=roster]", str(write_roster(tmp_path / "fixed.xlsx", ROSTER)))
    page.click("text=检查文件")
    assert "新增 6 人" in page.locator("#counts").inner_text()
    assert count_people(web_server) == 0  # checked, not imported yet
    page.click("#do-import")
    assert "新增 6 人" in page.locator(".flash.ok").inner_text()
    assert count_people(web_server) == 6
    assert "安晓梅" in page.locator("#people").inner_text()


def test_an_enrolment_code_is_shown_as_text_and_qr_code(web_server: WebServer, page: Any) -> None:
    login(page, web_server.url, "dahe")
    page.goto(f"{web_server.url}/admin/devices")
    assert page.locator("select[name=township] option").all_inner_texts() == ["大河乡"]
    page.click("#make-code")
    code = page.locator("#enrol-code").inner_text().strip()
    assert len(code.replace("-", "")) == 12
    assert page.locator("#enrolment svg").count() == 1
    link = parse_link(page.locator("#enrolment code").inner_text())
    assert (link.server, link.code) == (web_server.url, code)
    with web_server.conn() as conn:
        made = conn.execute(select(enrol_code.c.township_code, enrol_code.c.created_by)).all()
    assert [tuple(r) for r in made] == [(DAHE, "dahe")]

"""Exports read back as a user would open them: .xlsx with openpyxl, .csv as Excel would
(UTF-8 with a BOM)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.server.conftest import DAHE, MATI
from tests.server.lectures import record_lecture
from tests.web.conftest import WebApp
from zhangye_desk.server.db import read_transaction
from zhangye_desk.server.stats import statistics

MARCH = 1772500000  # 2026-03-03
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
COLUMNS = ["场次", "人次", "登记人次", "未登记人次", "人数", "党员数", "参学党员数", "参与率"]


@pytest.fixture
def recorded(web_app: WebApp, app_laptop: Any) -> dict[str, Any]:
    dahe = app_laptop(DAHE, "大河乡-笔记本-1")
    lecture = record_lecture(
        dahe.db, DAHE, title="帐篷课堂：党史学习", starts_at=MARCH, attendees=4
    )
    assert dahe.push().status_code == 200
    mati = app_laptop(MATI, "马蹄乡-笔记本-1")
    other = record_lecture(mati.db, MATI, title="集中学习：乡村振兴", starts_at=MARCH, kind="study")
    assert mati.push().status_code == 200
    return {"dahe": lecture, "mati": other}


def _filename(reply: Any) -> str:
    disposition = reply.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    return unquote(disposition.split("filename*=UTF-8''")[1])


def test_statistics_workbook_has_every_grouping_with_chinese_headers(
    web_app: WebApp, recorded: Any
) -> None:
    reply = web_app.login("county").get("/exports/stats.xlsx", params=YEAR)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert _filename(reply) == "学习统计_2026-01-01_2026-12-31.xlsx"
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["按乡镇", "按党组织", "按课堂类型", "按主题", "按月份"]
    with read_transaction(web_app.engine) as conn:
        expected = statistics(conn, date(2026, 1, 1), date(2026, 12, 31), "township")
    sheet = book["按乡镇"]
    assert "全县" in sheet["A2"].value and "2026-01-01 至 2026-12-31" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == ["乡镇", *COLUMNS]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["大河乡"][0] == 1 and rows["马蹄藏族乡"][0] == 1
    totals = rows["合计"]
    assert totals[0] == expected["totals"]["sessions"] == 2
    assert totals[1] == expected["totals"]["participant_times"]
    assert totals[4] == expected["totals"]["unique_participants"]
    assert totals[7] == pytest.approx(expected["totals"]["participation_rate"])
    assert sheet.cell(row=4, column=9).number_format == "0.0%"
    # Column widths follow the Chinese text (the default width would cut it).
    assert sheet.column_dimensions["A"].width >= 12
    assert sheet.column_dimensions["E"].width >= 10  # 未登记人次
    kinds = {r[0] for r in book["按课堂类型"].iter_rows(min_row=4, values_only=True)}
    assert {"帐篷课堂", "集中学习", "合计"} <= kinds
    months = [r[0] for r in book["按月份"].iter_rows(min_row=4, values_only=True)]
    assert months == ["2026-03", "合计"]
    # Every sheet ends with the same totals (counted once, shared by the sheets).
    for name in book.sheetnames:
        last = list(book[name].iter_rows(min_row=4, values_only=True))[-1]
        assert last[0] == "合计" and list(last[1:]) == list(totals), name


def test_one_grouping_exports_one_sheet(web_app: WebApp, recorded: Any) -> None:
    reply = web_app.login("county").get("/exports/stats.xlsx", params={**YEAR, "by": "kind"})
    assert _filename(reply) == "学习统计_2026-01-01_2026-12-31_课堂类型.xlsx"
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["按课堂类型"]
    sheet = book.active
    assert [c.value for c in sheet[3]] == ["课堂类型", *COLUMNS]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["帐篷课堂"][0] == 1 and rows["集中学习"][0] == 1 and rows["合计"][0] == 2


def test_township_admin_exports_only_their_township(web_app: WebApp, recorded: Any) -> None:
    dahe = web_app.login("dahe")
    reply = dahe.get("/exports/stats.xlsx", params=YEAR)
    book = load_workbook(io.BytesIO(reply.content))
    sheet = book["按乡镇"]
    labels = [r[0] for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert labels == ["大河乡", "合计"]
    assert "大河乡" in sheet["A2"].value
    assert dahe.get("/exports/stats.xlsx", params={**YEAR, "township": MATI}).status_code == 404
    assert dahe.get("/exports/stats.csv", params={**YEAR, "township": MATI}).status_code == 404
    mati_session = recorded["mati"].session_id
    for suffix in ("xlsx", "csv"):
        reply = dahe.get(f"/exports/sessions/{mati_session}/sign-in.{suffix}")
        assert reply.status_code == 404
        assert "振兴牧民" not in reply.text


def test_statistics_csv_has_a_bom_and_opens_in_excel(web_app: WebApp, recorded: Any) -> None:
    reply = web_app.login("county").get("/exports/stats.csv", params={**YEAR, "by": "kind"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.content.startswith(b"\xef\xbb\xbf")
    assert _filename(reply) == "学习统计_2026-01-01_2026-12-31_课堂类型.csv"
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert rows[0] == ["课堂类型", *COLUMNS]
    assert {r[0] for r in rows[1:]} == {"帐篷课堂", "集中学习", "合计"}
    assert rows[-1][1] == "2"


def test_sign_in_sheet_lists_the_attendees(web_app: WebApp, recorded: Any) -> None:
    lecture = recorded["dahe"]
    county = web_app.login("county")
    reply = county.get(f"/exports/sessions/{lecture.session_id}/sign-in.xlsx")
    assert reply.status_code == 200
    assert _filename(reply) == "签到表_2026-03-03_帐篷课堂：党史学习.xlsx"
    sheet = load_workbook(io.BytesIO(reply.content)).active
    assert sheet["A1"].value == "帐篷课堂：党史学习 签到表"
    assert "大河乡" in sheet["A2"].value and "夏季牧场" in sheet["A2"].value
    headers = [c.value for c in sheet[3]]
    assert headers[:3] == ["序号", "姓名", "性别"] and headers[-1] == "本人签名"
    names = [r[1] for r in sheet.iter_rows(min_row=4, values_only=True)]
    # Four recorded, the last one unmarked: three attended.
    assert sorted(names) == ["学习牧民0", "学习牧民1", "学习牧民2"]
    statuses = {r[1]: r[8] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert statuses["学习牧民1"] == "迟到" and statuses["学习牧民0"] == "出席"
    assert sheet.column_dimensions["B"].width >= 10

    csv_reply = county.get(f"/exports/sessions/{lecture.session_id}/sign-in.csv")
    assert csv_reply.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_reply.content.decode("utf-8-sig"))))
    assert rows[0][1] == "姓名" and len(rows) == 4


def test_exports_in_english(web_app: WebApp, recorded: Any) -> None:
    reply = web_app.login("county").get("/exports/stats.csv", params={**YEAR, "lang": "en"})
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Township", "Sessions", "Participant-times"]
    assert rows[-1][0] == "Total"


def test_exports_page_links_to_the_files(web_app: WebApp) -> None:
    page = web_app.login("viewer").get("/exports", params=YEAR)
    assert page.status_code == 200
    assert "/exports/stats.xlsx?from=2026-01-01&amp;to=2026-12-31" in page.text
    assert web_app.login("county").get("/exports", params={"from": "bad"}).status_code == 400

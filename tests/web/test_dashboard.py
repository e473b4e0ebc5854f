"""The dashboard and its drill-down, through the app: figures from pushed lectures, the four
headline numbers, groupings, township → village → session, and who may see what."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import DAHE, MATI
from tests.server.lectures import VILLAGES, record_lecture
from tests.web.conftest import WebApp
from zhangye_desk.core import sessions as core_sessions
from zhangye_desk.server.db import read_transaction
from zhangye_desk.server.stats import statistics
from zhangye_desk.server.web import STATIC

MARCH = 1772500000  # 2026-03-03 09:06 CST
JUNE = 1780900000  # 2026-06-08
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


def headline(html: str) -> dict[str, str]:
    """The four headline figures as shown: {"sessions": "2", …}."""
    found = re.findall(
        r'data-figure="(\w+)">\s*<div class="label">[^<]*</div>\s*<div class="value">([^<]*)</div>',
        html,
    )
    return dict(found)


@pytest.fixture
def recorded(web_app: WebApp, app_laptop: Any) -> dict[str, Any]:
    """Two lectures in 大河乡 (March, June) and one in 马蹄乡 (March), pushed."""
    dahe = app_laptop(DAHE, "大河乡-笔记本-1")
    first = record_lecture(dahe.db, DAHE, title="帐篷课堂：党史学习", starts_at=MARCH)
    second = record_lecture(
        dahe.db, DAHE, title="马背课堂：草原防火", starts_at=JUNE, kind="horseback", attendees=5
    )
    assert dahe.push().status_code == 200
    mati = app_laptop(MATI, "马蹄乡-笔记本-1")
    third = record_lecture(mati.db, MATI, title="集中学习：乡村振兴", starts_at=MARCH, kind="study")
    assert mati.push().status_code == 200
    return {"dahe": [first, second], "mati": [third]}


def test_headline_figures_are_the_server_statistics(web_app: WebApp, recorded: Any) -> None:
    county = web_app.login("county")
    page = county.get("/", params=YEAR)
    assert page.status_code == 200
    with read_transaction(web_app.engine) as conn:
        expected = statistics(conn, *_year(), None, None)["totals"]
    shown = headline(page.text)
    assert shown["sessions"] == "3"
    assert shown["sessions"] == str(expected["sessions"])
    assert shown["participant_times"] == str(expected["participant_times"])
    assert shown["unique_participants"] == str(expected["unique_participants"])
    assert shown["participation_rate"] == f"{expected['participation_rate'] * 100:.1f}%"
    # A narrower period changes the figures: only the June lecture.
    june = headline(county.get("/", params={"from": "2026-06-01", "to": "2026-06-30"}).text)
    assert june["sessions"] == "1"


def _year() -> tuple[Any, Any]:
    from datetime import date

    return date(2026, 1, 1), date(2026, 12, 31)


@pytest.mark.parametrize("by", ["township", "organisation", "kind", "topic", "month"])
def test_each_grouping_has_a_table_and_chart_data(
    web_app: WebApp, recorded: Any, by: str
) -> None:
    county = web_app.login("county")
    page = county.get("/", params={**YEAR, "by": by})
    assert page.status_code == 200
    assert 'id="chart-data"' in page.text and 'id="stats-table"' in page.text
    data = county.get("/api/stats", params={**YEAR, "by": by}).json()
    assert sum(row["sessions"] for row in data["rows"]) >= 1
    for row in data["rows"]:
        assert row["label"] in page.text
    if by == "kind":
        assert {"帐篷课堂", "马背课堂", "集中学习"} <= {row["label"] for row in data["rows"]}
    if by == "month":
        assert [r["key"] for r in data["rows"]] == ["2026-03", "2026-06"]


def test_drill_down_from_township_to_one_session(web_app: WebApp, recorded: Any) -> None:
    county = web_app.login("county")
    dashboard = county.get("/", params=YEAR).text
    assert f'href="/townships/{DAHE}?' in dashboard
    township = county.get(f"/townships/{DAHE}", params=YEAR)
    assert township.status_code == 200
    assert headline(township.text)["sessions"] == "2"
    village = VILLAGES[DAHE]
    assert f"/townships/{DAHE}/villages/{village}?" in township.text
    listing = county.get(f"/townships/{DAHE}/villages/{village}", params=YEAR)
    assert "帐篷课堂：党史学习" in listing.text and "马背课堂：草原防火" in listing.text
    assert "大河乡-笔记本-1" in listing.text
    session_id = recorded["dahe"][0].session_id
    assert f"/sessions/{session_id}" in listing.text
    page = county.get(f"/sessions/{session_id}")
    assert page.status_code == 200
    text = page.text
    assert "夏季牧场" in text  # the place name
    assert "大河乡-笔记本-1" in text  # which laptop
    assert "学习牧民0" in text and "学习牧民1" in text  # attendees (the third was unmarked)
    assert "学习牧民2" not in text
    assert "迟到" in text  # one was late
    assert "（电脑上自行添加的资料）" in text  # a material the server has never seen
    assert "签到人员（2 人）" in text


def test_session_page_shows_coordinates(web_app: WebApp, app_laptop: Any) -> None:
    laptop = app_laptop(DAHE)
    session_id = core_sessions.create_session(
        laptop.db, kind="tent", title="冬窝子宣讲", township_code=DAHE, starts_at=MARCH,
        place_name="冬窝子", latitude=38.81234, longitude=99.61789,
    )  # fmt: skip
    assert laptop.push().status_code == 200
    page = web_app.login("dahe").get(f"/sessions/{session_id}")
    assert "38.81234, 99.61789" in page.text
    assert "冬窝子" in page.text


def test_township_admin_sees_only_their_township(web_app: WebApp, recorded: Any) -> None:
    dahe = web_app.login("dahe")
    data = dahe.get("/api/stats", params=YEAR).json()
    assert data["township"] == DAHE
    assert data["totals"]["sessions"] == 2
    assert [row["key"] for row in data["rows"]] == [DAHE]
    assert headline(dahe.get("/", params=YEAR).text)["sessions"] == "2"
    mati_session = recorded["mati"][0].session_id
    for url in (
        f"/townships/{MATI}",
        f"/townships/{MATI}/villages/{VILLAGES[MATI]}",
        f"/sessions/{mati_session}",
        f"/?township={MATI}",
    ):
        reply = dahe.get(url, params=YEAR if "?" not in url else None)
        assert reply.status_code == 404, url
        assert "乡村振兴" not in reply.text
        assert "找不到" in reply.text
    reply = dahe.get("/api/stats", params={**YEAR, "township": MATI})
    assert reply.status_code == 404
    assert reply.json()["error"] == "not_found"
    assert "totals" not in reply.json()
    # The county admin sees both, and may pick one.
    county = web_app.login("county")
    assert county.get("/api/stats", params=YEAR).json()["totals"]["sessions"] == 3
    only_mati = county.get("/api/stats", params={**YEAR, "township": MATI}).json()
    assert only_mati["totals"]["sessions"] == 1
    assert county.get(f"/sessions/{mati_session}").status_code == 200


def test_viewer_reads_the_dashboard(web_app: WebApp, recorded: Any) -> None:
    viewer = web_app.login("viewer")
    assert headline(viewer.get("/", params=YEAR).text)["sessions"] == "3"


def test_bad_filters_get_a_chinese_message_and_english_on_request(web_app: WebApp) -> None:
    county = web_app.login("county")
    reply = county.get("/", params={"from": "2026-13-01"})
    assert reply.status_code == 400
    assert "日期格式不对" in reply.text
    reply = county.get("/", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert reply.status_code == 400 and "结束日期早于开始日期" in reply.text
    reply = county.get("/", params={"by": "weather"})
    assert reply.status_code == 400
    english = county.get("/", params={"from": "2026-13-01", "lang": "en"})
    assert "The date is not valid" in english.text
    # The choice is remembered.
    assert "Attendance statistics" in county.get("/").text
    assert "学习统计" in county.get("/", params={"lang": "zh_CN"}).text


def test_unknown_session_is_not_found(web_app: WebApp) -> None:
    reply = web_app.login("county").get("/sessions/nope")
    assert reply.status_code == 404 and "找不到" in reply.text


def test_echarts_is_served_locally_with_its_licence(web_app: WebApp) -> None:
    readme = (STATIC / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256((STATIC / "echarts.min.js").read_bytes()).hexdigest()
    assert digest in readme and "6.1.0" in readme
    for name in ("ECHARTS-LICENSE", "ECHARTS-NOTICE", "ECHARTS-LICENSE-d3"):
        assert (STATIC / name).stat().st_size > 0
    client = web_app.anonymous()
    script = client.get("/static/echarts.min.js")
    assert script.status_code == 200
    assert script.content == (STATIC / "echarts.min.js").read_bytes()
    page = web_app.login("county").get("/")
    assert '<script src="/static/echarts.min.js"></script>' in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text


def test_static_files_need_no_login_but_pages_do(web_app: WebApp) -> None:
    client = web_app.anonymous()
    assert client.get("/static/app.css").status_code == 200
    reply = client.get("/?from=2026-01-01", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/login?next=%2F%3Ffrom%3D2026-01-01")
    assert Path(STATIC).is_dir()


def test_figures_follow_new_pushes_and_roster_edits(web_app: WebApp, app_laptop: Any) -> None:
    """The dashboard keeps computed figures (StatsCache): they must still change the moment a
    laptop pushes or an admin edits the roster."""
    from zhangye_desk.server import service

    county = web_app.login("county")
    laptop = app_laptop(DAHE)
    lecture = record_lecture(laptop.db, DAHE, starts_at=MARCH)
    assert laptop.push().status_code == 200
    first = county.get("/api/stats", params=YEAR).json()["totals"]
    assert county.get("/api/stats", params=YEAR).json()["totals"] == first  # from the cache
    record_lecture(laptop.db, DAHE, title="马背课堂：草原防火", starts_at=JUNE)
    assert laptop.push().status_code == 200
    second = county.get("/api/stats", params=YEAR).json()["totals"]
    assert second["sessions"] == first["sessions"] + 1
    # An admin makes an attendee a Party member: the participation figures change.
    masses = lecture.people[1]  # record_lecture: odd ones are not members
    with web_app.conn() as conn:
        service.upsert_person(conn, {"id": masses, "political_status": "member"}, actor="t")
    third = county.get("/api/stats", params=YEAR).json()["totals"]
    assert third["party_members"] == second["party_members"] + 1
    assert third["party_members_attended"] == second["party_members_attended"] + 1


def test_language_link_keeps_the_filters(web_app: WebApp) -> None:
    county = web_app.login("county")
    page = county.get("/", params={"from": "2026-03-01", "to": "2026-03-31", "by": "kind"})
    assert 'href="/?from=2026-03-01&amp;to=2026-03-31&amp;by=kind&amp;lang=en"' in page.text
    english = county.get("/?from=2026-03-01&to=2026-03-31&by=kind&lang=en")
    assert "By session kind" in english.text
    assert 'value="2026-03-01"' in english.text

"""A refusal from the service layer reaches the admin pages as a calm Chinese (or English)
text chosen by its code or field (server/error_texts.py), never as the English message."""

from __future__ import annotations

from collections.abc import Callable

from tests.server.conftest import DAHE, Laptop
from tests.web.conftest import WebApp
from tests.web.test_admin_pages import add_person, hard_conflict, upload


def test_merging_a_person_into_themselves_says_so_in_chinese(web_app: WebApp) -> None:
    person_id = add_person(web_app)
    dahe = web_app.login("dahe")
    reply = dahe.post("/admin/duplicates/merge", {"loser": person_id, "winner": person_id})
    assert reply.status_code == 303
    page = dahe.get(reply.headers["location"]).text
    assert "不能把一个人合并到他自己" in page
    assert "merged into themselves" not in page


def test_a_conflict_sent_without_a_choice_asks_for_one(
    web_app: WebApp, app_laptop: Callable[..., Laptop]
) -> None:
    _, item = hard_conflict(web_app, app_laptop(DAHE))
    dahe = web_app.login("dahe")
    reply = dahe.post(f"/admin/conflicts/{item}/resolve", {"note": "电话核实"})
    assert reply.status_code == 400
    assert "请为每一个有冲突的项目选择要保留的内容" in reply.text
    assert "choose a value" not in reply.text
    wrong = dahe.post(f"/admin/conflicts/{item}/resolve", {"choice.phone": "mine"})
    assert wrong.status_code == 400 and "所选的内容不属于这条冲突" in wrong.text


def test_a_topic_too_long_is_named_in_the_users_language(web_app: WebApp) -> None:
    dahe = web_app.login("dahe")
    form = {"title": "草原防火", "topic": "安" * 101, "language": "zh", "township": DAHE}
    files = {"upload": ("草原防火.pdf", b"%PDF-1.4 lecture", "application/pdf")}
    reply = upload(dahe, "/admin/materials/upload", files, form)
    assert reply.status_code == 400
    assert "主题最多 100 字" in reply.text
    assert "longer than" not in reply.text
    dahe.get("/admin/materials", params={"lang": "en"})
    reply = upload(dahe, "/admin/materials/upload", files, form)
    assert "The topic may have at most 100 characters" in reply.text

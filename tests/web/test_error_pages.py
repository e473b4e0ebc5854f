"""Errors outside the pages' own handling: an address with no page, a method a page does not
take, an upload over its limit. A browser gets the error page in its language, saying what to
do; the sync protocol (``/v1/``) and the pages' JSON (``/api/``) keep their JSON answers."""

from __future__ import annotations

from collections.abc import Iterator

from .conftest import WebApp

GIB = 1024 * 1024 * 1024


def declared(size: int) -> dict[str, str]:
    """Headers of a form post that says it is ``size`` bytes long (the body is never read)."""
    return {
        "Content-Length": str(size),
        "Content-Type": "multipart/form-data; boundary=x",
    }


def one_byte() -> Iterator[bytes]:
    yield b"x"


def test_an_unknown_address_is_a_chinese_page_and_english_on_request(web_app: WebApp) -> None:
    browser = web_app.anonymous()
    reply = browser.get("/no/such/page")
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("text/html")
    assert "没有这个页面" in reply.text and "回到首页" in reply.text
    assert '<a href="/">' in reply.text

    reply = browser.get("/admin/no-such-page", params={"lang": "en"})
    assert reply.status_code == 404
    assert "There is no such page" in reply.text
    assert "没有这个页面" not in reply.text
    # The language is remembered for the next page, as for every other page.
    assert "There is no such page" in browser.get("/static/no-such-file.css").text


def test_a_method_a_page_does_not_take_is_a_page_too(web_app: WebApp) -> None:
    county = web_app.login("county")
    reply = county.client.put("/admin/roster")
    assert reply.status_code == 405
    assert reply.headers["content-type"].startswith("text/html")
    assert "405" in reply.text and "回到首页" in reply.text
    assert "GET" in reply.headers["allow"]


def test_the_sync_protocol_and_the_page_api_keep_their_json(web_app: WebApp) -> None:
    browser = web_app.anonymous()
    for url in ("/v1/no-such-route", "/v1", "/wrong/v1/sync/info", "/api/no-such-route"):
        reply = browser.get(url)
        assert reply.status_code == 404, url
        assert reply.json() == {"protocol": 1, "error": "not_found", "detail": "Not Found"}, url


def test_a_roster_over_20_mib_is_refused_with_a_page_saying_what_to_do(web_app: WebApp) -> None:
    county = web_app.login("county")
    reply = county.client.post(
        "/admin/roster/preview",
        content=one_byte(),
        headers=declared(20 * 1024 * 1024 + 1),
    )
    assert reply.status_code == 413
    assert reply.headers["content-type"].startswith("text/html")
    assert "文件太大" in reply.text and "20 MB" in reply.text
    assert "分成几个文件" in reply.text


def test_a_material_over_2_gib_is_refused_in_the_users_language(web_app: WebApp) -> None:
    county = web_app.login("county")
    county.get("/admin/materials", params={"lang": "en"})  # remembered in a cookie
    reply = county.client.post(
        "/admin/materials/upload", content=one_byte(), headers=declared(2 * GIB + 1)
    )
    assert reply.status_code == 413
    assert "too large (at most 2048 MB)" in reply.text
    assert "split it into parts" in reply.text
    # Under its own limit an upload is not refused for its size (here: the body is not a
    # form, which the route answers itself).
    reply = county.client.post("/admin/materials/upload", content=one_byte(), headers=declared(1))
    assert reply.status_code != 413


def test_a_push_over_the_limit_still_answers_the_protocols_json(web_app: WebApp) -> None:
    limit = web_app.server.settings.max_request_bytes
    reply = web_app.anonymous().post(
        "/v1/sync/push", content=one_byte(), headers=declared(limit + 1)
    )
    assert reply.status_code == 413
    assert reply.json()["error"] == "too_large"

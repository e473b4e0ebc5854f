"""Accounts and access: sign-in, session cookies, expiry, CSRF, rate limiting, roles."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from tests.web.conftest import ADMINS, PASSWORD, WebApp
from zhangye_desk.server.db import admin_user, login_failure, web_session
from zhangye_desk.server.web import ROUTERS
from zhangye_desk.server.web.security import (
    MAX_FAILURES_PER_CLIENT,
    MAX_FAILURES_PER_NAME,
    RATE_WINDOW_S,
    SESSION_COOKIE,
    SESSION_IDLE_S,
    hash_token,
)


def _try_login(web_app: WebApp, name: str, password: str, client=None):  # type: ignore[no-untyped-def]
    client = client or web_app.anonymous()
    client.get("/login")
    return client, client.post(
        "/login",
        data={"name": name, "password": password,
              "csrf_token": client.cookies.get("zd_login_csrf") or ""},
        follow_redirects=False,
    )  # fmt: skip


def test_sign_in_sets_a_safe_cookie_and_stores_only_its_hash(web_app: WebApp) -> None:
    client, reply = _try_login(web_app, "county", PASSWORD)
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    cookie = reply.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http on 127.0.0.1
    token = client.cookies.get(SESSION_COOKIE)
    with web_app.conn() as conn:
        rows = conn.execute(select(web_session)).mappings().all()
        stored = conn.execute(select(admin_user.c.password_hash)).scalars().all()
    assert [r["token_hash"] for r in rows] == [hash_token(token)]
    assert all(token not in str(dict(r)) for r in rows)
    assert all(h.startswith("$argon2id$") for h in stored)
    page = client.get("/")
    assert page.status_code == 200 and "county · 县级管理员" in page.text


def test_secure_cookie_over_https(web_app: WebApp) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(web_app.app, base_url="https://testserver")
    client.get("/login")
    reply = client.post(
        "/login",
        data={"name": "county", "password": PASSWORD,
              "csrf_token": client.cookies.get("zd_login_csrf") or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 303
    assert "Secure" in reply.headers["set-cookie"]


def test_wrong_password_is_refused_in_chinese(web_app: WebApp) -> None:
    client, reply = _try_login(web_app, "county", "wrong-password")
    assert reply.status_code == 401
    assert "用户名或密码不对" in reply.text
    assert SESSION_COOKIE not in client.cookies
    _, unknown = _try_login(web_app, "nobody", PASSWORD)
    assert unknown.status_code == 401 and "用户名或密码不对" in unknown.text


def test_login_form_needs_its_csrf_token(web_app: WebApp) -> None:
    client = web_app.anonymous()
    client.get("/login")
    reply = client.post(
        "/login", data={"name": "county", "password": PASSWORD}, follow_redirects=False
    )
    assert reply.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_next_goes_back_but_never_off_site(web_app: WebApp) -> None:
    client = web_app.anonymous()
    client.get("/login")
    token = client.cookies.get("zd_login_csrf")
    cases = [
        ("/exports?from=2026-01-01", "/exports?from=2026-01-01"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
    ]
    for target, expected in cases:
        reply = client.post(
            "/login",
            data={"name": "county", "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert reply.headers["location"] == expected


def test_rate_limit_per_name_then_the_window_passes(web_app: WebApp) -> None:
    for _ in range(MAX_FAILURES_PER_NAME):
        _, reply = _try_login(web_app, "dahe", "wrong-password")
        assert reply.status_code == 401
    # Even the right password is refused now, with a message saying when to try again.
    client, reply = _try_login(web_app, "dahe", PASSWORD)
    assert reply.status_code == 429
    assert "登录失败次数太多，请 15 分钟后再试" in reply.text
    assert SESSION_COOKIE not in client.cookies
    # Other accounts are not locked out by it.
    assert _try_login(web_app, "mati", PASSWORD)[1].status_code == 303
    web_app.clock.advance(RATE_WINDOW_S + 1)
    assert _try_login(web_app, "dahe", PASSWORD)[1].status_code == 303
    with web_app.conn() as conn:  # a success forgets the name's failures
        names = conn.execute(select(login_failure.c.name)).scalars().all()
    assert "dahe" not in names


def test_rate_limit_per_client_address(web_app: WebApp) -> None:
    for index in range(MAX_FAILURES_PER_CLIENT):
        _, reply = _try_login(web_app, f"guess{index}", "wrong-password")
        assert reply.status_code == 401
    _, reply = _try_login(web_app, "county", PASSWORD)
    assert reply.status_code == 429


def test_session_ends_when_idle_and_at_sign_out(web_app: WebApp) -> None:
    county = web_app.login("county")
    web_app.clock.advance(SESSION_IDLE_S - 120)
    assert county.get("/").status_code == 200  # activity keeps it alive
    web_app.clock.advance(SESSION_IDLE_S - 120)
    assert county.get("/").status_code == 200
    web_app.clock.advance(SESSION_IDLE_S + 1)
    reply = county.get("/", follow_redirects=False)
    assert reply.status_code == 303 and "expired=1" in reply.headers["location"]
    login_page = county.get(reply.headers["location"])
    assert "登录已过期，请重新登录" in login_page.text

    viewer = web_app.login("viewer")
    reply = viewer.post("/logout")
    assert reply.status_code == 303 and reply.headers["location"] == "/login"
    assert "已退出" in viewer.get("/login").text
    assert viewer.get("/", follow_redirects=False).status_code == 303
    with web_app.conn() as conn:
        assert conn.execute(select(web_session.c.admin_id)).first() is None


def test_a_disabled_admin_is_signed_out_at_once(web_app: WebApp) -> None:
    mati = web_app.login("mati")
    with web_app.conn() as conn:
        conn.execute(update(admin_user).where(admin_user.c.name == "mati").values(disabled_at=1))
    assert mati.get("/", follow_redirects=False).status_code == 303
    assert mati.get("/api/stats").status_code == 401
    assert _try_login(web_app, "mati", PASSWORD)[1].status_code == 401


def test_post_without_csrf_token_is_refused_and_changes_nothing(web_app: WebApp) -> None:
    county = web_app.login("county")
    reply = county.post("/logout", csrf=False)
    assert reply.status_code == 403
    assert "表单已失效" in reply.text
    reply = county.post("/logout", {"csrf_token": "forged"})
    assert reply.status_code == 403
    assert county.get("/").status_code == 200  # still signed in
    # The header works as well as the form field.
    reply = county.client.post(
        "/logout", headers={"X-CSRF-Token": county.csrf_token}, follow_redirects=False
    )
    assert reply.status_code == 303


def test_json_answers_401_pages_redirect(web_app: WebApp) -> None:
    client = web_app.anonymous()
    reply = client.get("/api/stats")
    assert reply.status_code == 401 and reply.json()["error"] == "unauthorized"
    reply = client.get("/exports/stats.xlsx", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/login?next=")


def _web_post_routes() -> list[str]:
    paths = []
    for router in ROUTERS:
        for route in router.routes:
            methods = getattr(route, "methods", set())
            if "POST" in methods and route.path not in ("/login", "/logout"):
                paths.append(re.sub(r"\{[^}]+\}", "x", route.path))
    return sorted(set(paths))


def test_every_form_post_needs_a_session_an_editor_and_the_csrf_token(web_app: WebApp) -> None:
    """Every POST route of every page module (H7b's included): anonymous → sign in, without
    the token → 403, a viewer (with the token) → 403."""
    anonymous = web_app.anonymous()
    viewer = web_app.login("viewer")
    county = web_app.login("county")
    paths = _web_post_routes()
    assert paths, "the page modules have form posts"
    for path in paths:
        reply = anonymous.post(path, data={}, follow_redirects=False)
        assert reply.status_code in (303, 401), path
        assert county.post(path, {}, csrf=False).status_code == 403, path
        reply = viewer.post(path, {})
        assert reply.status_code == 403, path
        assert "没有这项操作的权限" in reply.text, path


def test_roles_are_shown_in_chinese_and_english(web_app: WebApp) -> None:
    for name, account in ADMINS.items():
        page = web_app.login(name).get("/?lang=en")
        role = {"county": "County admin", "township": "Township admin", "viewer": "Viewer"}
        assert f"{name} · {role[account.role]}" in page.text


def test_pages_refuse_framing_and_foreign_scripts(web_app: WebApp) -> None:
    for reply in (web_app.anonymous().get("/login"), web_app.login("county").get("/")):
        policy = reply.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert reply.headers["x-frame-options"] == "DENY"
        assert reply.headers["x-content-type-options"] == "nosniff"

"""Fixtures for the web pages (issue 7).

- ``web_app``: the app behind ``fastapi.testclient`` on a fresh SQLite file (the server tests'
  ``ServerUnderTest``, with its movable clock) and one admin of each role (``ADMINS``).
  ``web_app.login("dahe")`` gives a signed-in ``WebClient`` (``.get``/``.post`` with the CSRF
  token added to form posts unless ``csrf=False``).
- ``web_server``: the REAL server in a subprocess on 127.0.0.1 port 0 (the integration tests'
  ``ServerProcess``) on a fresh SQLite file, with the same admins; ``.url``, ``.engine``.
- ``browser`` (session-scoped): Playwright's Chromium from Debian's ``chromium`` package,
  headless. ``page``: a fresh 1366×768 context and page that accepts downloads.
- ``login(page, base_url, name)``: signs in through the login form.
- ``screenshot(page, name)``: docs/screenshots/web-<name>.png (with ZHANGYE_SCREENSHOTS=1).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Connection, Engine, select

from tests.integration.conftest import ServerProcess
from tests.server.conftest import (
    DAHE,
    MATI,
    Creds,
    Laptop,
    ServerUnderTest,
    new_client_store,
)
from zhangye_desk.core.store import replica_id
from zhangye_desk.server.auth import create_admin
from zhangye_desk.server.db import create_engine_for, web_session, write_transaction
from zhangye_desk.server.dbadmin import init_db
from zhangye_desk.server.web.security import SESSION_COOKIE, hash_token

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-9"


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    township_code: str | None


# name → account; every one has the password PASSWORD.
ADMINS: dict[str, Account] = {
    "county": Account("county", "county", None),
    "dahe": Account("dahe", "township", DAHE),  # 大河乡
    "mati": Account("mati", "township", MATI),  # 马蹄藏族乡
    "viewer": Account("viewer", "viewer", None),
}


def create_admins(conn: Connection) -> None:
    for account in ADMINS.values():
        create_admin(
            conn, account.name, PASSWORD, role=account.role, township_code=account.township_code
        )


class WebClient:
    """A TestClient signed in as one admin; form posts carry the session's CSRF token."""

    def __init__(self, client: TestClient, csrf_token: str) -> None:
        self.client = client
        self.csrf_token = csrf_token

    def get(self, url: str, **kw: Any) -> Response:
        return self.client.get(url, **kw)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any
    ) -> Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf_token)
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, **kw)


class WebApp:
    def __init__(self, server: ServerUnderTest) -> None:
        self.server = server
        self.app = server.app
        self.engine: Engine = server.engine
        self.clock = server.clock

    @contextlib.contextmanager
    def conn(self) -> Iterator[Connection]:
        with write_transaction(self.engine) as conn:
            yield conn

    def anonymous(self) -> TestClient:
        return TestClient(self.app)

    def login(self, name: str, password: str = PASSWORD) -> WebClient:
        client = TestClient(self.app)
        client.get("/login")
        reply = client.post(
            "/login",
            data={
                "name": name,
                "password": password,
                "csrf_token": client.cookies.get("zd_login_csrf") or "",
            },
            follow_redirects=False,
        )
        assert reply.status_code == 303, reply.text
        token = client.cookies.get(SESSION_COOKIE)
        assert token
        with self.conn() as conn:
            csrf = conn.execute(
                select(web_session.c.csrf_token).where(
                    web_session.c.token_hash == hash_token(token)
                )
            ).scalar_one()
        return WebClient(client, csrf)


@pytest.fixture
def web_app(tmp_path: Path) -> WebApp:
    server = ServerUnderTest(f"sqlite:///{tmp_path / 'web-app.sqlite3'}", tmp_path / "app-files")
    with server.conn() as conn:
        create_admins(conn)
    return WebApp(server)


@pytest.fixture
def app_laptop(web_app: WebApp, tmp_path: Path) -> Iterator[Any]:
    """``app_laptop(township)``: a real client store enrolled on ``web_app`` whose ops are
    pushed through the TestClient (tests/server's ``Laptop``: record with tests.server.lectures
    or core's functions, then ``.push()``)."""
    stores: list[Any] = []

    def make(township_code: str = DAHE, name: str = "笔记本") -> Laptop:
        db = new_client_store(tmp_path / f"app-laptop{len(stores)}")
        stores.append(db)
        reply = web_app.server.client.post(
            "/v1/devices",
            json={"code": web_app.server.code(township_code), "name": name,
                  "replica_id": replica_id(db)},
        )  # fmt: skip
        assert reply.status_code == 201, reply.text
        data = reply.json()
        creds = Creds(data["device_id"], data["secret"], data["township_code"])
        return Laptop(db, web_app.server, creds)

    yield make
    for db in stores:
        db.close()


@dataclass
class WebServer:
    url: str
    db_url: str
    files: Path
    engine: Engine
    process: ServerProcess

    def conn(self) -> contextlib.AbstractContextManager[Connection]:
        return write_transaction(self.engine)


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[WebServer]:
    url = f"sqlite:///{tmp_path / 'web-server.sqlite3'}"
    init_db(url)
    engine = create_engine_for(url)
    with write_transaction(engine) as conn:
        create_admins(conn)
    files = tmp_path / "server-files"
    files.mkdir()
    process = ServerProcess(url, files, tmp_path)
    base = process.start()
    try:
        yield WebServer(base, url, files, engine, process)
    finally:
        process.kill()
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN"
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def login(page: Any, base_url: str, name: str, password: str = PASSWORD) -> None:
    """Sign in through the form; ends on the dashboard (or the ``next`` page)."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def screenshot(page: Any, name: str) -> Path:
    """docs/screenshots/web-<name>.png with ZHANGYE_SCREENSHOTS=1 (as the desktop tests do);
    otherwise a temporary folder, so a test run leaves the checkout as it was."""
    if os.environ.get("ZHANGYE_SCREENSHOTS") == "1":
        folder = SCREENSHOTS
    else:
        folder = Path(tempfile.gettempdir()) / "zhangye-web-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"web-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path

"""Server test fixtures: a real database (SQLite file, or a fresh PostgreSQL database) migrated
through Alembic, the app behind ``fastapi.testclient``, a clock the test moves, and laptops:
real client stores (``core``) whose outbox ops are pushed in the documented wire form.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Connection, select
from sqlite_utils import Database

# The PostgreSQL harness's helpers (its fixtures are registered in tests/conftest.py).
from tests.pgcluster import PgCluster, create_database, drop_database
from tests.server import wire
from zhangye_desk.core import outbox
from zhangye_desk.core.directory import load_directory
from zhangye_desk.core.store import open_db, replica_id, transaction
from zhangye_desk.server import dbadmin
from zhangye_desk.server.app import create_app
from zhangye_desk.server.auth import create_enrol_code
from zhangye_desk.server.db import write_transaction
from zhangye_desk.server.settings import Settings

DAHE = "620721203"  # 大河乡
MATI = "620721200"  # 马蹄藏族乡
START = 1767225600.5  # 2026-01-01 00:00:00.5 UTC


class Clock:
    """The server's clock, moved by the test (expiry, horizons) instead of sleeping."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Creds:
    device_id: str
    secret: str
    township_code: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.device_id}.{self.secret}"}


class ServerUnderTest:
    """One initialised database, the app on it and a TestClient."""

    def __init__(self, url: str, files_dir: Path, *, initialised: bool = False) -> None:
        self.url = url
        if not initialised:
            dbadmin.init_db(url)
        self.clock = Clock()
        self.settings = Settings(db_url=url, files_dir=files_dir, max_request_bytes=256 * 1024)
        self.app = create_app(self.settings, clock=self.clock)
        self.engine = self.app.state.engine
        self.client = TestClient(self.app)

    @contextlib.contextmanager
    def conn(self) -> Iterator[Connection]:
        with write_transaction(self.engine) as conn:
            yield conn

    def rows(self, table: Any, *where: Any) -> list[dict[str, Any]]:
        with self.conn() as conn:
            return [dict(r) for r in conn.execute(select(table).where(*where)).mappings()]

    def code(self, township_code: str = DAHE, ttl_s: int = 3600) -> str:
        with self.conn() as conn:
            return create_enrol_code(conn, township_code, ttl_s, now=int(self.clock()))

    def enrol(
        self, township_code: str = DAHE, *, name: str = "笔记本", replica: str | None = None
    ) -> Creds:
        body: dict[str, Any] = {"code": self.code(township_code), "name": name}
        if replica is not None:
            body["replica_id"] = replica
        reply = self.client.post("/v1/devices", json=body)
        assert reply.status_code == 201, reply.text
        data = reply.json()
        return Creds(data["device_id"], data["secret"], data["township_code"])

    def push_document(
        self, creds: Creds, document: dict[str, Any], *, gzipped: bool = True
    ) -> Response:
        if gzipped:
            content = wire.gzip_json(document)
            headers = {**creds.headers, "Content-Encoding": "gzip"}
        else:
            content = json.dumps(document, ensure_ascii=False).encode("utf-8")
            headers = creds.headers
        headers["Content-Type"] = "application/json"
        return self.client.post("/v1/sync/push", content=content, headers=headers)

    def pull(self, creds: Creds, **params: Any) -> Response:
        return self.client.get("/v1/sync/pull", params=params, headers=creds.headers)

    def pull_all(self, creds: Creds, cursor: str = "", limit: int = 200) -> tuple[list[Any], str]:
        changes: list[Any] = []
        while True:
            reply = self.pull(creds, cursor=cursor, limit=limit)
            assert reply.status_code == 200, reply.text
            page = reply.json()
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["more"]:
                return changes, cursor

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


@dataclass
class Laptop:
    """A real client store enrolled on the server: it makes ops with core's functions and
    pushes them as the sync engine would (acknowledging what the server acked)."""

    db: Database
    server: ServerUnderTest
    creds: Creds
    acked_through: int = 0
    replies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def replica(self) -> str:
        return replica_id(self.db)

    def pending(self) -> list[outbox.Op]:
        return outbox.pending(self.db)

    def document(self, ops: list[outbox.Op] | None = None, *, prev: int | None = None) -> dict:
        return wire.batch(
            self.pending() if ops is None else ops,
            replica_id=self.replica,
            device_id=self.creds.device_id,
            prev=self.acked_through if prev is None else prev,
        )

    def push(self, ops: list[outbox.Op] | None = None, *, prev: int | None = None) -> Response:
        """Push ``ops`` (default: everything pending); a 200 acknowledges them locally."""
        reply = self.server.push_document(self.creds, self.document(ops, prev=prev))
        if reply.status_code == 200:
            data = reply.json()
            self.replies.append(data)
            self.acked_through = data["acked_through"]
            with transaction(self.db):
                outbox.mark_acked(self.db, data["acked_through"])
        return reply


def new_client_store(folder: Path) -> Database:
    folder.mkdir(parents=True, exist_ok=True)
    db = open_db(folder / "laptop.sqlite3")
    # Test speed only: every core call commits, and a throwaway store needs no fsync.
    db.execute("PRAGMA synchronous = OFF")
    load_directory(db)
    return db


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One initialised SQLite server database, copied for each test (init_db takes ~0.4 s:
    every commit is fsync'd)."""
    path = tmp_path_factory.mktemp("template") / "server.sqlite3"
    dbadmin.init_db(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """An initialised SQLite server database of this test's own."""
    path = tmp_path / "server.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster: PgCluster) -> str:
    """An initialised PostgreSQL server database that each test's database is cloned from."""
    name = f"template_{uuid.uuid4().hex[:12]}"
    create_database(postgres_cluster.url(), name)
    dbadmin.init_db(postgres_cluster.url(name))  # disposes of its engine: cloning needs that
    return name


@pytest.fixture
def initialised_postgres_url(
    postgres_cluster: PgCluster,
    postgres_template: str,
) -> Iterator[str]:
    """An initialised PostgreSQL server database of this test's own."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = postgres_cluster.url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield postgres_cluster.url(name)
    finally:
        drop_database(admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """An initialised server database: SQLite, or PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "initialised_postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[ServerUnderTest]:
    running = ServerUnderTest(sqlite_url, tmp_path / "files", initialised=True)
    yield running
    running.close()


@pytest.fixture
def any_server(any_db_url: str, tmp_path: Path) -> Iterator[ServerUnderTest]:
    """The same tests on SQLite and on PostgreSQL."""
    running = ServerUnderTest(any_db_url, tmp_path / "files", initialised=True)
    yield running
    running.close()


@pytest.fixture
def make_laptop(tmp_path: Path) -> Iterator[Callable[..., Laptop]]:
    stores: list[Database] = []

    def make(server: ServerUnderTest, township_code: str = DAHE) -> Laptop:
        db = new_client_store(tmp_path / f"laptop{len(stores)}")
        stores.append(db)
        creds = server.enrol(township_code, replica=replica_id(db))
        return Laptop(db, server, creds)

    yield make
    for db in stores:
        db.close()


@pytest.fixture
def laptop(server: ServerUnderTest, make_laptop: Callable[..., Laptop]) -> Laptop:
    return make_laptop(server)


def gunzip_json(content: bytes) -> Any:
    return json.loads(gzip.decompress(content))

"""Fixtures for the sync fault-injection tests: the REAL server in a subprocess, laptops, checks.

``central`` is a server database (SQLite file or a fresh PostgreSQL database from
tests/pgcluster.py: every server test runs on both) with a roster and a running server process
(``python -m zhangye_desk.server.cli serve --port 0 --ready-file F``, the ready file polled,
never a fixed port or a sleep) that a test may SIGKILL and start again. ``proxy`` is a
``FaultProxy`` in front of it. ``laptop`` makes enrolled laptop stores that sync through the
proxy with small batches and short timeouts, so a few hundred ops make many batches and a
fault costs a fraction of a second.

Every case ends with ``assert_synced``: each op created on the laptop is on the server
exactly once (op_log by key and hash, nothing extra for the device), and the laptop's totals
equal the server's for everything the device pushed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlite_utils import Database

from zhangye_desk.core import attendance, sessions, status
from zhangye_desk.core.store import OpenStore, open_store
from zhangye_desk.paths import DataPaths
from zhangye_desk.sync.engine import Receipt, SyncOptions, enrol, sync

from .faultproxy import FaultProxy

REPO = Path(__file__).resolve().parents[2]
TOWNSHIP = "620721203"  # 大河乡
READY_TIMEOUT_S = 60.0

# Small batches and short waits: many batches from few ops, faults cost little time.
FAST = SyncOptions(
    connect_timeout=2.0,
    stall_timeout=2.0,
    backoff_base_s=0.02,
    backoff_cap_s=0.5,
    max_failures=30,
    batch_start=600,
    batch_min=300,
    batch_max=1200,
    pull_limit=50,
    backup=True,
)


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class ServerProcess:
    """``zhangye-server serve`` as a child process on a free port."""

    def __init__(self, db_url: str, files: Path, workdir: Path) -> None:
        self.db_url = db_url
        self.files = files
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.starts = 0

    def start(self) -> str:
        self.starts += 1
        ready = self.workdir / f"ready-{self.starts}"
        log = (self.workdir / f"server-{self.starts}.log").open("wb")
        command = [
            sys.executable, "-m", "zhangye_desk.server.cli", "serve", "--db", self.db_url,
            "--port", "0", "--ready-file", str(ready), "--files", str(self.files),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=server_env(), cwd=REPO
        )
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if ready.exists():
                self.url = ready.read_text(encoding="utf-8").strip()
                if self.url:
                    return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.02)  # a poll interval, not a guess at the start-up time
        output = (self.workdir / f"server-{self.starts}.log").read_text(errors="replace")
        self.kill()
        raise RuntimeError(f"the server did not become ready:\n{output[-3000:]}")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, exactly like a power cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None


@dataclass
class Central:
    """The server side of a test: its database, files, process and direct SQL access."""

    db_url: str
    files: Path
    engine: Engine
    server: ServerProcess
    people: list[str] = field(default_factory=list)

    def enrol_code(self, township: str = TOWNSHIP) -> str:
        from zhangye_desk.server.auth import create_enrol_code
        from zhangye_desk.server.db import write_transaction

        with write_transaction(self.engine) as conn:
            return create_enrol_code(conn, township, 3600)

    def add_people(self, count: int, township: str = TOWNSHIP) -> list[str]:
        from zhangye_desk.server import service
        from zhangye_desk.server.db import write_transaction

        surnames = "安钟贺郭兰杜妥常索顾"
        ids = []
        with write_transaction(self.engine) as conn:
            for index in range(count):
                row = service.upsert_person(
                    conn,
                    {
                        "name": surnames[index % 10] + f"测试{index}",
                        "township_code": township,
                        "birth_year": 1950 + index % 50,
                        "political_status": "member" if index % 3 == 0 else "masses",
                    },
                    actor="test",
                )
                ids.append(row["id"])
        self.people.extend(ids)
        return ids

    def publish(self, path: Path, title: str, priority: int = 0) -> dict[str, Any]:
        from zhangye_desk.server import service
        from zhangye_desk.server.db import write_transaction

        with write_transaction(self.engine) as conn:
            return service.publish_material(conn, self.files, path, title=title, priority=priority)

    def scalar(self, query: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def rows(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def counts(self, device_id: str) -> dict[str, int]:
        from zhangye_desk.server.stats import device_counts

        with self.engine.connect() as conn:
            return device_counts(conn, device_id)


@contextmanager
def running_central(url: str, tmp_path: Path, people: int) -> Iterator[Central]:
    """A fresh server database at ``url`` with ``people`` on its roster, and the server running."""
    from zhangye_desk.server.db import create_engine_for
    from zhangye_desk.server.dbadmin import init_db

    init_db(url)
    engine = create_engine_for(url)
    files = tmp_path / "server-files"
    files.mkdir()
    server = ServerProcess(url, files, tmp_path)
    result = Central(url, files, engine, server)
    result.add_people(people)
    server.start()
    try:
        yield result
    finally:
        server.kill()
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    with running_central(url, tmp_path, people=40) as result:
        yield result


@pytest.fixture
def proxy(central: Central) -> Iterator[FaultProxy]:
    with FaultProxy(central.server.port) as fault_proxy:
        yield fault_proxy


def retarget(proxy: FaultProxy, central: Central) -> None:
    """After a restart the server listens on a new port; the laptop keeps the proxy's URL."""
    proxy.target = ("127.0.0.1", central.server.port)


class Laptop:
    """One enrolled laptop data folder; ``open()`` holds the store like the app would."""

    def __init__(self, root: Path, central: Central, proxy: FaultProxy, name: str) -> None:
        self.paths = DataPaths(root).ensure()
        self.central = central
        self.proxy = proxy
        self.name = name
        self.store: OpenStore | None = None
        self.rng = random.Random(name)
        self.people: list[str] = []
        self.sessions: list[str] = []

    @property
    def db(self) -> Database:
        if self.store is None:
            self.store = open_store(self.paths, daily_backup=False)
        return self.store.db

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def enrol(self) -> dict[str, Any]:
        info = enrol(self.db, self.proxy.url, self.central.enrol_code(), self.name, options=FAST)
        self.sync()  # the roster arrives, so marks can name real people
        self.people = [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM person WHERE origin = 'server' AND township_code = ? ORDER BY id",
                [TOWNSHIP],
            )
        ]
        return info

    @property
    def device_id(self) -> str:
        return str(self.db.execute("SELECT device_id FROM sync_state").fetchone()[0])

    def record(self, sessions_count: int = 3, marks: int = 40) -> None:
        """Sessions with marks, some corrections and a walk-in: the ops of a week's work."""
        for _ in range(sessions_count):
            session_id = sessions.create_session(
                self.db, kind=self.rng.choice(["tent", "horseback"]), title="学党史 感党恩",
                township_code=TOWNSHIP, place_name="夏季牧场", by=self.name,
            )  # fmt: skip
            self.sessions.append(session_id)
            for index in range(marks):
                person = self.people[index % len(self.people)]
                status_ = "late" if index % 7 == 0 else "present"
                attendance.mark(self.db, session_id, person, status_, by=self.name)
                if index % 11 == 0:  # a correction: unticked, then ticked again
                    attendance.mark(self.db, session_id, person, "removed", by=self.name)
                    attendance.mark(self.db, session_id, person, "present", by=self.name)
            sessions.set_headcount(self.db, session_id, self.rng.randrange(0, 5))

    def sync(self, options: SyncOptions = FAST) -> Receipt:
        return sync(self.db, self.paths, options=options)

    def ops(self) -> list[tuple[str, int, str]]:
        return [
            (str(o), int(s), str(h))
            for o, s, h in self.db.execute(
                "SELECT origin_replica, seq, sha256 FROM outbox ORDER BY seq"
            )
        ]

    def pending(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM outbox WHERE acked_at IS NULL").fetchone()[0]
        )

    def totals(self) -> dict[str, int]:
        return status.local_totals(self.db)


@pytest.fixture
def laptop(tmp_path: Path, central: Central, proxy: FaultProxy) -> Iterator[Any]:
    made: list[Laptop] = []

    def make(name: str = "大河乡-笔记本-1") -> Laptop:
        machine = Laptop(tmp_path / f"laptop-{len(made)}", central, proxy, name)
        made.append(machine)
        machine.enrol()
        return machine

    yield make
    for machine in made:
        machine.close()


def assert_synced(
    laptop: Laptop,
    *,
    extra_ops: list[tuple[str, int, str]] = (),  # type: ignore[assignment]
    extra_totals: dict[str, int] | None = None,
) -> None:
    """Every op the laptop made is on the server exactly once; the totals agree.

    ``extra_ops``/``extra_totals``: what the laptop made and pushed before it lost them (a
    restore from an old backup): still on the server exactly once, not on the laptop.
    """
    from zhangye_desk.server.db import attendance_event, op_log
    from zhangye_desk.server.db import session as server_session

    central = laptop.central
    device = laptop.device_id
    assert laptop.pending() == 0
    expected = {(o, s): h for o, s, h in [*laptop.ops(), *extra_ops]}
    stored = {
        (str(o), int(s)): str(h)
        for o, s, h in central.rows(
            select(op_log.c.origin_replica, op_log.c.seq, op_log.c.sha256).where(
                op_log.c.device_id == device
            )
        )
    }
    missing = {key for key in expected if key not in stored}
    assert not missing, f"{len(missing)} ops never reached the server: {sorted(missing)[:5]}"
    changed = {key for key, sha in expected.items() if stored[key] != sha}
    assert not changed, f"ops stored with another hash: {sorted(changed)[:5]}"
    extra = set(stored) - set(expected)
    assert not extra, f"{len(extra)} ops on the server that the laptop never made"
    # Effects, not only keys: every mark applied once (an op re-sent under a new key would
    # have made a second event), sessions and participant-times equal.
    events = central.scalar(
        select(func.count())
        .select_from(
            attendance_event.join(
                server_session, server_session.c.id == attendance_event.c.session_id
            )
        )  # fmt: skip
        .where(server_session.c.created_by_device == device)
    )
    local_events = laptop.db.execute("SELECT count(*) FROM attendance_event").fetchone()[0]
    counts = central.counts(device)
    local = laptop.totals()
    extra_totals = extra_totals or {}
    for key in ("sessions", "participant_times"):
        assert counts[key] == local[key] + extra_totals.get(key, 0), (key, counts, local)
    assert events == local_events + extra_totals.get("events", 0)

"""A real sync server for the window's sync tests (SQLite only; PostgreSQL is covered by
tests/integration): the ``zhangye-server serve`` subprocess of tests/integration/conftest.py on
127.0.0.1 port 0 with a ready file, a ``FaultProxy`` in front of it, and fast sync options for
the app's worker threads (through ``ZHANGYE_DESK_SYNC_OPTIONS``, as a site would tune them).

Import the fixtures into a test module: ``from .syncserver import central, proxy, fast_sync``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import FAST, TOWNSHIP, Central, running_central
from tests.integration.faultproxy import FaultProxy
from zhangye_desk.core import attendance, sessions
from zhangye_desk.core.store import OpenStore
from zhangye_desk.sync.engine import OPTIONS_ENV, SyncOptions, enrol, sync

__all__ = [
    "TOWNSHIP",
    "Central",
    "FaultProxy",
    "central",
    "enrolled",
    "fast_sync",
    "proxy",
    "record",
]

# The integration tests' fast options; no backup after each sync (nothing here restores one).
UI_FAST = dataclasses.replace(FAST, backup=False, batch_start=4000, batch_max=16000)


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    with running_central(f"sqlite:///{tmp_path / 'server.sqlite3'}", tmp_path, people=20) as result:
        yield result


@pytest.fixture
def proxy(central: Central) -> Iterator[FaultProxy]:
    with FaultProxy(central.server.port) as fault_proxy:
        yield fault_proxy


def options_json(options: SyncOptions) -> str:
    return json.dumps(dataclasses.asdict(options))


@pytest.fixture
def fast_sync(monkeypatch: pytest.MonkeyPatch) -> SyncOptions:
    """Short timeouts and retries for every sync the window starts in this test."""
    monkeypatch.setenv(OPTIONS_ENV, options_json(UI_FAST))
    return UI_FAST


def enrolled(store: OpenStore, central: Central, proxy: FaultProxy) -> dict[str, Any]:
    """Enrol the store's laptop through the proxy and pull the roster (without the window)."""
    info = enrol(store.db, proxy.url, central.enrol_code(), "大河乡-笔记本-1", options=UI_FAST)
    sync(store.db, store.paths, options=UI_FAST)
    return info


def record(store: OpenStore, sessions_count: int = 2, marks: int = 15) -> None:
    """Sessions with marks of people from the server's roster, as a cadre records them."""
    roster = [
        r[0]
        for r in store.db.execute(
            "SELECT id FROM person WHERE origin = 'server' ORDER BY id LIMIT ?", [marks]
        )
    ]
    assert roster, "the roster has not arrived"
    for number in range(sessions_count):
        session_id = sessions.create_session(
            store.db, kind="tent", title=f"学党史 感党恩 {number + 1}", township_code=TOWNSHIP,
            place_name="夏季牧场",
        )  # fmt: skip
        for person in roster:
            attendance.mark(store.db, session_id, person, "present")

"""`zhangye-desk demo`: a real local server, the enrolled demo laptop, the window — and the
server gone when the window closes."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import requests

from zhangye_desk import demo_loop
from zhangye_desk.core import status
from zhangye_desk.core.store import open_store
from zhangye_desk.paths import DataPaths, demo_server_dir
from zhangye_desk.sync.engine import SyncOptions, credentials, sync


def _refused(url: str) -> bool:
    try:
        requests.get(url + "/v1/sync/info", timeout=5)
    except requests.ConnectionError:
        return True
    return False


def _run(paths: DataPaths, during: Any) -> tuple[int, list[str]]:
    said: list[str] = []

    def offline() -> int:
        raise AssertionError("the offline demo ran although the server is installed")

    code = demo_loop.run_demo(
        paths,
        demo_server_dir(paths),
        say=lambda key, values: said.append(key),
        open_window=during,
        offline_demo=offline,
    )
    return code, said


def test_demo_builds_the_whole_loop_and_stops_the_server(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "demo")
    seen: dict[str, Any] = {}

    def window() -> int:
        # What the user sees with the window open: an enrolled laptop whose year of sessions
        # is waiting to be synced, and a server that answers.
        with open_store(paths) as store:
            seen["url"] = credentials(store.db).server_url
            before = status.sync_status(store.db, paths)
            seen["pending"] = before["pending_ops"]
            receipt = sync(store.db, paths, options=SyncOptions(backup=False))
            seen["receipt"] = receipt
        return 0

    code, said = _run(paths, window)
    assert code == 0
    assert said == ["demo_server_roster", "demo_laptop_ready", "demo_server_running"]
    assert seen["pending"] > demo_loop.DEMO_MARKS  # sessions, marks, headcounts: all unsynced
    receipt = seen["receipt"]
    assert receipt.totals_match is True
    assert receipt.server_counts["sessions"] == demo_loop.DEMO_SESSIONS
    assert receipt.files_downloaded == 5  # the demo materials come down from the server
    assert _refused(seen["url"]), "closing the window must stop the demo server"

    # Second start: nothing is rebuilt; the old port is taken now, so the server moves and
    # the laptop follows it.
    old_port = int(seen["url"].rsplit(":", 1)[1])
    blocker = socket.socket()
    try:
        blocker.bind(("127.0.0.1", old_port))
        blocker.listen()
        again: dict[str, Any] = {}

        def second_window() -> int:
            with open_store(paths) as store:
                again["url"] = credentials(store.db).server_url
                again["receipt"] = sync(store.db, paths, options=SyncOptions(backup=False))
            return 0

        code, said = _run(paths, second_window)
    finally:
        blocker.close()
    assert code == 0
    assert said == ["demo_server_running"]
    assert again["url"] != seen["url"]
    assert again["receipt"].ops_acked == 0
    assert again["receipt"].totals_match is True
    assert _refused(again["url"])


def test_an_older_offline_demo_folder_is_left_alone(tmp_path: Path) -> None:
    from zhangye_desk.core.demo import generate_demo

    paths = DataPaths(tmp_path / "demo")
    with open_store(paths) as store:
        generate_demo(store.db, materials_dir=paths.materials, people=30, sessions=2, marks=10)
        before = status.sync_status(store.db, paths)["pending_ops"]
    with pytest.raises(demo_loop.DemoError, match="older offline demo"):
        _run(paths, lambda: 0)
    with open_store(paths) as store:
        assert status.sync_status(store.db, paths)["pending_ops"] == before
    assert not demo_server_dir(paths).exists()

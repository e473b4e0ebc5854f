"""The real server as a process: any free port, a ready file, real HTTP, a graceful SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

READY_TIMEOUT_S = 60.0


def test_the_server_process_starts_on_a_free_port_and_stops_on_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zhangye_desk.server.serve",
            "--db",
            f"sqlite:///{tmp_path / 'server.sqlite3'}",  # empty: serve initialises it
            "--files",
            str(tmp_path / "files"),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--ready-file",
            str(ready),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready.exists():  # poll the file the server writes once it accepts connections
            assert process.poll() is None, process.communicate()[0].decode(errors="replace")
            assert time.monotonic() < deadline, "the server never became ready"
            time.sleep(0.05)
        url = ready.read_text(encoding="utf-8").strip()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        reply = requests.get(f"{url}/v1/sync/info", timeout=10)
        assert reply.status_code == 200
        assert reply.json()["protocol"] == 1 and reply.json()["server_epoch"]
        unauthorised = requests.get(f"{url}/v1/sync/pull", timeout=10)
        assert unauthorised.status_code == 401
        assert unauthorised.headers["content-type"] == "application/json"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output = process.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, output
    assert not ready.exists()  # a stale ready file would fool the next poller

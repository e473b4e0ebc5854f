"""Benchmark a sync over the township office's link: 64 kbit/s, 300 ms each way.

Starts the real server (SQLite, a subprocess on a free port) with a 2,000-person roster, makes
a laptop that pulls the roster over a fast path, records 10,000 attendance marks in 50 sessions,
then runs ``zhangye-desk``'s sync through the fault proxy (tests/integration/faultproxy.py)
shaped to 64 kbit/s and 300 ms each way, in both directions. Reports:

* wire bytes per mark: every byte the laptop sent through the proxy (request lines, headers,
  gzip'd bodies, the info/pull/state requests too) ÷ marks;
* total time of the sync, batches, and ``floor_ratio`` = total time ÷ (wire bytes / 8000 +
  batches × 0.6 s): 1.0 would be a link busy every moment with one round trip per batch;
* ``server_wait_s``: the time the server spent between a request's last byte and its reply's
  first byte (its apply work, which no link explains), and the ratio without it.

    python bench/sync_link.py [--marks 10000 --rate 64000 --latency 0.3]

Prints a table, then JSON on the last line (``bytes_per_mark``, ``floor_ratio``, …).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.integration.faultproxy: the proxy the tests use

from bench.common import wait_ready  # noqa: E402
from tests.integration.faultproxy import FaultProxy  # noqa: E402
from zhangye_desk.core import attendance, sessions  # noqa: E402
from zhangye_desk.core.store import open_store  # noqa: E402
from zhangye_desk.paths import DataPaths  # noqa: E402
from zhangye_desk.sync.engine import SyncOptions, enrol, sync  # noqa: E402

TOWNSHIP = "620721203"


def start_server(folder: Path, db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    ready = folder / "ready"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "zhangye_desk.server.cli", "serve", "--db", db_url, "--port", "0",
         "--ready-file", str(ready), "--files", str(folder / "files")],
        env=env, stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("wb"),
    )  # fmt: skip
    url = wait_ready(process, ready, 60)
    if url is not None:
        return process, url
    process.kill()
    raise SystemExit("the server did not start:\n" + (folder / "server.log").read_text())


def seed_server(db_url: str, people: int) -> str:
    from zhangye_desk.server import service
    from zhangye_desk.server.auth import create_enrol_code
    from zhangye_desk.server.db import create_engine_for, write_transaction
    from zhangye_desk.server.dbadmin import init_db

    init_db(db_url)
    engine = create_engine_for(db_url)
    try:
        with write_transaction(engine) as conn:
            for index in range(people):
                service.upsert_person(
                    conn,
                    {"name": "安钟贺郭兰杜妥常索顾"[index % 10] + f"牧民{index}",
                     "township_code": TOWNSHIP, "birth_year": 1940 + index % 60},
                    actor="bench",
                )  # fmt: skip
            return create_enrol_code(conn, TOWNSHIP, 3600)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--marks", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--rate", type=float, default=64_000, help="bits per second each way")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds each way")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="zhangye-bench-") as tmp:
        folder = Path(tmp)
        db_url = f"sqlite:///{folder / 'server.sqlite3'}"
        code = seed_server(db_url, args.people)
        server, url = start_server(folder, db_url)
        try:
            paths = DataPaths(folder / "laptop").ensure()
            with open_store(paths, daily_backup=False) as store:
                db = store.db
                no_files = SyncOptions(fetch_files=False, backup=False)
                enrol(db, url, code, "bench-laptop")
                sync(db, paths, options=no_files)  # the roster, over the fast path
                people = [r[0] for r in db.execute("SELECT id FROM person ORDER BY name")]
                per_session = args.marks // args.sessions
                started = time.perf_counter()
                for index in range(args.sessions):
                    session_id = sessions.create_session(
                        db, kind="tent", title="学党史 感党恩 跟党走", township_code=TOWNSHIP,
                        place_name="夏季牧场", by="安海龙",
                    )  # fmt: skip
                    offset = index * 37 % len(people)
                    for person in (people + people)[offset : offset + per_session]:
                        attendance.mark(db, session_id, person, "present", by="安海龙")
                record_s = time.perf_counter() - started
                marks = args.sessions * per_session
                pending = db.execute("SELECT count(*) FROM outbox WHERE acked_at IS NULL")
                ops = pending.fetchone()[0]

                with FaultProxy(
                    int(url.rsplit(":", 1)[1]), latency_s=args.latency, rate_bps=args.rate
                ) as proxy:
                    db.execute("UPDATE sync_state SET server_url = ?", [proxy.url])
                    db.conn.commit()
                    started = time.perf_counter()
                    receipt = sync(db, paths, options=no_files)
                    total_s = time.perf_counter() - started
                    wire_up, wire_down = proxy.bytes_up, proxy.bytes_down
                    connections = proxy.connections
                    server_wait_s = proxy.server_wait_s
        finally:
            server.terminate()
            server.wait(timeout=30)

    rate_bytes = args.rate / 8
    round_trip = 2 * args.latency
    floor_s = wire_up / rate_bytes + receipt.batches * round_trip
    figures = {
        "marks": marks,
        "ops": ops,
        "ops_acked": receipt.ops_acked,
        "batches": receipt.batches,
        "wire_bytes_up": wire_up,
        "wire_bytes_down": wire_down,
        "connections": connections,
        "bytes_per_mark": round(wire_up / marks, 2),
        "total_time_s": round(total_s, 2),
        "floor_s": round(floor_s, 2),
        "floor_ratio": round(total_s / floor_s, 3),
        # The server's own processing time (request fully arrived → first reply byte), and
        # the ratio without it: what the client and the link account for.
        "server_wait_s": round(server_wait_s, 2),
        "floor_ratio_without_server_time": round((total_s - server_wait_s) / floor_s, 3),
        "totals_match": receipt.totals_match,
        "record_marks_s": round(record_s, 2),
        "rate_bps": args.rate,
        "latency_s_each_way": args.latency,
    }
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))
    return 0 if receipt.totals_match else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the server's ingest: 1,000,000 attendance marks pushed by 50 laptops at once.

For each database (SQLite, and PostgreSQL in a throwaway cluster with fsync and synchronous
commits on, from tests/pgcluster.py) this

1. initialises the server database and loads each township's roster (``service.upsert_person``,
   as the admin import does) and one enrolment code per laptop;
2. starts the REAL server (``python -m zhangye_desk.server.cli serve --port 0 --ready-file F``,
   as tests/integration does) and enrols every laptop over HTTP with its code;
3. builds each laptop's outbox: its sessions (``session.create``) and its marks
   (``attendance.mark``) in its own township, ops shaped exactly like the client's (checked
   against a real client store made with ``core.sessions`` / ``core.attendance``), then
   encodes the push bodies with the real client encoder (``sync.wire.build_batch``) and the
   client's batch sizing (32 KiB, doubled after three successes, up to 128 KiB, 8,000 ops at
   most per window);
4. pushes each laptop's sessions (not timed), then — timed — all the marks: one thread per
   laptop, one kept-alive connection each, bodies sent one after the other like the sync
   engine does, every reply checked (200, ``acked_through`` = the batch's last seq, no op
   quarantined; a 503 is retried after its ``Retry-After`` and counted);
5. checks that the server holds exactly the marks sent: ``op_log`` (marks, and all ops),
   ``attendance_event``, ``attendance`` (every mark is a distinct session and person), no
   quarantine, and every device's counts.

    python bench/ingest.py [--marks 1000000 --laptops 50 --db sqlite,postgresql]

Prints a table per database, then JSON on the last line (``marks_per_s_sqlite``,
``marks_per_s_postgres`` and the run's parameters). Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.pgcluster: the throwaway PostgreSQL cluster

from bench.common import print_figures, with_database  # noqa: E402
from zhangye_desk.core import outbox  # noqa: E402
from zhangye_desk.core.directory import read_directory  # noqa: E402
from zhangye_desk.core.ids import new_id  # noqa: E402
from zhangye_desk.sync.engine import PUSH_WINDOW_OPS  # noqa: E402
from zhangye_desk.sync.wire import BatchSizer, build_batch  # noqa: E402

START = 1767225600  # 2026-01-01 00:00 UTC: the sessions' day
LECTURER = "安海龙"
TITLE = "学党史 感党恩 跟党走"
READY_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 300.0
_APPLIED = re.compile(r"push from device .*: (\d+) ops, (\d+) new, .* applied in (\d+) ms")


@dataclass
class Laptop:
    index: int
    township: str
    code: str
    replica: str = field(default_factory=new_id)
    device_id: str = ""
    secret: str = ""
    sessions: list[str] = field(default_factory=list)
    marks: int = 0
    setup_bodies: list[tuple[bytes, int]] = field(default_factory=list)  # (gzip body, last seq)
    bodies: list[tuple[bytes, int]] = field(default_factory=list)
    last_reply: dict[str, Any] = field(default_factory=dict)


# --- ops shaped like the client's --------------------------------------------------------------


def session_data(session_id: str, township: str, at: int) -> dict[str, Any]:
    """What ``core.sessions.create_session`` stores for a tent session at a summer pasture."""
    return {"id": session_id, "kind": "tent", "title": TITLE, "township_code": township,
            "starts_at": at, "place_name": "夏季牧场", "at": at, "by": LECTURER}  # fmt: skip


def mark_data(session_id: str, person_id: str, status: str, at: int) -> dict[str, Any]:
    """What ``core.attendance.mark`` stores."""
    return {"s": session_id, "p": person_id, "st": status, "at": at, "by": LECTURER}


def make_op(seq: int, origin: str, op_type: str, data: dict[str, Any]) -> outbox.Op:
    """An outbox op exactly as ``outbox.append`` writes it (None values left out)."""
    body = outbox.canonical_json({"t": op_type, **{k: v for k, v in data.items() if v is not None}})
    return outbox.Op(seq, origin, op_type, body, outbox.op_hash(body), data["at"], None)


def check_shapes(folder: Path, township: str) -> None:
    """Our ops carry exactly the keys a real client store's ops carry (and the same types)."""
    from zhangye_desk.core import attendance, people, sessions
    from zhangye_desk.core.directory import load_directory
    from zhangye_desk.core.store import open_db

    db = open_db(folder / "shape.sqlite3")
    try:
        db.execute("PRAGMA synchronous = OFF")
        load_directory(db)
        person_id = people.add_person(db, name="卓玛", township_code=township)
        session_id = sessions.create_session(
            db, kind="tent", title=TITLE, township_code=township, place_name="夏季牧场",
            by=LECTURER, at=START, starts_at=START,
        )  # fmt: skip
        attendance.mark(db, session_id, person_id, "present", by=LECTURER, at=START + 60)
        real = {
            t: json.loads(body)
            for t, body in db.execute("SELECT type, body FROM outbox ORDER BY seq")
            if t in (outbox.OP_SESSION_CREATE, outbox.OP_ATTENDANCE)
        }
    finally:
        db.close()
    ours = {
        outbox.OP_SESSION_CREATE: json.loads(
            make_op(
                1, "r", outbox.OP_SESSION_CREATE, session_data(session_id, township, START)
            ).body
        ),
        outbox.OP_ATTENDANCE: json.loads(
            make_op(
                2,
                "r",
                outbox.OP_ATTENDANCE,
                mark_data(session_id, person_id, "present", START + 60),
            ).body
        ),  # fmt: skip
    }
    for op_type, body in ours.items():
        shape = {k: type(v).__name__ for k, v in body.items()}
        expected = {k: type(v).__name__ for k, v in real[op_type].items()}
        if shape != expected:
            raise SystemExit(
                f"{op_type}: the bench's ops {shape} differ from the client's {expected}"
            )
        if body != real[op_type] and op_type == outbox.OP_ATTENDANCE:
            raise SystemExit(f"{op_type}: {body} is not the client's {real[op_type]}")


# --- encoding, as the sync engine does ---------------------------------------------------------


def encode_stream(
    ops: list[outbox.Op], *, replica: str, device_id: str, prev: int, server_max: int
) -> list[tuple[bytes, int]]:
    """The push bodies the sync engine would send for ``ops`` if every push succeeded."""
    sizer = BatchSizer()
    sizer.limit_to(max(server_max - 1024, 1))  # as the engine does after /v1/sync/info
    bodies = []
    position = 0
    while position < len(ops):
        window = ops[position : position + PUSH_WINDOW_OPS]
        batch = build_batch(
            window, target=sizer.target, replica_id=replica, device_id=device_id, prev=prev,
            device_time=START + 86_400, clock_offset_s=0,
        )  # fmt: skip
        bodies.append((batch.body, batch.last_seq))
        prev = batch.last_seq
        position += len(batch.seqs)
        sizer.succeeded()
    return bodies


def build_laptop(job: dict[str, Any]) -> tuple[list[tuple[bytes, int]], list[tuple[bytes, int]]]:
    """(session bodies, mark bodies) of one laptop; runs in a worker process."""
    replica, roster, marks = job["replica"], job["roster"], job["marks"]
    session_size, township = job["session_size"], job["township"]
    ops: list[outbox.Op] = []
    for index, session_id in enumerate(job["sessions"]):
        ops.append(make_op(index + 1, replica, outbox.OP_SESSION_CREATE,
                           session_data(session_id, township, START + index * 3600)))  # fmt: skip
    setup = encode_stream(ops, replica=replica, device_id=job["device_id"], prev=0,
                          server_max=job["server_max"])  # fmt: skip
    marks_ops: list[outbox.Op] = []
    seq = len(ops)
    for index, session_id in enumerate(job["sessions"]):
        count = min(session_size, marks - index * session_size)
        # A session marks `count` distinct people of the roster, from a rotating offset.
        offset = (index * 37) % len(roster)
        for k in range(count):
            person_id = roster[(offset + k) % len(roster)]
            seq += 1
            status = "late" if k % 9 == 0 else "present"
            at = START + index * 3600 + 60 + k * 5
            marks_ops.append(make_op(seq, replica, outbox.OP_ATTENDANCE,
                                     mark_data(session_id, person_id, status, at)))  # fmt: skip
    bodies = encode_stream(marks_ops, replica=replica, device_id=job["device_id"],
                           prev=len(ops), server_max=job["server_max"])  # fmt: skip
    return setup, bodies


# --- the server --------------------------------------------------------------------------------


def start_server(folder: Path, db_url: str, tag: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    ready = folder / f"ready-{tag}"
    log_path = folder / f"server-{tag}.log"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "zhangye_desk.server.cli", "serve", "--db", db_url,
             "--port", "0", "--ready-file", str(ready), "--files", str(folder / "files")],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
        )  # fmt: skip
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if ready.exists() and ready.read_text().strip():
            return process, ready.read_text().strip(), log_path
        if process.poll() is not None:
            break
        time.sleep(0.05)  # a poll interval, not a guess at the start-up time
    process.kill()
    raise SystemExit("the server did not start:\n" + log_path.read_text(errors="replace")[-3000:])


def seed(
    db_url: str, townships: list[str], roster_size: int, laptops: int
) -> tuple[dict[str, list[str]], list[str]]:
    """Rosters per township and one enrolment code per laptop (round-robin over townships)."""
    from zhangye_desk.server import service
    from zhangye_desk.server.auth import create_enrol_code
    from zhangye_desk.server.db import create_engine_for, write_transaction
    from zhangye_desk.server.dbadmin import init_db

    init_db(db_url)
    engine = create_engine_for(db_url)
    surnames = "安钟贺郭兰杜妥常索顾"
    rosters: dict[str, list[str]] = {}
    try:
        for t_index, township in enumerate(townships):
            with write_transaction(engine) as conn:
                rosters[township] = [
                    service.upsert_person(
                        conn,
                        {"name": f"{surnames[i % 10]}牧民{t_index}-{i}", "township_code": township,
                         "birth_year": 1940 + i % 60},
                        actor="bench",
                    )["id"]
                    for i in range(roster_size)
                ]  # fmt: skip
        with write_transaction(engine) as conn:
            codes = [
                create_enrol_code(conn, townships[i % len(townships)], 3600) for i in range(laptops)
            ]
    finally:
        engine.dispose()
    return rosters, codes


class Client:
    """One laptop's kept-alive HTTP connection."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT_S)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        self.conn.request(
            method, path, body=body, headers={"Accept-Encoding": "gzip", **(headers or {})}
        )
        response = self.conn.getresponse()
        raw = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return response.status, json.loads(raw), dict(response.getheaders())

    def close(self) -> None:
        self.conn.close()


def enrol(url: str, laptop: Laptop) -> None:
    client = Client(url)
    try:
        body = json.dumps({"code": laptop.code, "name": f"bench-{laptop.index}",
                           "replica_id": laptop.replica}).encode()  # fmt: skip
        status, data, _ = client.request(
            "POST", "/v1/devices", body, {"Content-Type": "application/json"}
        )
    finally:
        client.close()
    if status != 201:
        raise SystemExit(f"enrolment of laptop {laptop.index} answered {status}: {data}")
    laptop.device_id, laptop.secret = data["device_id"], data["secret"]
    assert data["township_code"] == laptop.township


@dataclass
class PushStats:
    requests: int = 0
    retries: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def push_all(
    url: str, laptop: Laptop, bodies: list[tuple[bytes, int]], stats: PushStats,
    lock: threading.Lock,
) -> None:  # fmt: skip
    client = Client(url)
    headers = {"Authorization": f"Bearer {laptop.device_id}.{laptop.secret}",
               "Content-Type": "application/json", "Content-Encoding": "gzip"}  # fmt: skip
    try:
        for body, last_seq in bodies:
            while True:
                started = time.perf_counter()
                status, data, reply_headers = client.request("POST", "/v1/sync/push", body, headers)
                took = time.perf_counter() - started
                with lock:
                    stats.requests += 1
                    stats.latencies.append(took)
                if status == 503:
                    with lock:
                        stats.retries += 1
                    time.sleep(float(reply_headers.get("Retry-After", "1")))
                    continue
                break
            problem = None
            if status != 200:
                problem = f"HTTP {status} {data}"
            elif data["acked_through"] != last_seq or data["results"] or data["quarantined"]:
                problem = f"acked {data['acked_through']} (want {last_seq}), " + (
                    f"results {data['results'][:3]}, quarantined {data['quarantined'][:3]}"
                )
            if problem:
                with lock:
                    stats.errors.append(f"laptop {laptop.index}: {problem}")
                return
            laptop.last_reply = data
    except (OSError, http.client.HTTPException, ValueError) as exc:
        with lock:
            stats.errors.append(f"laptop {laptop.index}: {type(exc).__name__}: {exc}")
    finally:
        client.close()


def run_pushes(url: str, laptops: list[Laptop], setup: bool) -> tuple[float, PushStats]:
    stats = PushStats()
    lock = threading.Lock()
    start = threading.Barrier(len(laptops) + 1)

    def work(laptop: Laptop) -> None:
        start.wait()
        push_all(url, laptop, laptop.setup_bodies if setup else laptop.bodies, stats, lock)

    threads = [threading.Thread(target=work, args=(lap,)) for lap in laptops]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, stats


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def verify(db_url: str, laptops: list[Laptop], marks: int) -> dict[str, Any]:
    """What the server holds, checked against what was sent; raises nothing, reports all."""
    from sqlalchemy import func, select

    from zhangye_desk.server.db import (
        attendance,
        attendance_event,
        create_engine_for,
        op_log,
        quarantine,
        review_queue,
    )
    from zhangye_desk.server.stats import device_counts

    engine = create_engine_for(db_url)
    try:
        with engine.connect() as conn:

            def count(table: Any, *where: Any) -> int:
                return int(
                    conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
                )

            sessions = sum(len(lap.sessions) for lap in laptops)
            held = {
                "op_log_marks": count(op_log, op_log.c.type == outbox.OP_ATTENDANCE),
                "op_log_ops": count(op_log),
                "attendance_events": count(attendance_event),
                "attendance_rows": count(attendance),
                "quarantined": count(quarantine),
                "review_queue": count(review_queue),
            }
            wrong_devices = []
            for lap in laptops:
                counts = device_counts(conn, lap.device_id)
                expected = {"ops": len(lap.sessions) + lap.marks, "sessions": len(lap.sessions),
                            "registered_participant_times": lap.marks}  # fmt: skip
                if any(counts[k] != v for k, v in expected.items()) or (
                    lap.last_reply.get("counts") != counts
                ):
                    wrong_devices.append(lap.index)
    finally:
        engine.dispose()
    want = {"op_log_marks": marks, "op_log_ops": marks + sessions, "attendance_events": marks,
            "attendance_rows": marks, "quarantined": 0, "review_queue": 0}  # fmt: skip
    problems = [f"{k}: {held[k]} (want {v})" for k, v in want.items() if held[k] != v]
    if wrong_devices:
        problems.append(f"device counts wrong for laptops {wrong_devices[:10]}")
    return {**held, "device_counts_ok": not wrong_devices, "problems": problems}


def applied_per_batch(log_path: Path, min_ops: int = 500) -> dict[str, float]:
    """Per-batch apply figures from the server's log (``applied in N ms``: the transaction,
    commit included) for the batches of at least ``min_ops`` new ops (the marks)."""
    rates, sizes, total_ops, total_ms = [], [], 0, 0
    for line in log_path.read_text(errors="replace").splitlines():
        match = _APPLIED.search(line)
        if match and int(match.group(2)) >= min_ops:
            new, ms = int(match.group(2)), max(int(match.group(3)), 1)
            rates.append(new / ms * 1000)
            sizes.append(new)
            total_ops, total_ms = total_ops + new, total_ms + ms
    if not rates:
        return {}
    return {
        "mark_batches": len(rates),
        "ops_per_batch_median": statistics.median(sizes),
        "ops_per_s_per_batch_median": round(statistics.median(rates)),
        "ops_per_s_in_transactions": round(total_ops / total_ms * 1000),
        "transactions_s": round(total_ms / 1000, 1),
    }


# --- one database ------------------------------------------------------------------------------


def run_database(kind: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    return with_database(kind, folder, "ingest", lambda db_url: _run(kind, db_url, args, folder))


def _run(kind: str, db_url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from zhangye_desk.server.settings import Settings

    townships = [t["code"] for t in read_directory()["townships"]]
    per_laptop = [args.marks // args.laptops + (1 if i < args.marks % args.laptops else 0)
                  for i in range(args.laptops)]  # fmt: skip
    roster_size = max(args.roster, args.session_size)
    t0 = time.perf_counter()
    rosters, codes = seed(db_url, townships, roster_size, args.laptops)
    seed_s = time.perf_counter() - t0
    laptops = [Laptop(i, townships[i % len(townships)], codes[i]) for i in range(args.laptops)]
    for lap, marks in zip(laptops, per_laptop, strict=True):
        lap.marks = marks
        lap.sessions = [new_id() for _ in range(math.ceil(marks / args.session_size))]

    server, url, log_path = start_server(folder, db_url, kind)
    try:
        for lap in laptops:
            enrol(url, lap)
        t0 = time.perf_counter()
        jobs = [
            {"replica": lap.replica, "device_id": lap.device_id, "township": lap.township,
             "roster": rosters[lap.township], "sessions": lap.sessions, "marks": lap.marks,
             "session_size": args.session_size, "server_max": Settings().max_request_bytes}
            for lap in laptops
        ]  # fmt: skip
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for lap, (setup, bodies) in zip(laptops, pool.map(build_laptop, jobs), strict=True):
                lap.setup_bodies, lap.bodies = setup, bodies
        encode_s = time.perf_counter() - t0

        setup_s, setup_stats = run_pushes(url, laptops, setup=True)
        if setup_stats.errors:
            raise SystemExit(f"{kind}: pushing the sessions failed: {setup_stats.errors[:3]}")
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(server.pid)
        elapsed, stats = run_pushes(url, laptops, setup=False)
        server_cpu = cpu_seconds(server.pid) - cpu_before
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=60)

    checked = verify(db_url, laptops, args.marks)
    bodies = [body for lap in laptops for body, _ in lap.bodies]
    latencies = sorted(stats.latencies)
    figures = {
        "database": kind,
        "marks": args.marks,
        "elapsed_s": round(elapsed, 2),
        "marks_per_s": round(args.marks / elapsed),
        "push_requests": stats.requests,
        "busy_retries": stats.retries,
        "errors": len(stats.errors),
        "bytes_sent": sum(len(b) for b in bodies),
        "batch_kib_median": round(statistics.median(len(b) for b in bodies) / 1024, 1),
        "latency_s_p50": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "latency_s_max": round(latencies[-1], 2) if latencies else None,
        "server_cpu_s": round(server_cpu, 1),
        **applied_per_batch(log_path),
        "load_avg_1m_before": round(load_before, 2),
        "load_avg_1m_after": round(load_after, 2),
        **{k: v for k, v in checked.items() if k != "problems"},
        "seed_s": round(seed_s, 1),
        "encode_s": round(encode_s, 1),
        "sessions_push_s": round(setup_s, 2),
    }
    figures["ok"] = not stats.errors and not checked["problems"]
    print_figures(figures, stats.errors[:5] + checked["problems"])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--marks", type=int, default=1_000_000)
    parser.add_argument("--laptops", type=int, default=50)
    parser.add_argument("--session-size", type=int, default=200, help="marks per session")
    parser.add_argument("--roster", type=int, default=400, help="people per township")
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if not set(kinds) <= {"sqlite", "postgresql"} or args.marks < args.laptops:
        parser.error("--db takes sqlite and/or postgresql; --marks must be ≥ --laptops")

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="zhangye-ingest-") as tmp:
        check_shapes(Path(tmp), read_directory()["townships"][0]["code"])
        for kind in kinds:
            folder = Path(tmp) / kind
            folder.mkdir()
            results[kind] = run_database(kind, args, folder)

    summary: dict[str, Any] = {
        "marks": args.marks,
        "laptops": args.laptops,
        "session_size": args.session_size,
        "roster_per_township": max(args.roster, args.session_size),
        "cpus": os.cpu_count(),
    }
    for kind, name in (("sqlite", "sqlite"), ("postgresql", "postgres")):
        if kind in results:
            summary[f"marks_per_s_{name}"] = results[kind]["marks_per_s"]
    for kind, name in (("sqlite", "sqlite"), ("postgresql", "postgres")):
        if kind in results:
            r = results[kind]
            summary[name] = {k: r[k] for k in (
                "elapsed_s", "push_requests", "busy_retries", "batch_kib_median",
                "ops_per_s_per_batch_median", "ops_per_s_in_transactions", "latency_s_p50",
                "latency_s_max", "server_cpu_s",
                "op_log_marks", "attendance_rows", "attendance_events", "device_counts_ok",
                "load_avg_1m_before", "load_avg_1m_after", "ok",
            ) if k in r}  # fmt: skip
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

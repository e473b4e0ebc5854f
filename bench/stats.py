"""Benchmark the county office's pages: the dashboard and a year's .xlsx export over
1,000,000 attendance marks, 40,000 people and 50,000 sessions, on SQLite and PostgreSQL.

For each database (SQLite file; PostgreSQL in a throwaway cluster from tests/pgcluster.py with
fsync on) this

1. initialises the server database (Alembic, the township directory) and loads, straight into
   the tables with ``db.insert_rows`` (COPY on PostgreSQL), a year (2026) of data shaped like
   what pushes leave behind: 40,000 people over the 8 townships (their villages and Party
   organisations, ~35 % members), 50 laptops, 50,000 sessions spread over the year (every
   kind, 12 topics, villages, headcounts), 1,000,000 marks (``attendance_event`` and the
   effective ``attendance`` row, a few late or left early), the statistics' per-session
   tallies a push keeps in step (``server.stats.rebuild_tallies``), then ANALYZE (VACUUM
   ANALYZE on PostgreSQL: what autovacuum does after a load);
2. starts the REAL server (``zhangye-server serve --port 0``), signs in as a county admin
   through the login form and — timed, one request at a time over one connection —
   opens the dashboard ``--requests`` times, cycling through the five groupings and
   several periods (the year, a quarter, a month, one township's year);
3. downloads the year's statistics workbook (``/exports/stats.xlsx``: five sheets, one per
   grouping) first of all (nothing computed yet) and ``--exports`` − 1 times at the end, and —
   from a freshly started server — the year by township alone (the dashboard's export button,
   like ``zhangye-server stats --xlsx``); each must open with openpyxl with totals equal to
   ``server.stats.statistics``; then, in that process, the year's four other groupings
   county-wide (never computed there).

The first views and exports count everything (the roster is read once per data generation);
repeats come from the pages' StatsCache (kept until the data changes). Four of the 20 first
views (the year, county-wide) come from what the workbook just computed:
``dashboard_year_first_ms_max_*`` is the slowest of those computed afresh.

    python bench/stats.py [--marks 1000000 --people 40000 --sessions 50000 --db sqlite,postgresql]

Prints a table per database, then JSON on the last line: ``dashboard_p95_ms_sqlite`` /
``_postgres`` (first views), ``export_s_sqlite`` / ``_postgres`` (the year by township, first),
``export_workbook_s_*`` (all five groupings, first), the repeats (``dashboard_repeat_p95_ms_*``,
``export_workbook_repeat_s_*``) and the run's parameters. Targets: p95 ≤ 300 ms, export ≤ 5 s.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.pgcluster: the throwaway PostgreSQL cluster

from bench.common import print_figures, wait_ready, with_database  # noqa: E402
from zhangye_desk.core.directory import read_directory  # noqa: E402
from zhangye_desk.core.ids import new_id  # noqa: E402
from zhangye_desk.core.vocab import SESSION_KINDS  # noqa: E402

YEAR_START = 1767196800  # 2026-01-01 00:00 CST
DAY = 86400
TOPICS = ["党史学习", "二十大精神", "草原防火", "乡村振兴", "民族团结", "法治宣传",
          "惠民政策", "禁毒宣传", "生态保护", "安全生产", "文明新风", "科学养殖"]  # fmt: skip
SURNAMES = "安钟贺郭兰杜妥常索顾柯贾马王李张刘杨"
READY_TIMEOUT_S = 60.0
PASSWORD = "bench-password-1"
CHUNK = 50_000


def generate(engine: Any, people: int, sessions: int, marks: int, laptops: int) -> dict[str, Any]:
    """Load the data set straight into the tables (one transaction per table chunk)."""
    from sqlalchemy import select

    from zhangye_desk.server.auth import create_admin, hash_secret
    from zhangye_desk.server.db import (
        attendance,
        attendance_event,
        device,
        insert_rows,
        organisation,
        person,
        session,
        village,
        write_transaction,
    )

    rng = random.Random(2026)
    with write_transaction(engine) as conn:
        towns = [t["code"] for t in read_directory()["townships"]]
        villages = {t: [] for t in towns}
        for code, town in conn.execute(select(village.c.code, village.c.township_code)):
            villages[town].append(code)
        orgs = {t: [] for t in towns}
        for org_id, town in conn.execute(select(organisation.c.id, organisation.c.township_code)):
            orgs[town].append(org_id)
        create_admin(conn, "bench", PASSWORD, role="county")
    now = YEAR_START + 365 * DAY
    devices = []
    rows: list[dict[str, Any]] = []
    for index in range(laptops):
        town = towns[index % len(towns)]
        devices.append((f"dev-{index:03d}", town))
        rows.append({"id": f"dev-{index:03d}", "township_code": town, "name": f"笔记本-{index}",
                     "secret_hash": hash_secret(new_id()), "enrolled_at": YEAR_START,
                     "revoked_at": None, "last_seen_at": now, "clock_offset_s": 0})  # fmt: skip
    with write_transaction(engine) as conn:
        insert_rows(conn, device, rows)

    roster: dict[str, list[str]] = {t: [] for t in towns}
    rows = []
    for index in range(people):
        town = towns[index % len(towns)]
        person_id = new_id()
        roster[town].append(person_id)
        name = SURNAMES[index % len(SURNAMES)] + f"牧民{index}"
        roll = rng.random()
        status = "member" if roll < 0.3 else "probationary" if roll < 0.35 else "masses"
        rows.append({
            "id": person_id, "name": name, "name_norm": name, "gender": rng.choice("MF"),
            "ethnicity": "裕固族", "birth_year": rng.randrange(1940, 2005), "township_code": town,
            "village_code": rng.choice(villages[town]) if villages[town] else None,
            "organisation_id": (
                rng.choice(orgs[town]) if orgs[town] and rng.random() < 0.9 else None
            ),
            "political_status": status, "phone": None, "version": 1, "deleted": False,
            "merged_into": None, "origin": "import", "created_by_device": None,
            "created_at": YEAR_START, "updated_at": YEAR_START,
        })  # fmt: skip
    _insert(engine, person, rows)

    session_rows = []
    session_town = []
    for index in range(sessions):
        dev, town = devices[index % len(devices)]
        starts = YEAR_START + rng.randrange(365 * DAY)
        session_id = new_id()
        session_town.append((session_id, town, dev, starts))
        session_rows.append({
            "id": session_id, "kind": rng.choice(SESSION_KINDS), "title": "学党史 感党恩",
            "topic": rng.choice(TOPICS) if rng.random() < 0.9 else None,
            "starts_at": starts, "ends_at": starts + 5400, "township_code": town,
            "village_code": rng.choice(villages[town]) if villages[town] else None,
            "place_name": "夏季牧场", "latitude": 38.8, "longitude": 99.6, "lecturers": "安老师",
            "headcount_unregistered": rng.randrange(0, 6), "notes": None, "state": "closed",
            "created_at": starts, "updated_at": starts, "closed_at": starts + 5400,
            "created_by_device": dev, "origin_replica": f"rep-{dev}", "seq": index + 1,
            "received_at": starts + 3600,
        })  # fmt: skip
    _insert(engine, session, session_rows)

    per_session, extra = divmod(marks, sessions)
    event_id = 0
    events: list[dict[str, Any]] = []
    effective: list[dict[str, Any]] = []
    statuses = ["present"] * 18 + ["late", "left_early"]
    for index, (session_id, town, dev, starts) in enumerate(session_town):
        count = per_session + (1 if index < extra else 0)
        for person_id in rng.sample(roster[town], count):
            event_id += 1
            status = rng.choice(statuses)
            at = starts + rng.randrange(1800)
            events.append({"id": event_id, "session_id": session_id, "person_id": person_id,
                           "status": status, "at": at, "by": "安老师", "device_id": dev,
                           "origin_replica": f"rep-{dev}", "seq": 1_000_000 + event_id,
                           "received_at": starts + 3600})  # fmt: skip
            effective.append({"session_id": session_id, "person_id": person_id,
                              "status": status, "event_id": event_id, "at": at,
                              "device_id": dev})  # fmt: skip
        if len(events) >= CHUNK:
            _insert(engine, attendance_event, events)
            _insert(engine, attendance, effective)
            events, effective = [], []
    _insert(engine, attendance_event, events)
    _insert(engine, attendance, effective)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            sequence = "pg_get_serial_sequence('attendance_event', 'id')"
            conn.execute(_text(f"SELECT setval({sequence}, {event_id})"))
            conn.commit()
    # What the pushes' transactions keep in step with every mark: the statistics' tallies.
    from zhangye_desk.server.stats import rebuild_tallies

    with write_transaction(engine) as conn:
        rebuild_tallies(conn)
    # A server's autovacuum would have caught up with the load: the planner's statistics and
    # (PostgreSQL) the visibility map its index-only scans need.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        vacuum = "VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"
        conn.execute(_text(vacuum))
    return {"people": people, "sessions": sessions, "marks": event_id}


def _text(sql: str) -> Any:
    from sqlalchemy import text

    return text(sql)


def _insert(engine: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    from zhangye_desk.server.db import insert_rows, write_transaction

    for start in range(0, len(rows), CHUNK):
        with write_transaction(engine) as conn:
            insert_rows(conn, table, rows[start : start + CHUNK])


def start_server(folder: Path, db_url: str, tag: str) -> tuple[subprocess.Popen[bytes], str]:
    ready = folder / f"ready-{tag}"
    log = (folder / f"server-{tag}.log").open("wb")
    command = [
        sys.executable, "-m", "zhangye_desk.server.cli", "serve", "--db", db_url,
        "--port", "0", "--ready-file", str(ready), "--files", str(folder / "files"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    log.close()
    url = wait_ready(process, ready, READY_TIMEOUT_S)
    if url is not None:
        return process, url
    process.kill()
    raise SystemExit((folder / f"server-{tag}.log").read_text(errors="replace")[-3000:])


class Browser:
    """One kept-alive connection with the session cookie, like a browser tab."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.conn = http.client.HTTPConnection(*self.address, timeout=600)
        self.cookies: dict[str, str] = {}
        self.reconnects = 0

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, Any]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            reply = self.conn.getresponse()
        except (ConnectionError, http.client.RemoteDisconnected):
            # The server dropped a kept-alive connection (its idle timeout): a browser
            # opens a new one and sends the request again.
            self.reconnects += 1
            self.conn.close()
            self.conn = http.client.HTTPConnection(*self.address, timeout=600)
            self.conn.request(method, path, body=body, headers=headers)
            reply = self.conn.getresponse()
        content = reply.read()
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return reply.status, content, reply.headers

    def login(self) -> None:
        status, page, _ = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert status == 200 and token
        csrf = token.group(1).decode()
        form = urlencode({"name": "bench", "password": PASSWORD, "csrf_token": csrf})
        status, _, _ = self.request("POST", "/login", form)
        assert status == 303, status


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))], 1)


def _views(browser: Browser, paths: list[str], problems: list[str]) -> list[float]:
    """Open each dashboard page once; milliseconds each."""
    timings = []
    for path in paths:
        t0 = time.perf_counter()
        status, page, _ = browser.request("GET", path)
        timings.append((time.perf_counter() - t0) * 1000)
        if status != 200 or b'data-figure="sessions"' not in page:
            problems.append(f"{path}: {status}")
    return timings


def _export(browser: Browser, path: str, expected: dict[str, Any], problems: list[str]) -> float:
    """Download the year's workbook, check its totals; seconds."""
    from openpyxl import load_workbook

    t0 = time.perf_counter()
    status, content, _ = browser.request("GET", path)
    elapsed = time.perf_counter() - t0
    if status != 200:
        problems.append(f"export: {status}")
        return elapsed
    sheet = load_workbook(io.BytesIO(content))["按乡镇"]
    totals = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "合计"][0]
    if totals[1] != expected["sessions"] or totals[2] != expected["participant_times"]:
        problems.append(f"export totals {totals[1:3]} != {expected}")
    return elapsed


def dashboard_requests(count: int, towns: list[str]) -> list[str]:
    periods = [("2026-01-01", "2026-12-31"), ("2026-04-01", "2026-06-30"),
               ("2026-09-01", "2026-09-30"), ("2026-01-01", "2026-06-30")]  # fmt: skip
    groupings = ["township", "organisation", "kind", "topic", "month"]
    paths = []
    for index in range(count):
        start, end = periods[index % len(periods)]
        query = {"from": start, "to": end, "by": groupings[index % len(groupings)]}
        if index % 3 == 2:
            query["township"] = towns[index % len(towns)]
        paths.append("/?" + urlencode(query))
    return paths


def run_database(kind: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    return with_database(kind, folder, "stats", lambda db_url: _run(kind, db_url, args, folder))


def _run(kind: str, db_url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from zhangye_desk.server.db import create_engine_for, read_transaction
    from zhangye_desk.server.dbadmin import init_db
    from zhangye_desk.server.stats import statistics

    init_db(db_url)
    engine = create_engine_for(db_url)
    t0 = time.perf_counter()
    loaded = generate(engine, args.people, args.sessions, args.marks, args.laptops)
    load_s = time.perf_counter() - t0
    with read_transaction(engine) as conn:
        expected = statistics(conn, date(2026, 1, 1), date(2026, 12, 31), "township")["totals"]
    engine.dispose()
    towns = [t["code"] for t in read_directory()["townships"]]

    server, url = start_server(folder, db_url, kind)
    problems: list[str] = []
    try:
        browser = Browser(url)
        browser.login()
        browser.request("GET", "/?" + urlencode({"from": "2026-01-01", "to": "2026-01-01"}))
        year = {"from": "2026-01-01", "to": "2026-12-31"}
        workbook = "/exports/stats.xlsx?" + urlencode(year)
        exports = [_export(browser, workbook, expected, problems)]  # cold: nothing computed yet
        paths = dashboard_requests(args.requests, towns)
        cold = _views(browser, paths, problems)
        warm = _views(browser, paths, problems)  # the same views again: StatsCache
        exports += [_export(browser, workbook, expected, problems) for _ in range(1, args.exports)]
    finally:
        server.terminate()
        server.wait(timeout=60)
    # A new process (nothing computed): the year by township only, as the dashboard's
    # "export Excel" button gives it (and `zhangye-server stats --xlsx`).
    server, url = start_server(folder, db_url, kind + "-2")
    try:
        browser = Browser(url)
        browser.login()
        browser.request("GET", "/?" + urlencode({"from": "2026-01-01", "to": "2026-01-01"}))
        single = "/exports/stats.xlsx?" + urlencode({**year, "by": "township"})
        single_s = _export(browser, single, expected, problems)
        # The year's other groupings, county-wide, never computed in this process (in the
        # first run the workbook had computed them before the dashboard views).
        year_views = [
            "/?" + urlencode({**year, "by": by})
            for by in ("organisation", "kind", "topic", "month")
        ]
        year_first = _views(browser, year_views, problems)
    finally:
        server.terminate()
        server.wait(timeout=60)
    if problems:
        log = (folder / f"server-{kind}.log").read_text(errors="replace")
        print(log[-3000:])

    figures = {
        "database": kind,
        **loaded,
        "load_s": round(load_s, 1),
        "dashboard_requests": len(cold),
        "dashboard_ms_p50": _percentile(cold, 0.5),
        "dashboard_ms_p95": _percentile(cold, 0.95),
        "dashboard_ms_max": round(max(cold), 1),
        "dashboard_repeat_ms_p50": _percentile(warm, 0.5),
        "dashboard_repeat_ms_p95": _percentile(warm, 0.95),
        "export_one_grouping_s_first": round(single_s, 2),
        "dashboard_year_first_ms_max": round(max(year_first), 1),
        "export_workbook_s_first": round(exports[0], 2),
        "export_workbook_s_repeat": round(min(exports[1:]), 2) if len(exports) > 1 else None,
        "year_sessions": expected["sessions"],
        "year_participant_times": expected["participant_times"],
        "ok": not problems,
    }
    print_figures(figures, problems[:5])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--marks", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--laptops", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="distinct dashboard views")
    parser.add_argument("--exports", type=int, default=2, help="year exports timed")
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if not set(kinds) <= {"sqlite", "postgresql"}:
        parser.error("--db takes sqlite and/or postgresql")
    if args.marks > args.sessions * (args.people // 8):
        parser.error("too many marks for the roster: a person is marked once per session")
    results = {}
    with tempfile.TemporaryDirectory(prefix="zhangye-stats-bench-") as tmp:
        for kind in kinds:
            folder = Path(tmp) / kind
            folder.mkdir()
            results[kind] = run_database(kind, args, folder)
    summary: dict[str, Any] = {"marks": args.marks, "people": args.people,
                               "sessions": args.sessions}  # fmt: skip
    names = {"sqlite": "sqlite", "postgresql": "postgres"}
    for kind, figures in results.items():
        summary[f"dashboard_p95_ms_{names[kind]}"] = figures["dashboard_ms_p95"]
        summary[f"dashboard_repeat_p95_ms_{names[kind]}"] = figures["dashboard_repeat_ms_p95"]
        summary[f"export_s_{names[kind]}"] = figures["export_one_grouping_s_first"]
        summary[f"dashboard_year_first_ms_max_{names[kind]}"] = figures[
            "dashboard_year_first_ms_max"
        ]
        summary[f"export_workbook_s_{names[kind]}"] = figures["export_workbook_s_first"]
        summary[f"export_workbook_repeat_s_{names[kind]}"] = figures["export_workbook_s_repeat"]
        summary[f"ok_{names[kind]}"] = figures["ok"]
    print(json.dumps(summary, sort_keys=True))
    return 0 if all(f["ok"] for f in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

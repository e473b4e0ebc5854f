"""Benchmark the local store on a county-sized roster.

Builds a store with 40,000 people, 2,000 sessions and 100,000 marks (``demo-data``), then
measures: opening it (integrity check and migrations check), one search per query type,
marking a person present (committed with its outbox op, WAL + synchronous=FULL), the
statistics queries, and ``status``. Prints a table, then JSON on the last line.

    python bench/store.py [--people 40000 --sessions 2000 --marks 100000]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from zhangye_desk.core import attendance, people, sessions, stats
from zhangye_desk.core.demo import generate_demo
from zhangye_desk.core.status import status
from zhangye_desk.core.store import open_db, open_store
from zhangye_desk.paths import DataPaths

QUERIES = {
    "characters": ["卓玛", "安", "才让", "巴特尔", "马阿"],
    "full_pinyin": ["zhuoma", "anmei", "cairang", "bateer", "mayu"],
    "initials": ["zm", "amh", "crzm", "bte", "my"],
}


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--sessions", type=int, default=2_000)
    parser.add_argument("--marks", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        paths = DataPaths(Path(tmp)).ensure()
        started = time.perf_counter()
        with open_store(paths, daily_backup=False) as store:
            generate_demo(
                store.db,
                materials_dir=paths.materials,
                people=args.people,
                sessions=args.sessions,
                marks=args.marks,
            )
        generate_s = time.perf_counter() - started

        open_ms = timed(lambda: open_db(paths.db).close(), 5)
        db = open_db(paths.db)
        township = db.execute("SELECT code FROM township ORDER BY sort LIMIT 1").fetchone()[0]
        results: dict[str, float] = {}
        for kind, queries in QUERIES.items():
            samples: list[float] = []
            for query in queries:
                # Search-as-you-type: every prefix of the query is one keystroke.
                for end in range(1, len(query) + 1):
                    samples += timed(
                        lambda q=query[:end]: people.search_people(db, q, township_code=township),
                        10,
                    )
            results[f"search_{kind}_p50_ms"] = p(samples, 0.5)
            results[f"search_{kind}_p99_ms"] = p(samples, 0.99)

        session_id = sessions.create_session(
            db, kind="tent", title="基准测试课堂", township_code=township
        )
        roster = [
            r[0]
            for r in db.execute(
                "SELECT id FROM person WHERE township_code = ? LIMIT 500", [township]
            )
        ]
        marks = [
            timed(lambda pid=pid: attendance.mark_present(db, session_id, pid), 1)[0]
            for pid in roster
        ]
        stats_ms = {
            by or "totals": timed(lambda by=by: stats.statistics(db, by=by), 3)
            for by in (None, "township", "kind", "month")
        }
        status_ms = timed(lambda: status(db, paths), 5)
        size_mb = paths.db.stat().st_size / 1e6
        db.close()

    figures = {
        "people": args.people,
        "sessions": args.sessions,
        "marks": args.marks,
        "generate_s": round(generate_s, 1),
        "db_mb": round(size_mb, 1),
        "open_p50_ms": p(open_ms, 0.5),
        **results,
        "search_p99_ms": max(v for k, v in results.items() if k.endswith("p99_ms")),
        "mark_p50_ms": p(marks, 0.5),
        "mark_p99_ms": p(marks, 0.99),
        **{f"stats_{k}_ms": round(statistics.median(v), 1) for k, v in stats_ms.items()},
        "status_ms": round(statistics.median(status_ms), 1),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    for key, value in figures.items():
        print(f"{key:28} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

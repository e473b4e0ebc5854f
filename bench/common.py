"""What the bench scripts share: the database a run uses and waiting for a server to start."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def with_database(kind: str, folder: Path, name: str, run: Callable[[str], T]) -> T:
    """``run(db_url)`` on a SQLite file ``folder/<name>.sqlite3`` or (``kind`` "postgresql")
    a database ``name`` in a throwaway PostgreSQL cluster with fsync on (tests/pgcluster.py),
    removed afterwards."""
    if kind == "sqlite":
        return run(f"sqlite:///{folder / f'{name}.sqlite3'}")
    from tests.pgcluster import create_database, start_cluster

    cluster = start_cluster(durable=True)
    try:
        create_database(cluster.url(), name)
        return run(cluster.url(name))
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)


def wait_ready(process: subprocess.Popen[bytes], ready: Path, timeout_s: float) -> str | None:
    """The URL the server wrote to its ready file, or None if it exited or took too long."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready.exists() and ready.read_text().strip():
            return ready.read_text().strip()
        if process.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def print_figures(figures: dict[str, Any], problems: list[str]) -> None:
    """A run's figures as an aligned table, then its first problems and a blank line."""
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print()

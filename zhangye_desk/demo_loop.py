"""`zhangye-desk demo`: the whole loop on one machine — a local server, an enrolled laptop, the app.

The first run builds both sides from the demo data, the way a county would:

1. a server on SQLite in its own folder (``<data>/demo-server``): ``init-db``, the county roster
   imported from a roster file (``import-roster``, the ordinary all-or-nothing import), the
   demo materials published (``publish-material``), an admin for the web pages and a
   township enrolment code (``enrol-code``);
2. the laptop (``<data>/demo``) enrols with that code, syncs once to pull the roster and the
   materials manifest (files are left for the download queue), then records a year of
   大河乡's sessions and marks — unsynced, so the first click on 同步 uploads them and the
   receipt can be read.

Every later run only starts the server again (on the same port when it is free, otherwise on
a new one, and the laptop is pointed at it) and opens the window; closing the window stops the
server. The server runs as a child process (``python -m zhangye_desk.server.cli``): the client
never imports the server package. Without the server extras installed (the packaged app) the
demo opens the laptop's offline demo data instead.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .paths import DataPaths, resource

log = logging.getLogger(__name__)

DEMO_TOWNSHIP = "大河乡"
DEMO_ADMIN = "admin"
# A demo-only password, printed on the console: the demo server listens on 127.0.0.1 only.
DEMO_ADMIN_PASSWORD = "zhangye-demo"
DEMO_PEOPLE = 2000
DEMO_SESSIONS = 40
DEMO_MARKS = 900
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0

Say = Callable[[str, dict[str, Any]], None]


def server_installed() -> bool:
    """True when the server's extras (FastAPI, uvicorn, SQLAlchemy) can be imported."""
    return all(importlib.util.find_spec(name) for name in ("fastapi", "uvicorn", "sqlalchemy"))


class DemoError(RuntimeError):
    """The demo could not be prepared or started. ``code`` names what went wrong and
    ``values`` fill the user's message (``cli.MESSAGES``); the English text is for the log."""

    def __init__(self, code: str, message: str, **values: str) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass
class DemoServer:
    """The demo's server: its folder, and its process once started."""

    root: Path
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    @property
    def db_url(self) -> str:
        return "sqlite:///" + (self.root / "server.sqlite3").as_posix()

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def seeded_marker(self) -> Path:
        return self.root / "seeded.json"

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "zhangye_desk.server.cli", *args, "--db", self.db_url]

    def run(self, *args: str, stdin: str | None = None) -> str:
        """One server command to completion; its stdout (what scripts read)."""
        done = subprocess.run(
            self.command(*args),
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=_child_env(),
            check=False,
        )
        if done.returncode != 0:
            detail = done.stderr.strip()[-2000:]
            raise DemoError(
                "demo_step_failed",
                f"zhangye-server {args[0]} failed:\n{detail}",
                step=args[0],
                detail=detail,
            )
        return done.stdout

    def start(self) -> str:
        """Serve on the port used last time when it is free (else any free port)."""
        self.root.mkdir(parents=True, exist_ok=True)
        wanted = self.port_file.read_text().strip() if self.port_file.exists() else "0"
        for port in dict.fromkeys((wanted, "0")):
            url = self._serve(port)
            if url:
                self.port_file.write_text(url.rsplit(":", 1)[1])
                return url
        tail = self.log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise DemoError(
            "demo_server_failed", f"the demo server did not start:\n{tail}", detail=tail
        )

    def _serve(self, port: str) -> str:
        ready = self.root / "ready"
        ready.unlink(missing_ok=True)
        with self.log_file.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    *self.command("serve"),
                    "--port", port, "--files", str(self.files), "--ready-file", str(ready),
                ],  # fmt: skip
                stdout=out,
                stderr=subprocess.STDOUT,
                env=_child_env(),
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if ready.exists() and ready.read_text(encoding="utf-8").strip():
                self.url = ready.read_text(encoding="utf-8").strip()
                return self.url
            if self.process.poll() is not None:  # e.g. the old port is taken now
                self.process = None
                return ""
            time.sleep(0.05)  # a poll interval, not a guess at the start-up time
        self.stop()
        return ""

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL if it does not go."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    # The server finds the package the same way this process did (a source checkout too).
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = package_parent + os.pathsep + env.get("PYTHONPATH", "")
    return env


def write_roster_csv(path: Path, *, people: int, seed: int = 2026) -> int:
    """The demo county roster as a CSV roster file (UTF-8 with a BOM, like Excel's)."""
    from .core.demo import roster_table
    from .core.store import open_db

    with tempfile.TemporaryDirectory(prefix="zhangye-demo-") as scratch:
        db = open_db(Path(scratch) / "directory.sqlite3")
        try:
            rows = roster_table(db, people=people, seed=seed)
        finally:
            db.close()
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def seed_server(server: DemoServer, say: Say) -> str:
    """Build the demo server's data (once); returns a fresh enrolment code for the laptop."""
    server.root.mkdir(parents=True, exist_ok=True)
    server.files.mkdir(parents=True, exist_ok=True)
    server.run("init-db")
    roster = server.root / "demo-roster.csv"
    count = write_roster_csv(roster, people=DEMO_PEOPLE)
    server.run("import-roster", str(roster), "--json")
    say("demo_server_roster", {"people": count})
    manifest = json.loads(resource("demo_materials", "manifest.json").read_text("utf-8"))
    for item in manifest["materials"] if isinstance(manifest, dict) else manifest:
        args = ["publish-material", str(resource("demo_materials", item["file"]))]
        args += ["--title", item["title"], "--files", str(server.files), "--json"]
        for flag, key in (("--topic", "topic"), ("--language", "language")):
            if item.get(key):
                args += [flag, item[key]]
        args += ["--priority", str(item.get("priority", 0))]
        server.run(*args)
    server.run("create-admin", DEMO_ADMIN, "--password-stdin", stdin=DEMO_ADMIN_PASSWORD + "\n")
    return server.run("enrol-code", "--township", DEMO_TOWNSHIP, "--expires", "1d").strip()


def prepare_laptop(db: Database, paths: DataPaths, url: str, code: str, say: Say) -> None:
    """Enrol, pull the roster and the materials manifest, then record the demo sessions."""
    from .core.demo import demo_sessions
    from .sync.engine import SyncOptions, enrol, sync

    enrol(db, url, code, name="演示笔记本")
    sync(db, paths, options=SyncOptions(fetch_files=False, backup=False))
    counts = demo_sessions(db, township=DEMO_TOWNSHIP, sessions=DEMO_SESSIONS, marks=DEMO_MARKS)
    say("demo_laptop_ready", counts)


def run_demo(
    paths: DataPaths,
    server_root: Path,
    *,
    say: Say,
    open_window: Callable[[], int],
    offline_demo: Callable[[], int],
) -> int:
    """Start (and the first time, build) the demo server and laptop, open the window, and stop
    the server when the window closes. ``offline_demo`` runs when there is no server to start."""
    if not server_installed():
        say("demo_no_server", {})
        return offline_demo()
    from .core.store import open_store
    from .sync.engine import credentials, point_at_server

    server = DemoServer(server_root)
    try:
        with open_store(paths) as store:
            enrolled = _is_enrolled(store.db)
            if not enrolled and store.db.execute("SELECT count(*) FROM person").fetchone()[0]:
                raise DemoError(
                    "demo_older_offline",
                    f"{paths.root} holds an older offline demo; delete the folder and run again",
                    path=str(paths.root),
                )
            if not enrolled:
                if server.root.exists():
                    shutil.rmtree(server.root)  # a half-built server from an interrupted demo
                code = seed_server(server, say)
                url = server.start()
                prepare_laptop(store.db, paths, url, code, say)
            else:
                url = server.start()
                if credentials(store.db).server_url != url:
                    point_at_server(store.db, url)
        say(
            "demo_server_running",
            {"url": url, "admin": DEMO_ADMIN, "password": DEMO_ADMIN_PASSWORD},
        )
        return open_window()
    finally:
        server.stop()


def _is_enrolled(db: Database) -> bool:
    from .sync.engine import credentials
    from .sync.errors import NotEnrolled

    try:
        credentials(db)
    except NotEnrolled:
        return False
    return True


__all__: Sequence[str] = (
    "DEMO_ADMIN",
    "DEMO_TOWNSHIP",
    "DemoError",
    "DemoServer",
    "run_demo",
    "seed_server",
    "server_installed",
    "write_roster_csv",
)

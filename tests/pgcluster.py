"""A throwaway PostgreSQL cluster for tests (a pytest plugin: ``pytest_plugins``).

``postgres_url`` starts one cluster per test session, the first time a test asks for it:
``initdb`` into a fresh temp folder, listening on 127.0.0.1 at a free port, its unix socket
in that folder, trust authentication, ``fsync=off`` (``start_cluster(durable=True)`` leaves
it on, for benchmarks). ``fresh_postgres_url`` gives each test its own empty database
(``CREATE DATABASE`` … and ``DROP DATABASE … WITH (FORCE)`` after).
The cluster is stopped with ``pg_ctl stop -m fast`` and its folder removed at session end.

PostgreSQL refuses to run as root and CI runs as root, so as root the cluster belongs to a
system user ``zhangye-pg`` (created with ``useradd --system`` if missing) and every server
binary runs through ``setpriv`` (or ``runuser``); otherwise it runs as the current user.

Binaries come from ``ZHANGYE_TEST_PG_BIN`` or the newest ``/usr/lib/postgresql/*/bin``. When
there are none the fixtures **fail** with a message saying what to install: a PostgreSQL test
that silently skips would hide exactly the regressions it exists to catch.

URLs are plain libpq URLs (``postgresql://user@127.0.0.1:port/db``) as a user would type them
after ``--db``. Nothing here is specific to the server's schema.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PG_USER = "zhangye-pg"  # the unprivileged system account that owns the cluster under root
SUPERUSER = "zhangye"  # the database role the tests connect as (trust auth, 127.0.0.1 only)
BIN_ENV = "ZHANGYE_TEST_PG_BIN"
START_TIMEOUT_S = 60.0
PORT_ATTEMPTS = 5

INSTALL_HINT = (
    "PostgreSQL server binaries were not found (looked in ${env} and /usr/lib/postgresql/*/bin). "
    "Install them with `make system` or `apt-get install postgresql`; these tests do not skip."
)


class ClusterError(RuntimeError):
    """The test cluster could not be created, started or stopped (the message says why)."""


def find_bin_dir() -> Path:
    """The newest PostgreSQL ``bin`` folder holding initdb, pg_ctl, postgres and pg_isready."""
    needed = ("initdb", "pg_ctl", "postgres", "pg_isready")
    candidates: list[Path] = []
    if os.environ.get(BIN_ENV):
        candidates.append(Path(os.environ[BIN_ENV]))

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([0-9.]+)/bin$", path)
        return tuple(int(p) for p in match.group(1).split(".") if p) if match else (0,)

    # Sort numerically: "9.6" < "15" < "16" (a string sort would put 9.6 last).
    candidates += [
        Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    ]
    for candidate in candidates:
        if all(os.access(candidate / name, os.X_OK) for name in needed):
            return candidate
    raise ClusterError(INSTALL_HINT.replace("${env}", BIN_ENV))


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    result = subprocess.run(
        ["useradd", "--system", "--user-group", "--no-create-home",
         "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        # Another test process may have created it at the same moment: that is fine too.
        return pwd.getpwnam(name)
    except KeyError:
        raise ClusterError(f"could not create the system user {name}: {result.stderr}") from None


def _free_port() -> int:
    """A port nobody listens on right now (bind port 0, release it; start() retries a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    """One initdb'd cluster in ``root`` (``data/``, ``socket/``, ``postgres.log``)."""

    bin_dir: Path
    root: Path
    run_as: pwd.struct_passwd | None = None  # None: the current (non-root) user
    port: int = 0
    # True: fsync, synchronous_commit and full-page writes on, as in production (benchmarks);
    # False: throwaway data, off (tests).
    durable: bool = False
    startup_seconds: float = 0.0  # initdb + start: what the harness costs a test session
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    # --- running binaries as the cluster's owner ---------------------------------------------

    def _command(self, name: str, *args: str, as_owner: bool = True) -> list[str]:
        command = [str(self.bin_dir / name), *args]
        if self.run_as is None or not as_owner:
            return command
        if shutil.which("setpriv"):
            # setpriv execs in place (no PAM session, no extra process between us and postgres).
            return [
                "setpriv", f"--reuid={self.run_as.pw_uid}", f"--regid={self.run_as.pw_gid}",
                "--clear-groups", "--", *command,
            ]  # fmt: skip
        return ["runuser", "-u", self.run_as.pw_name, "--", *command]

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # A root HOME is unreadable for the cluster's owner; C.UTF-8 exists on every Debian.
        env.update(HOME=str(self.root), LC_ALL="C.UTF-8", LANG="C.UTF-8", TZ="UTC")
        return env

    def _run(
        self, name: str, *args: str, as_owner: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(name, *args, as_owner=as_owner),
            capture_output=True, text=True, check=False, cwd=self.root, env=self._env(),
        )  # fmt: skip

    # --- lifecycle ----------------------------------------------------------------------------

    def init(self) -> None:
        self.socket_dir.mkdir()
        if self.run_as is not None:
            for path in (self.root, self.socket_dir):
                os.chown(path, self.run_as.pw_uid, self.run_as.pw_gid)
        result = self._run(
            "initdb", "--pgdata", str(self.data_dir), "--username", SUPERUSER,
            "--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        if result.returncode != 0:
            raise ClusterError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        """Start on a free port, retrying with another if someone else took it meanwhile."""
        last_log = ""
        for _ in range(PORT_ATTEMPTS):
            self.port = _free_port()
            if self._start_on_port():
                return
            last_log = self._log_tail()
            if "could not bind" not in last_log and "already in use" not in last_log:
                break
        raise ClusterError(f"PostgreSQL did not start; its log ends with:\n{last_log}")

    def _start_on_port(self) -> bool:
        switch = "on" if self.durable else "off"
        with open(self.log_file, "ab") as log:  # the child keeps its own copy of the fd
            # postgres itself (not pg_ctl start) so a failed start is seen at once through
            # poll() instead of after pg_ctl's own timeout.
            self.process = subprocess.Popen(
                self._command(
                    "postgres", "-D", str(self.data_dir), "-p", str(self.port),
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", f"unix_socket_directories={self.socket_dir}",
                    # Throwaway data: durability is pointless and costs seconds per test run.
                    "-c", f"fsync={switch}", "-c", f"synchronous_commit={switch}",
                    "-c", f"full_page_writes={switch}", "-c", "max_connections=100",
                ),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=self.root, env=self._env(),
                start_new_session=True,  # a Ctrl-C meant for pytest must not hit postgres first
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                return False
            # Ask through our own unix socket, not 127.0.0.1:port: if another cluster took the
            # port first, it would answer over TCP while ours is failing to bind.
            ready = self._run(
                "pg_isready", "-q", "-h", str(self.socket_dir), "-p", str(self.port),
                "-U", SUPERUSER, "-d", "postgres", "-t", "1", as_owner=False,
            )  # fmt: skip
            if ready.returncode == 0 and self.process.poll() is None:
                return True
            time.sleep(0.05)  # a poll interval, not a guess at how long startup takes
        self.stop()
        raise ClusterError(
            f"PostgreSQL was not ready after {START_TIMEOUT_S:.0f} s:\n{self._log_tail()}"
        )

    def stop(self) -> None:
        if self.process is None:
            return
        result = self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()  # pg_ctl could not stop it; do not leave a server behind
            self.process.wait()
            raise ClusterError(f"pg_ctl stop failed: {result.stderr}") from None
        finally:
            self.process = None

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def start_cluster(*, durable: bool = False) -> PgCluster:
    """Create and start a cluster in a new temp folder (the caller stops it and removes it).
    ``durable``: fsync and synchronous commits on (a benchmark), instead of off (tests)."""
    bin_dir = find_bin_dir()
    run_as = _ensure_system_user(PG_USER) if os.geteuid() == 0 else None
    # Directly under the system temp dir, not pytest's tmp_path: pytest's base folder is 0700
    # root, so the cluster's owner could not reach a folder inside it.
    root = Path(tempfile.mkdtemp(prefix="zhangye-pg-"))
    cluster = PgCluster(bin_dir=bin_dir, root=root, run_as=run_as, durable=durable)
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name is ours: t_ + hex


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        # FORCE: a server subprocess or a leaked engine may still hold a connection.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PgCluster]:
    started = time.monotonic()
    try:
        cluster = start_cluster()
    except ClusterError as exc:
        pytest.fail(f"test PostgreSQL cluster: {exc}", pytrace=False)
    cluster.startup_seconds = time.monotonic() - started
    try:
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PgCluster) -> str:
    """The session cluster's maintenance database URL (``postgres``); shared by all tests."""
    return postgres_cluster.url()


@pytest.fixture
def fresh_postgres_url(postgres_cluster: PgCluster) -> Iterator[str]:
    """A new, empty database for this test only; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = postgres_cluster.url()
    create_database(admin, name)
    try:
        yield postgres_cluster.url(name)
    finally:
        drop_database(admin, name)

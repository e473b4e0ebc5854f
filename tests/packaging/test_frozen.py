"""The packaged app, as a township laptop runs it (issue 6).

The onedir folder is built once by ``packaging/build.py onedir`` (about 20 s here, reused while
no input changed: ``dist/zhangye-desk.stamp``). Then, from that folder:

* ``zhangye-desk --self-test`` offscreen on a temporary data folder: exit 0, and no error or
  warning in its output (a missing Qt plugin, translation or module shows up here first);
* the bundle holds neither the server nor its libraries, and only zh_CN/en Qt translations;
* the frozen command line enrols with and syncs to a REAL server process behind TLS (a
  throwaway county CA given through ``ZHANGYE_DESK_CA_FILE``): requests, the trust store, SSL
  and gzip are all in the bundle.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TOWNSHIP, Central, ServerProcess
from tests.tlsutil import TlsProxy, make_ca, valid_now
from zhangye_desk.core import attendance, sessions
from zhangye_desk.core.store import open_store
from zhangye_desk.paths import DataPaths
from zhangye_desk.sync.tls import CA_FILE_ENV

REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 900

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="CI builds the Windows app in its own workflow"
)


@pytest.fixture(scope="session")
def onedir() -> Path:
    result = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "build.py"), "onedir"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert (folder / "zhangye-desk").is_file()
    return folder


def frozen_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment, as on a laptop: no venv, no PYTHONPATH, an empty home."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_RUNTIME_DIR": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "ZHANGYE_DESK_NO_FIRST_RUN": "1",
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


def run_frozen(
    onedir: Path, tmp_path: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(onedir / "zhangye-desk"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=frozen_env(tmp_path, **env),
    )


PROBLEM = re.compile(r"warn|error|traceback|exception|cannot|could not|failed|qt\.", re.IGNORECASE)


def test_the_frozen_self_test_passes_without_warnings(onedir: Path, tmp_path: Path) -> None:
    result = run_frozen(onedir, tmp_path, "--self-test")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "self-test passed: window title '张掖流动课堂' (zh_CN)" in output
    problems = [line for line in output.splitlines() if PROBLEM.search(line)]
    assert problems == [], output
    english = run_frozen(onedir, tmp_path, "--lang", "en", "--self-test")
    assert english.returncode == 0 and "'Zhangye Desk' (en)" in english.stderr, english.stderr


def _archive_names(executable: Path) -> set[str]:
    """Module names inside the executable's archive (its PYZ included)."""
    from PyInstaller.archive.readers import pkg_archive_contents

    return set(pkg_archive_contents(str(executable), recursive=True))


def test_the_bundle_leaves_out_the_server_and_unused_qt(onedir: Path) -> None:
    internal = onedir / "_internal"
    files = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    for unwanted in ("fastapi", "sqlalchemy", "uvicorn", "starlette", "psycopg", "alembic"):
        assert not any(name.split("/")[0].startswith(unwanted) for name in files), unwanted
    assert not any("zhangye_desk/server" in name for name in files)
    modules = _archive_names(onedir / "zhangye-desk")
    assert "zhangye_desk.ui.pages.attendance" in modules and "truststore" in modules
    server_side = ("zhangye_desk.server", "fastapi", "sqlalchemy", "uvicorn")
    assert not [name for name in modules if name.startswith(server_side)]
    translations = {n.rsplit("/", 1)[-1] for n in files if "PySide6/Qt/translations/" in n}
    assert "qtbase_zh_CN.qm" in translations
    assert all(re.search(r"_(zh_CN|en)\.qm$", name) for name in translations), translations
    plugins = {n.rsplit("/", 1)[-1] for n in files if "/plugins/platforms/" in n}
    assert plugins == {"libqxcb.so", "libqoffscreen.so"}
    assert not any(name.startswith("PySide6/Qt3D") or "QtQuick" in name for name in files)


@pytest.fixture
def tls_central(tmp_path: Path) -> Iterator[tuple[Central, TlsProxy, Path]]:
    """A real server (SQLite) with a roster, behind TLS signed by a throwaway county CA."""
    from zhangye_desk.server.db import create_engine_for
    from zhangye_desk.server.dbadmin import init_db

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    init_db(url)
    engine = create_engine_for(url)
    files = tmp_path / "server-files"
    files.mkdir()
    central = Central(url, files, engine, ServerProcess(url, files, tmp_path))
    central.add_people(30)
    central.server.start()
    ca = make_ca(tmp_path / "ca")
    try:
        with TlsProxy(valid_now(ca), central.server.port) as proxy:
            yield central, proxy, ca.cert
    finally:
        central.server.kill()
        engine.dispose()


def test_the_frozen_cli_enrols_and_syncs_over_https(
    onedir: Path, tmp_path: Path, tls_central: tuple[Central, TlsProxy, Path]
) -> None:
    central, proxy, ca_cert = tls_central
    data = tmp_path / "laptop"
    env = {CA_FILE_ENV: str(ca_cert)}
    enrolled = run_frozen(
        onedir, tmp_path, "--data-dir", str(data), "enrol", "--server", proxy.url,
        "--code", central.enrol_code(), "--name", "大河乡-笔记本-冻结", **env,
    )  # fmt: skip
    assert enrolled.returncode == 0, enrolled.stderr
    first = run_frozen(onedir, tmp_path, "--data-dir", str(data), "sync", "--json", **env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["people"]["upserted"] == 30  # the roster arrived

    # A week's work recorded on the laptop (the app is closed: the folder is free).
    rng = random.Random(6)
    with open_store(DataPaths(data), daily_backup=False) as store:
        people = [
            row[0]
            for row in store.db.execute(
                "SELECT id FROM person WHERE township_code = ? ORDER BY id", [TOWNSHIP]
            )
        ]
        for _ in range(2):
            session_id = sessions.create_session(
                store.db, kind=rng.choice(["tent", "horseback"]), title="学党史 感党恩",
                township_code=TOWNSHIP, place_name="夏季牧场", by="test",
            )  # fmt: skip
            for person in people[:25]:
                attendance.mark(store.db, session_id, person, "present", by="test")

    second = run_frozen(onedir, tmp_path, "--data-dir", str(data), "sync", "--json", **env)
    assert second.returncode == 0, second.stderr
    receipt = json.loads(second.stdout)
    assert receipt["ops_acked"] > 50 and receipt["pending_ops"] == 0
    assert receipt["totals_match"] is True, receipt
    assert receipt["local_totals"]["participant_times"] == 50

    # Without the county CA the same server is refused, calmly.
    refused = run_frozen(onedir, tmp_path, "--data-dir", str(data), "sync", "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"] == "certificate_error"
    assert "Traceback" not in refused.stderr


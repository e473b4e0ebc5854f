"""The ``zhangye-desk`` command line, run as a real process on a real data folder."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

DAHE = "620721203"


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhangye_desk.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def dahe_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("dahe")
    result = run_cli(
        data_dir, "demo-data", "--people", "400", "--sessions", "30", "--marks", "900",
        "--township", "大河乡",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "演示数据已生成" in result.stderr
    return data_dir


def test_status_json_describes_what_demo_data_made(dahe_store: Path) -> None:
    result = run_cli(dahe_store, "status", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)  # stdout holds the JSON alone
    assert info["last_sync"] is None
    assert info["local_totals"]["sessions"] == 30
    db = sqlite3.connect(dahe_store / "zhangye-desk.sqlite3")
    try:
        marks = db.execute("SELECT count(*) FROM attendance WHERE status != 'removed'").fetchone()[
            0
        ]
        headcount = db.execute("SELECT sum(headcount_unregistered) FROM session").fetchone()[0]
        ops = db.execute("SELECT count(*) FROM outbox WHERE acked_at IS NULL").fetchone()[0]
    finally:
        db.close()
    assert marks == 900
    assert info["local_totals"]["participant_times"] == marks + headcount
    assert info["pending_ops"] == ops > 900  # every session, mark and walk-in waits to sync


def test_with_a_township_everything_belongs_to_it(dahe_store: Path) -> None:
    db = sqlite3.connect(dahe_store / "zhangye-desk.sqlite3")
    try:
        people = {r[0] for r in db.execute("SELECT DISTINCT township_code FROM person")}
        sessions = {r[0] for r in db.execute("SELECT DISTINCT township_code FROM session")}
        villages = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT v.township_code FROM session s JOIN village v "
                "ON v.code = s.village_code"
            )
        }
    finally:
        db.close()
    assert people == sessions == villages == {DAHE}


def test_demo_roster_looks_like_sunan(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, "demo-data", "--people", "3000", "--sessions", "200", "--marks", "2000"
    )
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(tmp_path / "zhangye-desk.sqlite3")
    try:
        ethnicities = dict(db.execute("SELECT ethnicity, count(*) FROM person GROUP BY 1"))
        statuses = dict(db.execute("SELECT political_status, count(*) FROM person GROUP BY 1"))
        kinds = {r[0] for r in db.execute("SELECT DISTINCT kind FROM session")}
        townships = db.execute("SELECT count(DISTINCT township_code) FROM person").fetchone()[0]
        span = db.execute("SELECT max(starts_at) - min(starts_at) FROM session").fetchone()[0]
        open_sessions = db.execute("SELECT count(*) FROM session WHERE state = 'open'").fetchone()
    finally:
        db.close()
    assert {"裕固族", "藏族", "蒙古族", "汉族", "回族"} <= set(ethnicities)
    assert set(statuses) == {"member", "probationary", "activist", "masses"}
    assert statuses["masses"] > statuses["member"] > statuses["probationary"]
    assert kinds == {"tent", "horseback", "study", "party_lecture", "party_day", "mobile"}
    assert townships == 8
    assert span > 300 * 24 * 3600  # sessions spread over a year
    assert open_sessions == (2,)


def test_an_unknown_township_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "demo-data", "--people", "10", "--township", "北京市")
    assert result.returncode == 1
    assert "北京市" in result.stderr and "大河乡" in result.stderr  # names the valid choices
    assert "Traceback" not in result.stderr
    db = sqlite3.connect(tmp_path / "zhangye-desk.sqlite3")
    try:
        assert db.execute("SELECT count(*) FROM person").fetchone()[0] == 0
    finally:
        db.close()


def test_english_messages_on_request(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--lang", "en", "status")
    assert result.returncode == 0
    assert "Unsynced changes: 0" in result.stdout


def test_backup_then_restore_latest_from_the_command_line(dahe_store: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "copy"
    data_dir.mkdir()
    source = sqlite3.connect(dahe_store / "zhangye-desk.sqlite3")
    target = sqlite3.connect(data_dir / "zhangye-desk.sqlite3")
    source.backup(target)
    source.close()
    target.close()
    before = json.loads(run_cli(data_dir, "status", "--json").stdout)
    assert run_cli(data_dir, "backup").returncode == 0
    # A damaged store is refused with an offer of the backup …
    (data_dir / "zhangye-desk.sqlite3").write_bytes(b"garbage" * 1000)
    for side in ("-wal", "-shm"):
        (data_dir / f"zhangye-desk.sqlite3{side}").unlink(missing_ok=True)
    refused = run_cli(data_dir, "status")
    assert refused.returncode == 1
    assert "zhangye-desk restore --latest" in refused.stderr
    # … and restoring it brings the records back under a new replica id.
    restored = run_cli(data_dir, "restore", "--latest")
    assert restored.returncode == 0, restored.stderr
    after = json.loads(run_cli(data_dir, "status", "--json").stdout)
    assert after["local_totals"] == before["local_totals"]
    assert after["pending_ops"] == before["pending_ops"]
    assert after["replica_id"] != before["replica_id"]

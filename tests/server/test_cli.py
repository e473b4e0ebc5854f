"""``zhangye-server``, run as real processes on real databases, as an IT admin would use it:
init-db, enrolment codes, roster import, publishing a material that the server then serves,
statistics as JSON and as an Excel report, admins, revoking a laptop — on SQLite, and the
init-db + import-roster + stats path on PostgreSQL too (the throwaway cluster of
tests/pgcluster.py, which also proves that harness works as root in CI).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import openpyxl
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from zhangye_desk.server import dbadmin
from zhangye_desk.server.auth import code_hash, create_enrol_code, enrol_device
from zhangye_desk.server.db import (
    admin_user,
    attendance,
    attendance_event,
    create_engine_for,
    enrol_code,
    person,
    read_transaction,
    session,
    write_transaction,
)
from zhangye_desk.server.stats import refresh_tallies

DAHE = "620721203"  # 大河乡
MATI = "620721200"  # 马蹄藏族乡
CST = timezone(timedelta(hours=8))
CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
ROSTER = [
    ["姓名", "性别", "民族", "出生年份", "乡镇", "村", "党组织", "政治面貌"],
    ["安玉花", "女", "裕固族", "1978", "大河乡", "西岔河村", "西岔河村党支部", "党员"],
    ["杜建军", "男", "汉族", "1985", "大河乡", "松木滩村", "松木滩村党支部", "预备党员"],
    ["才让多杰", "男", "藏族", "1990", "马蹄藏族乡", "大都麻村", "", "入党积极分子"],
    ["妥金兰", "女", "裕固族", "1962", "大河乡", "光华村", "", "群众"],
]
STAT_HEADERS = ["场次", "人次", "登记人次", "未登记人次", "人数", "党员数", "参学党员数", "参与率"]
STAT_KEYS = [
    "sessions", "participant_times", "registered_participant_times", "unregistered_headcount",
    "unique_participants", "party_members", "party_members_attended", "participation_rate",
]  # fmt: skip


def run_cli(
    *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhangye_desk.server.cli", *args],
        input=stdin, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.fixture(scope="module")
def initialised_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``init-db`` run once per module through the CLI; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "server.sqlite3"
    result = run_cli("init-db", "--db", f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "数据库已就绪" in result.stderr and "8 个乡镇" in result.stderr
    return path


@pytest.fixture
def db_url(initialised_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "server.sqlite3"
    shutil.copy(initialised_db, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(db_url)
    yield engine
    engine.dispose()


def write_roster(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in ROSTER:
        sheet.append(row)
    workbook.save(path)
    return path


def cst(year: int, month: int, day: int, hour: int = 10) -> int:
    return int(datetime(year, month, day, hour, tzinfo=CST).timestamp())


def seed_sessions(engine: Engine) -> None:
    """Four sessions with marks, as if laptops had pushed them (three of them in 2026):

    | session                  | headcount | registered marks that count          |
    | 大河乡 tent 2026-01-10    | 5         | 安玉花 present, 杜建军 late, 妥金兰     |
    | 大河乡 horseback 2026-02  | 0         | 安玉花 (杜建军 marked, then removed)    |
    | 马蹄 tent 2026-03-01      | 2         | 才让多杰                               |
    | 大河乡 study 2025-12-31   | 9         | 安玉花 (outside the 2026 period)       |
    """
    with write_transaction(engine) as conn:
        ids = {row.name: row.id for row in conn.execute(select(person.c.name, person.c.id))}
        now = int(time.time())
        code = create_enrol_code(conn, DAHE, 3600, now=now)
        device = enrol_device(conn, code, "大河乡-笔记本-1", now=now).device_id
        replica = "replica-under-test"
        seq = 0

        def next_seq() -> int:
            nonlocal seq
            seq += 1
            return seq

        plan = [
            ("s1", "tent", DAHE, cst(2026, 1, 10), 5,
             [("安玉花", "present"), ("杜建军", "late"), ("妥金兰", "present")]),
            ("s2", "horseback", DAHE, cst(2026, 2, 15), 0,
             [("安玉花", "present"), ("杜建军", "present"), ("杜建军", "removed")]),
            ("s3", "tent", MATI, cst(2026, 3, 1), 2, [("才让多杰", "present")]),
            ("s4", "study", DAHE, cst(2025, 12, 31), 9, [("安玉花", "present")]),
        ]  # fmt: skip
        for session_id, kind, township, starts, headcount, marks in plan:
            conn.execute(
                session.insert().values(
                    id=session_id, kind=kind, title=f"{kind} 课堂", starts_at=starts,
                    township_code=township, headcount_unregistered=headcount, state="closed",
                    created_at=starts, updated_at=now, closed_at=starts + 3600,
                    created_by_device=device, origin_replica=replica, seq=next_seq(),
                    received_at=now,
                )
            )  # fmt: skip
            for offset, (name, status) in enumerate(marks):
                at = starts + 60 * (offset + 1)
                inserted = conn.execute(
                    attendance_event.insert().values(
                        session_id=session_id, person_id=ids[name], status=status, at=at,
                        device_id=device, origin_replica=replica, seq=next_seq(), received_at=now,
                    )
                ).inserted_primary_key  # fmt: skip
                assert inserted is not None
                event_id = inserted[0]
                key = {"session_id": session_id, "person_id": ids[name]}
                current = {"status": status, "event_id": event_id, "at": at, "device_id": device}
                if conn.execute(select(attendance).filter_by(**key)).first() is None:
                    conn.execute(attendance.insert().values(**key, **current))
                else:
                    conn.execute(attendance.update().filter_by(**key).values(**current))
            refresh_tallies(conn, [session_id])  # what a push does with its marks


# Figures for 2026 (the docstring's table): 3 sessions; registered 3 + 1 + 1 = 5; headcount
# 5 + 0 + 2 = 7; 4 people; Party members 安玉花 and 杜建军, both attended.
TOTALS_2026 = {
    "sessions": 3, "participant_times": 12, "registered_participant_times": 5,
    "unregistered_headcount": 7, "unique_participants": 4, "party_members": 2,
    "party_members_attended": 2, "participation_rate": 1.0,
}  # fmt: skip


# --- database setup ---------------------------------------------------------------------------


def test_commands_on_a_missing_database_say_to_run_init_db(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here.sqlite3"
    result = run_cli("stats", "--db", f"sqlite:///{path}")
    assert result.returncode == 1
    assert "请先运行 zhangye-server init-db --db sqlite:///" in result.stderr
    assert "Traceback" not in result.stderr
    assert not path.exists()  # asking did not leave an empty database behind
    english = run_cli("--lang", "en", "enrol-code", "--township", "大河乡", "--db", str(path))
    assert english.returncode == 1
    assert "Run 'zhangye-server init-db" in english.stderr


def test_an_empty_database_is_not_migrated_halfway(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    result = run_cli("migrate", "--db", str(path))
    assert result.returncode == 1
    assert "尚未初始化" in result.stderr and "init-db" in result.stderr


def test_init_db_uses_zhangye_server_db_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "from-env.sqlite3"
    env = {"ZHANGYE_SERVER_DB": f"sqlite:///{path}"}
    first = run_cli("init-db", env=env)
    assert first.returncode == 0, first.stderr
    assert path.exists()
    again = run_cli("init-db", env=env)
    assert again.returncode == 0, again.stderr
    migrate = run_cli("migrate", env=env)
    assert migrate.returncode == 0, migrate.stderr
    assert "已是最新版本" in migrate.stderr
    assert dbadmin.schema_state(f"sqlite:///{path}").up_to_date


def test_bad_and_unreachable_databases_get_a_calm_message_without_secrets() -> None:
    bad = run_cli("stats", "--db", "mysql://root@localhost/zhangye")
    assert bad.returncode == 1
    assert "数据库地址无效" in bad.stderr
    # Port 1 on this host: nothing listens, the connection is refused at once.
    down = run_cli("stats", "--db", "postgresql://zhangye:s3cr3t-pw@127.0.0.1:1/zhangye")
    assert down.returncode == 1
    assert "无法连接数据库" in down.stderr
    assert "s3cr3t-pw" not in down.stderr + down.stdout
    assert "Traceback" not in down.stderr


# --- enrolment codes --------------------------------------------------------------------------


def test_enrol_code_prints_the_code_alone_and_stores_only_its_hash(
    db_url: str, engine: Engine
) -> None:
    expiries = {"7d": 7 * 86400, "30m": 1800, "12h": 12 * 3600}
    codes = []
    for expires, seconds in expiries.items():
        args = ["enrol-code", "--township", "大河乡", "--db", db_url]
        result = run_cli(*args, *([] if expires == "7d" else ["--expires", expires]))
        assert result.returncode == 0, result.stderr
        code = result.stdout.strip()
        assert CODE.match(code), result.stdout
        assert result.stdout == code + "\n"
        assert "大河乡" in result.stderr and "一次性" in result.stderr
        codes.append((code, seconds))
    with read_transaction(engine) as conn:
        rows = {row.code_hash: row for row in conn.execute(select(enrol_code))}
    assert len(rows) == 3
    for code, seconds in codes:
        row = rows[code_hash(code)]
        assert row.township_code == DAHE
        assert row.expires_at - row.created_at == seconds
        assert row.used_at is None
        assert code not in repr(tuple(row))  # never stored in clear


def test_enrol_code_explains_bad_input(db_url: str) -> None:
    bad_expiry = run_cli("enrol-code", "--township", "大河乡", "--expires", "7x", "--db", db_url)
    assert bad_expiry.returncode == 1
    assert "30m（分钟）、12h（小时）或 7d（天）" in bad_expiry.stderr
    assert bad_expiry.stdout == ""
    unknown = run_cli("enrol-code", "--township", "东山乡", "--db", db_url)
    assert unknown.returncode == 1
    assert "没有名为“东山乡”的乡镇" in unknown.stderr and "大河乡" in unknown.stderr
    # The name people say, without the ethnic designation, is understood.
    short = run_cli("enrol-code", "--township", "马蹄乡", "--db", db_url)
    assert short.returncode == 0, short.stderr
    assert "马蹄藏族乡" in short.stderr


# --- materials, served content-addressed -------------------------------------------------------


def start_server(db_url: str, files: Path, ready: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "zhangye_desk.server.cli", "serve", "--db", db_url,
         "--port", "0", "--files", str(files), "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ready.exists():
            return process, ready.read_text(encoding="utf-8").strip()
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.communicate()}")
        time.sleep(0.05)  # polling the ready file, not guessing a start-up time
    process.kill()
    raise AssertionError("the server did not become ready in 60 s")


def test_a_published_material_is_served_by_its_sha256(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    lecture = tmp_path / "草原生态保护补助政策.pdf"
    content = b"%PDF-1.4\n" + os.urandom(200_000)
    lecture.write_bytes(content)
    sha256 = hashlib.sha256(content).hexdigest()

    publish = run_cli(
        "publish-material", str(lecture), "--title", "草原生态保护补助政策", "--topic", "政策",
        "--language", "zh", "--priority", "5", "--files", str(files), "--db", db_url, "--json",
    )  # fmt: skip
    assert publish.returncode == 0, publish.stderr
    published = json.loads(publish.stdout)
    assert published["sha256"] == sha256 and published["size"] == len(content)
    assert published["created"] is True and published["priority"] == 5
    assert (files / sha256[:2] / sha256).read_bytes() == content
    again = run_cli("publish-material", str(lecture), "--title", "重复", "--files", str(files),
                    "--db", db_url)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "此前已发布" in again.stdout

    process, base = start_server(db_url, files, tmp_path / "ready")
    try:
        code = run_cli("enrol-code", "--township", "大河乡", "--db", db_url).stdout.strip()
        with httpx.Client(base_url=base, timeout=30) as http:
            enrolled = http.post("/v1/devices", json={"code": code, "name": "大河乡-笔记本-1"})
            assert enrolled.status_code == 201, enrolled.text
            device = enrolled.json()
            auth = {"Authorization": f"Bearer {device['device_id']}.{device['secret']}"}
            whole = http.get(f"/v1/files/{sha256}", headers=auth)
            assert whole.status_code == 200
            assert whole.content == content
            assert whole.headers["etag"] == f'"{sha256}"'
            rest = http.get(f"/v1/files/{sha256}", headers={**auth, "Range": "bytes=1000-"})
            assert rest.status_code == 206 and rest.content == content[1000:]

            revoke = run_cli("revoke-device", device["device_id"], "--db", db_url)
            assert revoke.returncode == 0, revoke.stderr
            assert "已停用" in revoke.stderr
            refused = http.get(f"/v1/files/{sha256}", headers=auth)
            assert refused.status_code == 401 and refused.json()["error"] == "revoked"
        unknown = run_cli("revoke-device", "no-such-device", "--db", db_url)
        assert unknown.returncode == 1 and "找不到设备" in unknown.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert not (tmp_path / "ready").exists()


# --- statistics -------------------------------------------------------------------------------


def test_stats_json_has_the_totals_reports_are_made_of(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    imported = run_cli("import-roster", str(write_roster(tmp_path / "花名册.xlsx")), "--db", db_url)
    assert imported.returncode == 0, imported.stderr
    seed_sessions(engine)

    result = run_cli("stats", "--from", "2026-01-01", "--to", "2026-12-31", "--json",
                     "--db", db_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # stdout holds the JSON alone
    assert report["totals"] == TOTALS_2026
    by_township = {row["label"]: row for row in report["rows"]}
    assert len(by_township) == 8
    assert by_township["大河乡"]["sessions"] == 2
    assert by_township["大河乡"]["participant_times"] == 9
    assert by_township["马蹄藏族乡"]["participant_times"] == 3
    assert (report["from"], report["to"], report["by"]) == ("2026-01-01", "2026-12-31", "township")

    everything = json.loads(run_cli("stats", "--json", "--db", db_url).stdout)
    assert everything["totals"]["sessions"] == 4
    assert everything["totals"]["participant_times"] == 12 + 9 + 1

    kinds = json.loads(
        run_cli("stats", "--by", "kind", "--from", "2026", "--json", "--db", db_url).stdout
    )
    assert [(r["key"], r["label"], r["sessions"]) for r in kinds["rows"]] == [
        ("tent", "帐篷课堂", 2),
        ("horseback", "马背课堂", 1),
    ]

    table = run_cli("stats", "--from", "2026-01", "--to", "2026-03", "--db", db_url)
    assert table.returncode == 0, table.stderr
    assert "2026-01-01 至 2026-03-31" in table.stdout
    assert re.search(r"^合计\s+3\s+12\s+5\s+7\s+4\s+2\s+2\s+100\.0%$", table.stdout, re.M)


def test_stats_xlsx_is_a_report_with_chinese_headers_and_totals(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    imported = run_cli("import-roster", str(write_roster(tmp_path / "花名册.xlsx")), "--db", db_url)
    assert imported.returncode == 0, imported.stderr
    seed_sessions(engine)
    target = tmp_path / "报表" / "2026年统计.xlsx"

    result = run_cli("stats", "--from", "2026-01", "--to", "2026-12", "--xlsx", str(target),
                     "--db", db_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "统计表已保存" in result.stderr

    workbook = openpyxl.load_workbook(target)
    sheet = workbook.active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    title = str(rows[0][0])
    assert "肃南县流动课堂统计" in title and "2026-01-01 至 2026-12-31" in title
    assert rows[2] == ["乡镇", *STAT_HEADERS]
    townships = [row[0] for row in rows[3:-1]]
    assert townships[:3] == ["红湾寺镇", "皇城镇", "康乐镇"] and len(townships) == 8
    assert rows[-1] == ["合计", *[TOTALS_2026[key] for key in STAT_KEYS]]
    dahe = next(row for row in rows if row[0] == "大河乡")
    assert dahe[1:3] == [2, 9]
    rate_cell = sheet.cell(row=len(rows), column=len(STAT_HEADERS) + 1)
    assert rate_cell.number_format == "0.0%"
    assert sheet.column_dimensions["A"].width >= len("白银蒙古族乡") * 2  # CJK is double width
    assert sheet.freeze_panes == "B4"
    workbook.close()


# --- admins -------------------------------------------------------------------------------------


def test_create_admin_stores_an_argon2_hash_not_the_password(db_url: str, engine: Engine) -> None:
    password = "牧场-Summer-2026"
    result = run_cli("create-admin", "县委组织部-王", "--password-stdin", "--db", db_url,
                     stdin=password + "\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout + result.stderr
    township = run_cli("create-admin", "大河乡-李", "--role", "township", "--township", "大河乡",
                       "--password-stdin", "--db", db_url, stdin="another-long-one\n")  # fmt: skip
    assert township.returncode == 0, township.stderr
    with read_transaction(engine) as conn:
        admins = {row.name: row for row in conn.execute(select(admin_user))}
    stored = admins["县委组织部-王"]
    assert stored.password_hash.startswith("$argon2id$")
    assert password not in stored.password_hash
    assert PasswordHasher().verify(stored.password_hash, password)
    assert (stored.role, stored.township_code) == ("county", None)
    assert (admins["大河乡-李"].role, admins["大河乡-李"].township_code) == ("township", DAHE)

    twice = run_cli("create-admin", "县委组织部-王", "--password-stdin", "--db", db_url,
                    stdin="yet-another-one\n")  # fmt: skip
    assert twice.returncode == 1 and "已经有名为“县委组织部-王”的管理员" in twice.stderr
    short = run_cli("create-admin", "短密码", "--password-stdin", "--db", db_url, stdin="abc\n")
    assert short.returncode == 1 and "密码太短" in short.stderr
    no_township = run_cli("create-admin", "乡镇", "--role", "township", "--password-stdin",
                          "--db", db_url, stdin="long-enough-pw\n")  # fmt: skip
    assert no_township.returncode == 1 and "--township" in no_township.stderr
    with read_transaction(engine) as conn:
        assert len(conn.execute(select(admin_user)).all()) == 2


def test_create_admin_asks_for_the_password_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Interactive use (getpass): a typo in the second entry creates nobody."""
    import argparse

    from zhangye_desk.server import cli

    answers: list[str] = []
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(cli.getpass, "getpass", fake_getpass)
    args = argparse.Namespace(name="县委组织部-王", password_stdin=False)
    msg = cli.Messages("zh_CN")
    answers[:] = ["grassland-2026", "grassland-2026"]
    assert cli._read_password(args, msg) == "grassland-2026"
    assert prompts == ["请输入“县委组织部-王”的密码：", "请再输入一次："]
    answers[:] = ["grassland-2026", "grassland-2025"]
    with pytest.raises(cli.UserError) as mismatch:
        cli._read_password(args, msg)
    assert msg(mismatch.value.key) == "两次输入的密码不一致，没有创建管理员。请重新运行这个命令。"


# --- PostgreSQL -------------------------------------------------------------------------------


def test_init_import_and_stats_on_postgresql(fresh_postgres_url: str, tmp_path: Path) -> None:
    assert fresh_postgres_url.startswith("postgresql://")
    init = run_cli("init-db", "--db", fresh_postgres_url)
    assert init.returncode == 0, init.stderr
    assert "8 个乡镇" in init.stderr

    roster = write_roster(tmp_path / "花名册.xlsx")
    imported = run_cli("import-roster", str(roster), "--db", fresh_postgres_url)
    assert imported.returncode == 0, imported.stderr
    assert "新增 4 人" in imported.stdout
    again = run_cli("import-roster", str(roster), "--db", fresh_postgres_url)
    assert "未变 4 人" in again.stdout

    engine = create_engine_for(fresh_postgres_url)
    try:
        seed_sessions(engine)
    finally:
        engine.dispose()
    result = run_cli("stats", "--from", "2026-01-01", "--to", "2026-12-31", "--json",
                     "--db", fresh_postgres_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"] == TOTALS_2026
    months = run_cli("stats", "--by", "month", "--from", "2026", "--to", "2026", "--json",
                     "--db", fresh_postgres_url)  # fmt: skip
    assert [(r["key"], r["participant_times"]) for r in json.loads(months.stdout)["rows"]] == [
        ("2026-01", 8),
        ("2026-02", 1),
        ("2026-03", 3),
    ]

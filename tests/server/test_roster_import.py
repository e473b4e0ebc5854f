"""Roster import: the files cadres really have (Excel, CSV in three encodings) and the
mistakes they really make, through ``zhangye-server import-roster`` and ``parse_roster``.

Every CLI test runs the real command as a subprocess on a real SQLite file; the parser tests
call ``parse_roster`` on the same kind of database for the finer cases.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from zhangye_desk.server import dbadmin
from zhangye_desk.server.db import create_engine_for, person, person_history, read_transaction
from zhangye_desk.server.roster_import import import_roster, parse_roster

DAHE = "620721203"  # 大河乡
MATI = "620721200"  # 马蹄藏族乡
HEADER = ["姓名", "性别", "民族", "出生年份", "乡镇", "村", "党组织", "政治面貌", "联系电话"]
PEOPLE = [
    ["安玉花", "女", "裕固族", "1978", "大河乡", "西岔河村", "西岔河村党支部", "党员",
     "13909361234"],
    ["杜建军", "男", "汉族", "1985", "大河乡", "松木滩村", "松木滩村党支部", "预备党员", ""],
    ["才让多杰", "男", "藏族", "1990", "马蹄藏族乡", "大都麻村", "大都麻村党支部",
     "入党积极分子", ""],
    ["妥金兰", "女", "裕固族", "1962", "大河乡", "光华村", "", "群众", "0936-6612345"],
]  # fmt: skip
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample_roster.csv"


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhangye_desk.server.cli", "--db", db_url, *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # Excel's line ends
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def initialised_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One initialised SQLite database per module; each test works on a copy."""
    path = tmp_path_factory.mktemp("template") / "server.sqlite3"
    dbadmin.init_db(f"sqlite:///{path}")
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


def people(engine: Engine) -> dict[str, dict[str, Any]]:
    with read_transaction(engine) as conn:
        return {row["name"]: dict(row) for row in conn.execute(select(person)).mappings()}


def count_people(engine: Engine) -> int:
    with read_transaction(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(person)).scalar_one())


# --- the command, with the files Excel writes ---------------------------------------------------


def make_file(tmp_path: Path, kind: str, rows: Sequence[Sequence[Any]]) -> Path:
    if kind == "xlsx":
        return write_xlsx(tmp_path / "花名册.xlsx", rows)
    encoding = {"utf8-bom": "utf-8-sig", "utf8": "utf-8", "gb18030": "gb18030"}[kind]
    return write_csv(tmp_path / f"花名册-{kind}.csv", rows, encoding)


@pytest.mark.parametrize("kind", ["utf8-bom", "utf8", "gb18030", "xlsx"])
def test_import_roster_reads_every_format_excel_writes(
    kind: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = make_file(tmp_path, kind, [HEADER, *PEOPLE])
    if kind == "gb18030":  # really not UTF-8, as Excel on Chinese Windows writes it
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    result = run_cli(db_url, "import-roster", str(path))
    assert result.returncode == 0, result.stderr
    assert "新增 4 人，更新 0 人，未变 0 人" in result.stdout
    found = people(engine)
    assert set(found) == {"安玉花", "杜建军", "才让多杰", "妥金兰"}
    an = found["安玉花"]
    assert (an["gender"], an["ethnicity"], an["birth_year"]) == ("F", "裕固族", 1978)
    assert (an["township_code"], an["village_code"]) == (DAHE, "620721203201")
    assert an["political_status"] == "member"
    assert an["organisation_id"] is not None and an["phone"] == "13909361234"
    assert found["杜建军"]["political_status"] == "probationary"
    assert found["杜建军"]["phone"] is None
    assert found["才让多杰"]["political_status"] == "activist"
    assert found["才让多杰"]["township_code"] == MATI
    assert found["妥金兰"]["political_status"] == "masses"
    assert found["妥金兰"]["organisation_id"] is None
    assert {p["origin"] for p in found.values()} == {"import"}


def test_a_file_with_errors_lists_every_one_and_imports_nobody(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    assert run_cli(db_url, "import-roster", str(SAMPLE)).returncode == 0
    before = count_people(engine)
    rows = [
        [*HEADER, "备注"],
        ["张明", "男", "汉族", "19八5", "大河乡", "", "", "党员", "", ""],  # row 2: bad year
        ["李芳", "女", "汉族", "1980", "东山乡", "", "", "群众", "", ""],  # row 3: township
        ["王强", "男", "汉族", "1970", "大河乡", "", "", "党员", "", ""],  # row 4: fine
        ["王强", "男", "汉族", "1970", "大河乡", "", "", "党员", "", ""],  # row 5: duplicate
        ["", "男", "汉族", "1971", "大河乡", "", "", "党员", "", ""],  # row 6: no name
        ["赵兰", "女", "汉族", "1975", "大河乡", "不存在村", "", "党员", "", ""],  # row 7
        ["新人", "女", "汉族", "1999", "大河乡", "", "", "党员", "", "ok"],  # row 8: fine
    ]
    path = write_csv(tmp_path / "有错误.csv", rows)
    result = run_cli(db_url, "import-roster", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    errors = result.stderr
    assert "没有导入任何人员" in errors
    assert "第 2 行，“出生年份”列：“19八5” 不是有效的年份" in errors
    assert "第 3 行，“乡镇”列：“东山乡” 不是肃南县的乡镇" in errors
    assert "第 5 行，“姓名”列：“王强”（1970 年出生，大河乡）与第 4 行重复" in errors
    assert "第 6 行，“姓名”列：不能为空" in errors
    assert "第 7 行，“村”列：“不存在村” 不是大河乡的村" in errors
    assert "第 1 行，第 J 列：“备注” 不是可识别的列名" in errors
    assert "6 处问题" in errors  # exactly these: nothing about the fine rows 4 and 8
    assert count_people(engine) == before  # rows 4 and 8 were fine, and still not imported

    english = run_cli(db_url, "--lang", "en", "import-roster", str(path))
    assert english.returncode == 1
    assert "row 2, column 'birth year': '19八5' is not a valid year" in english.stderr


def test_a_missing_required_column_is_named(db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "缺列.csv", [["姓名", "乡镇"], ["张明", "大河乡"]])
    result = run_cli(db_url, "import-roster", str(path))
    assert result.returncode == 1
    assert "缺少必填的“出生年份”列" in result.stderr
    assert "缺少必填的“政治面貌”列" in result.stderr


def test_reimporting_updates_people_instead_of_duplicating_them(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    first = run_cli(db_url, "import-roster", str(write_csv(tmp_path / "a.csv", [HEADER, *PEOPLE])))
    assert first.returncode == 0, first.stderr
    ids = {name: row["id"] for name, row in people(engine).items()}

    changed = [list(row) for row in PEOPLE]
    changed[1][7] = "党员"  # 杜建军 became a full member
    changed[1][8] = "13800000000"
    changed[0][8] = ""  # 安玉花's phone was removed from the roster
    changed.append(["马文", "男", "回族", "1988", "大河乡", "大滩村", "", "群众", ""])
    updated = write_xlsx(tmp_path / "b.xlsx", [HEADER, *changed])
    again = run_cli(db_url, "import-roster", str(updated))
    assert again.returncode == 0, again.stderr
    assert "新增 1 人，更新 2 人，未变 2 人" in again.stdout

    found = people(engine)
    assert len(found) == 5
    assert {name: found[name]["id"] for name in ids} == ids  # the same people, not new ones
    assert found["杜建军"]["political_status"] == "member"
    assert found["杜建军"]["phone"] == "13800000000"
    assert found["杜建军"]["version"] == 2
    assert found["安玉花"]["phone"] is None
    assert found["才让多杰"]["version"] == 1
    with read_transaction(engine) as conn:
        outcomes = conn.execute(
            select(person_history.c.outcome, person_history.c.actor).where(
                person_history.c.person_id == ids["杜建军"]
            )
        ).all()
    assert [o for o, _ in outcomes] == ["created", "edited"]
    assert all(actor and actor.startswith("cli") for _, actor in outcomes)

    json_run = run_cli(db_url, "import-roster", "--json", str(tmp_path / "b.xlsx"))
    assert json_run.returncode == 0, json_run.stderr
    assert json_run.stdout.strip() == (
        '{"added": 0, "likely_duplicates": 0, "unchanged": 5, "updated": 0}'
    )


def test_the_shipped_sample_imports_cleanly(db_url: str, engine: Engine) -> None:
    assert SAMPLE.read_bytes().startswith(b"\xef\xbb\xbf")  # opens in Excel without mojibake
    result = run_cli(db_url, "import-roster", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert count_people(engine) >= 3


def test_a_file_that_is_not_a_roster_gets_a_plain_answer(db_url: str, tmp_path: Path) -> None:
    old_excel = tmp_path / "旧格式.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))
    result = run_cli(db_url, "import-roster", str(old_excel))
    assert result.returncode == 1
    assert "另存为 .xlsx" in result.stderr
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = run_cli(db_url, "import-roster", str(broken))
    assert result.returncode == 1
    assert "无法读取这个文件" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run_cli(db_url, "import-roster", str(tmp_path / "没有这个文件.csv"))
    assert missing.returncode == 1
    assert "找不到文件" in missing.stderr


# --- the parser, for the finer cases --------------------------------------------------------------


def parse(engine: Engine, path: Path) -> Any:
    with read_transaction(engine) as conn:
        return parse_roster(path, conn)


def test_title_rows_aliases_and_excel_number_cells(engine: Engine, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["大河乡党员花名册（2026 年）"],  # a title above the header, as printed rosters have
        [],
        ["序号", "Name", "Sex", "出生年月", "Township", "村（社区）", "所在党组织", "政治面貌",
         "手机号码"],
        [1, "张  明", "男", 1985.0, "大河乡", "大滩村", "大滩村党支部", "中共党员", 13909360001],
        [2, "卓玛", "女", "1990.03", "马蹄乡", "", "", "群众", None],
        [],  # a blank line between blocks: skipped, still counted
        [3, "Li Wei", "男", "１９８８年", "620721203", "", "", "共青团员", ""],
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "title.xlsx", rows)
    parsed = parse(engine, path)
    # 序号 is not a roster column: reported with its place, nothing else is wrong.
    assert [e.message() for e in parsed.errors] == [
        "第 3 行，第 A 列：“序号” 不是可识别的列名。可用的列名：姓名、性别、民族、出生年份、乡镇、"
        "村、党组织、政治面貌、联系电话。"
    ]
    assert [r.row for r in parsed.rows] == [4, 5, 7]
    first, second, third = (r.fields for r in parsed.rows)
    assert first["name"] == "张明"  # alignment spaces inside a Chinese name removed
    assert first["birth_year"] == 1985 and first["phone"] == "13909360001"
    assert first["political_status"] == "member" and first["village_code"] == "620721203204"
    assert second["township_code"] == MATI and second["birth_year"] == 1990
    assert third["name"] == "Li Wei" and third["birth_year"] == 1988
    assert third["township_code"] == DAHE and third["political_status"] == "masses"


def test_every_problem_of_a_row_is_reported_in_column_order(engine: Engine, tmp_path: Path) -> None:
    rows = [HEADER, ["赵六", "X", "", "2999", "大河乡", "", "光华村党支部", "团员呢", "abc"]]
    parsed = parse(engine, write_csv(tmp_path / "row.csv", rows))
    assert [(e.row, e.column) for e in parsed.errors] == [
        (2, "gender"),
        (2, "birth_year"),
        (2, "political_status"),
        (2, "phone"),
    ]
    assert parsed.rows == []


def test_an_organisation_of_another_township_is_refused(engine: Engine, tmp_path: Path) -> None:
    rows = [HEADER, ["赵六", "男", "", "1980", "马蹄藏族乡", "", "光华村党支部", "党员", ""]]
    parsed = parse(engine, write_csv(tmp_path / "org.csv", rows))
    assert [e.message() for e in parsed.errors] == [
        "第 2 行，“党组织”列：“光华村党支部” 不是马蹄藏族乡的党组织。请核对名称，或先在服务器上添加"
        "这个党组织。"
    ]


def test_a_cell_without_a_header_is_reported_once(engine: Engine, tmp_path: Path) -> None:
    rows = [HEADER, [*PEOPLE[0], "多余"], [*PEOPLE[1], "多余"]]
    parsed = parse(engine, write_csv(tmp_path / "extra.csv", rows))
    assert [e.message() for e in parsed.errors] == [
        "第 1 行，第 J 列：这一列有内容但没有列名。请填写列名或删除这一列。"
    ]


def test_header_only_and_empty_files(engine: Engine, tmp_path: Path) -> None:
    parsed = parse(engine, write_csv(tmp_path / "header.csv", [HEADER]))
    assert [e.code for e in parsed.errors] == ["no_rows"]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert [e.code for e in parse(engine, empty).errors] == ["empty_file"]


def test_import_roster_runs_in_the_callers_transaction(engine: Engine, tmp_path: Path) -> None:
    """A caller that rolls back (an admin page that failed later) leaves no one behind."""
    path = write_csv(tmp_path / "ok.csv", [HEADER, *PEOPLE])
    with engine.connect() as conn:
        with conn.begin() as transaction:
            result = import_roster(conn, path, actor="test")
            assert (result.added, result.errors) == (4, [])
            transaction.rollback()
    assert count_people(engine) == 0


def test_people_already_duplicated_on_the_server_are_not_guessed(
    engine: Engine, tmp_path: Path
) -> None:
    from zhangye_desk.server.db import write_transaction
    from zhangye_desk.server.service import upsert_person

    twin = {"name": "安玉花", "birth_year": 1978, "township_code": DAHE}
    with write_transaction(engine) as conn:
        upsert_person(conn, {**twin, "political_status": "member"}, actor="test")
        upsert_person(conn, {**twin, "political_status": "masses"}, actor="test")
    path = write_csv(tmp_path / "ok.csv", [HEADER, *PEOPLE])
    with write_transaction(engine) as conn:
        result = import_roster(conn, path, actor="test")
    assert [e.message() for e in result.errors] == [
        "第 2 行，“姓名”列：服务器上已有 2 个“安玉花”（1978 年出生，大河乡），无法确定更新哪一个。"
        "请先在管理页面合并重复人员。"
    ]
    assert count_people(engine) == 2  # nobody else was imported either

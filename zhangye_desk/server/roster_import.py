"""Roster import: a county or township roster file (CSV or .xlsx) into people on the server.

``parse_roster(path, conn)`` reads and validates the whole file and returns every problem it
finds, each naming the row as the user sees it in Excel (the header row is row 1) and the
column, in Chinese (English on request). ``import_roster(conn, path, actor=...)`` writes
nothing unless the whole file is clean; then it upserts every person through
``service.upsert_person`` inside the caller's transaction, so a failure half-way leaves no
trace either.

What a file may look like (``resources/sample_roster.csv`` is a template):

- CSV in UTF-8 with or without a BOM, GB18030 (what Excel on Chinese Windows writes for
  "CSV"), or UTF-16 with a BOM (Excel's "Unicode text", tab-separated); comma or tab separated.
- .xlsx: the first sheet. Title rows above the header are allowed: the header is the first
  row (of the first ten) containing 姓名.
- Columns by Chinese header (a few English aliases too): 姓名, 出生年份, 乡镇 and 政治面貌 are
  required; 性别, 民族, 村, 党组织, 联系电话 are optional. A column left out of the file leaves
  that field of existing people alone; an empty cell in a column that is there clears it
  (the file is the roster).
- People are matched to the server's roster by name + birth year + township (the same key the
  server uses for likely duplicates): a match is updated, anything else is added.

Nothing here prints or knows about the command line; ``cli.py`` renders the errors.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from ..core.vocab import PERSON_FIELDS

# --- columns ----------------------------------------------------------------------------------

# Field -> (Chinese header as shown to users, English label for --lang en).
COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "ethnicity": ("民族", "ethnicity"),
    "birth_year": ("出生年份", "birth year"),
    "township": ("乡镇", "township"),
    "village": ("村", "village"),
    "organisation": ("党组织", "Party organisation"),
    "political_status": ("政治面貌", "political status"),
    "phone": ("联系电话", "phone"),
}
REQUIRED: tuple[str, ...] = ("name", "birth_year", "township", "political_status")

# Accepted header spellings after _header_key() (NFKC, lower case, no spaces/underscores).
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "name", "fullname"),
    "gender": ("性别", "gender", "sex"),
    "ethnicity": ("民族", "ethnicity", "nationality"),
    "birth_year": (
        "出生年份",
        "出生年",
        "出生年月",
        "出生日期",
        "birthyear",
        "yearofbirth",
        "born",
    ),
    "township": ("乡镇", "乡(镇)", "乡镇(街道)", "所属乡镇", "township", "town"),
    "village": ("村", "村(社区)", "村社区", "所属村", "village", "community"),
    "organisation": (
        "党组织",
        "所在党组织",
        "所属党组织",
        "党支部",
        "organisation",
        "organization",
        "partyorganisation",
        "partyorganization",
        "branch",
    ),
    "political_status": ("政治面貌", "politicalstatus", "status"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "phone", "mobile"),
}

# Political status labels (after NFKC and removing spaces) -> stored code (core/vocab.py).
POLITICAL_STATUS_LABELS: dict[str, str] = {
    "党员": "member",
    "中共党员": "member",
    "共产党员": "member",
    "正式党员": "member",
    "中共正式党员": "member",
    "预备党员": "probationary",
    "中共预备党员": "probationary",
    "入党积极分子": "activist",
    "积极分子": "activist",
    "群众": "masses",
    # The roster has four statuses; a Youth League member is not a Party member, so for the
    # Party's statistics (the only use of this field) they count with the masses.
    "共青团员": "masses",
    "团员": "masses",
    "member": "member",
    "probationary": "probationary",
    "activist": "activist",
    "masses": "masses",
}
GENDER_LABELS: dict[str, str] = {
    "男": "M",
    "男性": "M",
    "m": "M",
    "male": "M",
    "女": "F",
    "女性": "F",
    "f": "F",
    "female": "F",
}

MIN_BIRTH_YEAR = 1900
MAX_NAME_LENGTH = 64  # the same limits as the laptop's roster (core/people.py)
MAX_ETHNICITY_LENGTH = 20
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{2,22}$")
# 1985, 1985年, 1985.03, 1985-3-12, 1985/03, 1985年3月: rosters often hold 出生年月.
_YEAR = re.compile(r"^(\d{4})(?:年)?(?:[.\-/]?\d{1,2}月?(?:[.\-/]?\d{1,2}日?)?)?$")
_HEADER_SCAN_ROWS = 10
# Ethnic designations people leave out when they write a township's name (马蹄藏族乡 -> 马蹄乡).
_ETHNIC_DESIGNATION = re.compile(r"(藏族|蒙古族|裕固族|回族|土族)(?=[乡镇])")


# --- errors -----------------------------------------------------------------------------------

# Error code -> (Chinese, English) templates. {column} is the column's label in that language.
ERROR_TEXTS: dict[str, tuple[str, str]] = {
    "unreadable": (
        "无法读取这个文件：{detail}。请确认它是 Excel（.xlsx）或 CSV 文件。",
        "The file could not be read: {detail}. Check that it is an Excel (.xlsx) or CSV file.",
    ),
    "unsupported_type": (
        "不支持“{suffix}”文件。请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后再导入。",
        "'{suffix}' files are not supported. Save it as .xlsx or 'CSV UTF-8' in Excel first.",
    ),
    "encoding": (
        "无法识别文件的文字编码。请在 Excel 中“另存为”→“CSV UTF-8（逗号分隔）”后再导入。",
        "The file's text encoding is not recognised. In Excel use Save As → 'CSV UTF-8'.",
    ),
    "empty_file": (
        "文件里没有内容。第 1 行应是列名（姓名、出生年份、乡镇、政治面貌……）。",
        "The file is empty. Row 1 should hold the column names (姓名, 出生年份, 乡镇, 政治面貌…).",
    ),
    "no_header": (
        "找不到列名行。第 1 行应是列名，其中必须有“姓名”列。",
        "No header row was found. Row 1 should hold the column names, including 姓名.",
    ),
    "unknown_header": (
        "“{value}” 不是可识别的列名。可用的列名：{known}。",
        "'{value}' is not a known column. Known columns: {known}.",
    ),
    "duplicate_header": (
        "与第 {other} 列重复（都是“{value}”）。请删除其中一列。",
        "repeats column {other} (both are '{value}'). Delete one of them.",
    ),
    "unnamed_column": (
        "这一列有内容但没有列名。请填写列名或删除这一列。",
        "this column has values but no header. Name it or delete it.",
    ),
    "missing_column": (
        "缺少必填的“{column}”列。",
        "The required column '{column}' is missing.",
    ),
    "no_rows": ("文件中只有列名，没有人员。", "The file has a header but no people."),
    "required": ("不能为空。", "must not be empty."),
    "too_long": ("“{value}” 太长（最多 {limit} 个字）。", "'{value}' is too long (max {limit})."),
    "bad_year": (
        "“{value}” 不是有效的年份（应为 {low}–{high} 之间的四位数字，如 1985）。",
        "'{value}' is not a valid year ({low}–{high}, four digits, e.g. 1985).",
    ),
    "bad_gender": ("“{value}” 无效，请填写“男”或“女”。", "'{value}' is not valid: use 男 or 女."),
    "bad_status": (
        "“{value}” 无效，请填写：党员、预备党员、入党积极分子或群众。",
        "'{value}' is not valid: use 党员, 预备党员, 入党积极分子 or 群众.",
    ),
    "bad_phone": (
        "“{value}” 不是有效的电话号码（只能包含数字）。",
        "'{value}' is not a valid phone number (digits only).",
    ),
    "unknown_township": (
        "“{value}” 不是肃南县的乡镇。可填写：{known}。",
        "'{value}' is not a township of Sunan county. Use one of: {known}.",
    ),
    "unknown_village": (
        "“{value}” 不是{township}的村（社区）。请核对村名，或先在服务器上添加这个村。",
        "'{value}' is not a village of {township}. Check the name or add the village first.",
    ),
    "unknown_organisation": (
        "“{value}” 不是{township}的党组织。请核对名称，或先在服务器上添加这个党组织。",
        "'{value}' is not a Party organisation of {township}. Check the name or add it first.",
    ),
    "duplicate_row": (
        "“{value}”（{year} 年出生，{township}）与第 {other} 行重复。请删除其中一行。",
        "'{value}' (born {year}, {township}) repeats row {other}. Delete one of the rows.",
    ),
    "rejected": (
        "服务器拒绝了这一行：{detail}。没有导入任何人员。",
        "the server refused this row: {detail}. Nothing was imported.",
    ),
    "ambiguous_person": (
        "服务器上已有 {count} 个“{value}”（{year} 年出生，{township}），无法确定更新哪一个。"
        "请先在管理页面合并重复人员。",
        "The server already has {count} people named '{value}' (born {year}, {township}); "
        "merge the duplicates on the admin pages first.",
    ),
}


@dataclass(frozen=True)
class RosterError:
    """One problem in the file: where it is (row/column as Excel shows them) and what it is."""

    row: int | None  # None: about the whole file
    column: str | None  # a key of COLUMNS, or None
    code: str  # a key of ERROR_TEXTS
    params: Mapping[str, Any] = field(default_factory=dict)
    column_index: int | None = None  # 0-based; names columns without a known field

    def message(self, lang: str = "zh_CN") -> str:
        en = lang == "en"
        label = COLUMNS[self.column][1 if en else 0] if self.column else None
        text = ERROR_TEXTS[self.code][1 if en else 0].format(column=label or "", **self.params)
        if en:
            where = [f"row {self.row}"] if self.row is not None else []
            if label:
                where.append(f"column '{label}'")
            elif self.column_index is not None:
                where.append(f"column {_column_letter(self.column_index)}")
            return f"{', '.join(where)}: {text}" if where else text
        where = [f"第 {self.row} 行"] if self.row is not None else []
        if label:
            where.append(f"“{label}”列")
        elif self.column_index is not None:
            where.append(f"第 {_column_letter(self.column_index)} 列")
        return f"{'，'.join(where)}：{text}" if where else text

    def __str__(self) -> str:
        return self.message()


@dataclass(frozen=True)
class RosterRow:
    """One validated person from the file. ``fields`` holds only the file's columns."""

    row: int
    fields: dict[str, Any]  # person column names (name, township_code, …) -> stored values


@dataclass
class ParsedRoster:
    rows: list[RosterRow]
    errors: list[RosterError]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    likely_duplicates: int = 0  # people flagged for an admin merge (the review queue)
    errors: list[RosterError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading cells ------------------------------------------------------------------------------


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (what Excel shows above the column)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell_text(value: Any) -> str:
    """A cell as the text the user sees, NFKC-normalised (full-width digits become ASCII)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 1985 and 13912345678 as floats
    if isinstance(value, datetime):
        value = value.date()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(value: Any) -> str:
    text = _cell_text(value).lower()
    return re.sub(r"[\s_\-]+", "", text)  # NFKC already made （） into ()


_ALIAS_TO_FIELD: dict[str, str] = {
    _header_key(alias): name for name, aliases in _HEADER_ALIASES.items() for alias in aliases
}


def _decode_csv(data: bytes) -> str | None:
    """The file's text, or None. Excel writes UTF-8 with a BOM ("CSV UTF-8"), GB18030 (plain
    "CSV" on Chinese Windows) or UTF-16 with a BOM ("Unicode text"); other tools UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        # UTF-8 first: valid UTF-8 Chinese is almost never also valid GB18030 text that
        # means something else, while the reverse is common.
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


Table = Generator[tuple[int, list[Any]], None, None]


def _read_csv(path: Path) -> Table:
    text = _decode_csv(path.read_bytes())
    if text is None:
        raise _FileProblem("encoding")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # One CSV record is one Excel row even when a quoted cell spans lines, so number records.
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        yield number, list(record)


def _read_xlsx(path: Path) -> Table:
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it cannot read; only values matter.
            warnings.simplefilter("ignore", UserWarning)
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook raises many different types
        raise _FileProblem("unreadable", detail=type(exc).__name__) from exc
    try:
        sheet = workbook.worksheets[0]
        # Read-only sheets yield empty rows for gaps, so enumerate() matches Excel's numbers
        # from min_row (1 unless the sheet's first rows were never written).
        for number, values in enumerate(sheet.iter_rows(values_only=True), sheet.min_row or 1):
            yield number, list(values)
    finally:
        workbook.close()  # read-only mode keeps the file open until closed


class _FileProblem(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def read_table(path: Path) -> Table:
    """(Excel row number, cell values) for every row of a CSV or .xlsx file. Close it (or
    read it to the end): an .xlsx stays open until then."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise _FileProblem("unsupported_type", suffix=suffix or path.name)


# --- the server's directory -------------------------------------------------------------------


@dataclass
class Directory:
    """Townships, villages and organisations by name, as the import needs to look them up."""

    townships: dict[str, str]  # code -> name
    villages: dict[tuple[str, str], str]  # (township code, name) -> village code
    organisations: dict[tuple[str, str], str]  # (township code, name) -> organisation id
    township_by_name: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        by_name: dict[str, str] = {}
        short: dict[str, list[str]] = {}
        for code, name in self.townships.items():
            by_name[_name_key(name)] = code
            by_name[code] = code
            shortened = _ETHNIC_DESIGNATION.sub("", name)
            if shortened != name:
                short.setdefault(_name_key(shortened), []).append(code)
        for key, codes in short.items():
            if len(codes) == 1:  # only unambiguous short forms
                by_name.setdefault(key, codes[0])
        self.township_by_name = by_name


def _name_key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def load_directory(conn: Connection) -> Directory:
    """Read the server's directory (a few hundred rows) once per import."""
    from .db import organisation, township, village

    townships = {row.code: row.name for row in conn.execute(select(township))}
    villages = {
        (row.township_code, _name_key(row.name)): row.code for row in conn.execute(select(village))
    }
    organisations = {
        (row.township_code, _name_key(row.name)): row.id
        for row in conn.execute(select(organisation))
    }
    return Directory(townships, villages, organisations)


# --- validation -------------------------------------------------------------------------------


def _find_header(
    rows: Iterable[tuple[int, list[Any]]],
) -> tuple[int, list[Any], Iterator[tuple[int, list[Any]]]] | None:
    iterator = iter(rows)
    for number, values in iterator:
        keys = {_ALIAS_TO_FIELD.get(_header_key(v)) for v in values}
        if "name" in keys:
            return number, values, iterator
        if number >= _HEADER_SCAN_ROWS:
            break
    return None


def _map_header(number: int, header: Sequence[Any], errors: list[RosterError]) -> dict[int, str]:
    """Column index -> field, recording unknown, repeated and missing columns."""
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    known = "、".join(label for label, _ in COLUMNS.values())
    for index, value in enumerate(header):
        text = _cell_text(value)
        if not text:
            continue  # blank header cells are checked against the data below
        name = _ALIAS_TO_FIELD.get(_header_key(value))
        if name is None:
            errors.append(
                RosterError(
                    number,
                    None,
                    "unknown_header",
                    {"value": text, "known": known},
                    column_index=index,
                )
            )
        elif name in seen:
            errors.append(
                RosterError(
                    number,
                    None,
                    "duplicate_header",
                    {"other": _column_letter(seen[name]), "value": text},
                    column_index=index,
                )
            )
        else:
            seen[name] = index
            columns[index] = name
    for name in REQUIRED:
        if name not in seen:
            errors.append(RosterError(None, name, "missing_column"))
    return columns


class _RowChecker:
    """Validates one data row at a time against the directory; collects errors."""

    def __init__(self, directory: Directory, errors: list[RosterError]) -> None:
        self.directory = directory
        self.errors = errors
        self.this_year = date.today().year
        self.township_list = "、".join(directory.townships.values())

    def error(self, row: int, name: str, code: str, **params: Any) -> None:
        self.errors.append(RosterError(row, name, code, params))

    def text(self, row: int, name: str, value: str, limit: int) -> str | None:
        if len(value) > limit:
            self.error(row, name, "too_long", value=value[:20] + "…", limit=limit)
            return None
        return value or None

    def check(self, row: int, cells: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
        """The row's stored values (None where invalid) and whether the row is clean."""
        before = len(self.errors)
        out: dict[str, Any] = {}
        for name in REQUIRED:
            if name in cells and not cells[name]:
                self.error(row, name, "required")
        if cells.get("name"):
            name = cells["name"]
            # Rosters pad two-character names for alignment ("张  三"): spaces inside a
            # Chinese name are never part of it. Latin-script names keep theirs.
            if re.fullmatch(r"[\u3400-\u9fff·\s]+", name):
                name = re.sub(r"\s+", "", name)
            out["name"] = self.text(row, "name", name, MAX_NAME_LENGTH)
        if "birth_year" in cells and cells["birth_year"]:
            out["birth_year"] = self.year(row, cells["birth_year"])
        if "gender" in cells:
            value = cells["gender"]
            out["gender"] = GENDER_LABELS.get(value.lower()) if value else None
            if value and out["gender"] is None:
                self.error(row, "gender", "bad_gender", value=value)
        if "ethnicity" in cells:
            out["ethnicity"] = self.text(row, "ethnicity", cells["ethnicity"], MAX_ETHNICITY_LENGTH)
        if cells.get("political_status"):
            value = cells["political_status"]
            out["political_status"] = POLITICAL_STATUS_LABELS.get(re.sub(r"\s+", "", value).lower())
            if out["political_status"] is None:
                self.error(row, "political_status", "bad_status", value=value)
        if "phone" in cells:
            value = cells["phone"]
            if value and not _PHONE.match(value):
                self.error(row, "phone", "bad_phone", value=value)
            out["phone"] = value or None
        township = None
        if cells.get("township"):
            value = cells["township"]
            township = self.directory.township_by_name.get(_name_key(value))
            if township is None:
                self.error(
                    row, "township", "unknown_township", value=value, known=self.township_list
                )
            out["township_code"] = township
        if "village" in cells:
            out["village_code"] = self.member_of(
                row, "village", cells["village"], township, self.directory.villages
            )
        if "organisation" in cells:
            out["organisation_id"] = self.member_of(
                row,
                "organisation",
                cells["organisation"],
                township,
                self.directory.organisations,
            )
        return out, len(self.errors) == before

    def year(self, row: int, value: str) -> int | None:
        match = _YEAR.match(value.replace(" ", ""))
        year = int(match.group(1)) if match else None
        if year is None or not MIN_BIRTH_YEAR <= year <= self.this_year:
            self.error(
                row, "birth_year", "bad_year", value=value, low=MIN_BIRTH_YEAR, high=self.this_year
            )
            return None
        return year

    def member_of(
        self,
        row: int,
        name: str,
        value: str,
        township: str | None,
        table: Mapping[tuple[str, str], str],
    ) -> str | None:
        if not value:
            return None
        if township is None:
            return None  # the township's own error already covers this row
        found = table.get((township, _name_key(value)))
        if found is None:
            code = "unknown_village" if name == "village" else "unknown_organisation"
            self.error(row, name, code, value=value, township=self.directory.townships[township])
        return found


def parse_roster(
    path: Path | str, conn: Connection, *, directory: Directory | None = None
) -> ParsedRoster:
    """Read and validate the whole file; ``rows`` is only meaningful when ``errors`` is empty."""
    path = Path(path)
    try:
        table = read_table(path)
    except _FileProblem as problem:
        return ParsedRoster([], [RosterError(None, None, problem.code, problem.params)])
    with contextlib.closing(table):
        try:
            return _parse_table(path, table, conn, directory)
        except _FileProblem as problem:
            return ParsedRoster([], [RosterError(None, None, problem.code, problem.params)])
        except (OSError, csv.Error) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return ParsedRoster([], [RosterError(None, None, "unreadable", {"detail": detail})])


def _parse_table(
    path: Path,
    table: Iterable[tuple[int, list[Any]]],
    conn: Connection,
    directory: Directory | None,
) -> ParsedRoster:
    errors: list[RosterError] = []
    rows: list[RosterRow] = []
    found = _find_header(table)
    if found is None:
        code = "no_header" if path.stat().st_size else "empty_file"
        return ParsedRoster([], [RosterError(None, None, code)])
    header_row, header, body = found
    columns = _map_header(header_row, header, errors)
    checker = _RowChecker(directory or load_directory(conn), errors)
    first_seen: dict[tuple[Any, ...], int] = {}
    unnamed: set[int] = set()
    for number, values in body:
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue  # blank lines between blocks of a roster are common and harmless
        for index, text in enumerate(texts):
            if text and index not in columns and index not in unnamed:
                if index < len(header) and _cell_text(header[index]):
                    continue  # an unknown header: reported once already
                unnamed.add(index)  # reported once, not once per row
                errors.append(RosterError(header_row, None, "unnamed_column", column_index=index))
        cells = {name: texts[i] if i < len(texts) else "" for i, name in columns.items()}
        fields, clean = checker.check(number, cells)
        name, year = fields.get("name"), fields.get("birth_year")
        township = fields.get("township_code")
        if name is not None and year is not None and township is not None:
            # The server's own duplicate key (normalised name): 张三 and 张 三 are one
            # person. Checked for rows with other errors too, so one pass finds it all.
            key = _match_key(name, year, township)
            if key in first_seen:
                checker.error(
                    number,
                    "name",
                    "duplicate_row",
                    value=name,
                    year=year,
                    other=first_seen[key],
                    township=checker.directory.townships[township],
                )
                continue
            first_seen[key] = number
        elif clean:
            continue  # a required column is missing: reported once for the whole file
        if clean:
            rows.append(RosterRow(number, fields))
    if not rows and not errors:
        errors.append(RosterError(None, None, "no_rows"))
    # In the order a person reads the file: whole-file problems, then row by row, left to right.
    position = {name: index for index, name in columns.items()}

    def reading_order(error: RosterError) -> tuple[int, int]:
        column = position.get(error.column or "", error.column_index)
        return (error.row or 0, -1 if column is None else column)

    return ParsedRoster(rows, sorted(errors, key=reading_order))


# --- importing --------------------------------------------------------------------------------

# A ServiceError's field (person column) -> the roster column to blame.
_FIELD_TO_COLUMN: dict[str, str] = {
    "township_code": "township",
    "village_code": "village",
    "organisation_id": "organisation",
}


def _match_key(name: str, birth_year: int | None, township_code: str | None) -> tuple[Any, ...]:
    from ..core.search_keys import normalise

    return (normalise(name), birth_year, township_code)


def _existing_people(
    conn: Connection, townships: Iterable[str]
) -> dict[tuple[Any, ...], list[Any]]:
    """Active people of the file's townships by match key (one query, not one per row)."""
    from .db import person

    found: dict[tuple[Any, ...], list[Any]] = {}
    query = select(person).where(
        person.c.township_code.in_(sorted(set(townships))),
        person.c.deleted.is_(False),
        person.c.merged_into.is_(None),
    )
    for row in conn.execute(query).mappings():
        key = (row["name_norm"], row["birth_year"], row["township_code"])
        found.setdefault(key, []).append(row)
    return found


def import_roster(
    conn: Connection,
    path: Path | str,
    *,
    actor: str,
    directory: Directory | None = None,
) -> ImportResult:
    """Validate the whole file, then add or update every person in it, or change nothing.

    Runs inside the caller's transaction (``db.write_transaction``); the writes sit in a
    savepoint, so even a value the service refuses half-way through leaves no trace and the
    caller's transaction stays usable. With errors, ``result.errors`` says what to fix.
    """
    from . import service
    from .errors import ServiceError

    directory = directory or load_directory(conn)
    parsed = parse_roster(path, conn, directory=directory)
    if parsed.errors:
        return ImportResult(errors=parsed.errors)
    existing = _existing_people(conn, (r.fields["township_code"] for r in parsed.rows))
    plan: list[tuple[RosterRow, Mapping[str, Any] | None]] = []
    errors: list[RosterError] = []
    for row in parsed.rows:
        fields = row.fields
        key = _match_key(fields["name"], fields["birth_year"], fields["township_code"])
        matches = existing.get(key, [])
        if len(matches) > 1:
            # Already duplicated on the server: which one the row means is for an admin.
            params = {
                "value": fields["name"],
                "year": fields["birth_year"],
                "township": directory.townships[fields["township_code"]],
                "count": len(matches),
            }
            errors.append(RosterError(row.row, "name", "ambiguous_person", params))
        plan.append((row, matches[0] if matches else None))
    if errors:
        return ImportResult(errors=errors)

    result = ImportResult()
    savepoint = conn.begin_nested()
    row_number = 0
    try:
        for row, match in plan:
            row_number = row.row
            if match is not None and all(match[k] == v for k, v in row.fields.items()):
                result.unchanged += 1  # skip the service: re-imports are mostly unchanged
                continue
            values = {k: v for k, v in row.fields.items() if k in PERSON_FIELDS}
            if match is not None:
                values["id"] = match["id"]
            outcome = service.upsert_person(conn, values, actor=actor, origin="import")
            if outcome["created"]:
                result.added += 1
            elif outcome["changed"]:
                result.updated += 1
            else:
                result.unchanged += 1
            result.likely_duplicates += len(outcome.get("likely_duplicates") or ())
    except ServiceError as exc:
        # parse_roster checks what the service checks, so this means the two drifted apart;
        # still, the user gets the row and nothing is half-imported.
        savepoint.rollback()
        column = _FIELD_TO_COLUMN.get(exc.field or "", exc.field)
        error = RosterError(
            row_number, column if column in COLUMNS else None, "rejected", {"detail": str(exc)}
        )
        return ImportResult(errors=[error])
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result

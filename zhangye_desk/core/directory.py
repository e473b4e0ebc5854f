"""The Sunan township directory: townships, villages and Party organisations.

The directory ships as data in ``resources/sunan/`` (townships.json, villages.json,
organisations.json), never as code. ``load_directory`` checks those files and upserts them in
one transaction; it is reference data, so it writes no outbox ops, and running it again changes
nothing. Entries are never deleted here: people and sessions may point at them. The read
helpers below are what the UI and the CLI use to fill township, village and organisation
pickers. Nothing here imports Qt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..paths import resource
from .errors import NotFoundError
from .store import transaction
from .vocab import ORGANISATION_KINDS

DIRECTORY_PARTS = ("sunan",)
TOWNSHIPS_FILE = "townships.json"
VILLAGES_FILE = "villages.json"
ORGANISATIONS_FILE = "organisations.json"

_TOWNSHIP_CODE = re.compile(r"^\d{9}$")
_VILLAGE_CODE = re.compile(r"^\d{12}$")


class DirectoryFileError(ValueError):
    """A shipped directory file is malformed (a packaging bug, not a user error)."""

    def __init__(self, file: str, message: str, *, entry: int | None = None) -> None:
        where = file if entry is None else f"{file}, entry {entry}"
        super().__init__(f"{where}: {message}")
        self.file = file
        self.entry = entry


def directory_dir() -> Path:
    return resource(*DIRECTORY_PARTS)


def _read(folder: Path, file: str, key: str) -> list[Mapping[str, Any]]:
    path = folder / file
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DirectoryFileError(file, f"missing ({path})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DirectoryFileError(file, f"not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise DirectoryFileError(file, f"expected an object with a {key!r} list")
    entries = data[key]
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise DirectoryFileError(file, "expected an object", entry=index)
    return entries


def _text(file: str, index: int, entry: Mapping[str, Any], field: str, *, required: bool) -> Any:
    value = entry.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        label = entry.get("name") or entry.get("code") or entry.get("id") or "?"
        raise DirectoryFileError(
            file, f"({label}) field {field!r} must be a non-empty string", entry=index
        )
    return value.strip()


def _flag(file: str, index: int, entry: Mapping[str, Any], field: str, default: bool) -> int:
    value = entry.get(field, default)
    if not isinstance(value, bool):
        raise DirectoryFileError(file, f"field {field!r} must be true or false", entry=index)
    return int(value)


def _unique(file: str, index: int, seen: set[str], value: str, what: str) -> None:
    if value in seen:
        raise DirectoryFileError(file, f"duplicate {what} {value!r}", entry=index)
    seen.add(value)


def _parse_townships(entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    file = TOWNSHIPS_FILE
    rows: list[dict[str, Any]] = []
    codes: set[str] = set()
    names: set[str] = set()
    for index, entry in enumerate(entries):
        code = _text(file, index, entry, "code", required=True)
        if not _TOWNSHIP_CODE.match(code):
            raise DirectoryFileError(file, f"code {code!r} is not 9 digits", entry=index)
        name = _text(file, index, entry, "name", required=True)
        _unique(file, index, codes, code, "code")
        _unique(file, index, names, name, "name")
        sort = entry.get("sort", index + 1)
        if not isinstance(sort, int) or isinstance(sort, bool):
            raise DirectoryFileError(file, f"({name}) sort must be an integer", entry=index)
        rows.append(
            {
                "code": code,
                "name": name,
                "name_en": _text(file, index, entry, "name_en", required=False),
                "sort": sort,
                "code_confirmed": _flag(file, index, entry, "code_confirmed", True),
            }
        )
    if not rows:
        raise DirectoryFileError(file, "lists no townships")
    return rows


def _parse_villages(entries: list[Mapping[str, Any]], townships: set[str]) -> list[dict[str, Any]]:
    file = VILLAGES_FILE
    rows: list[dict[str, Any]] = []
    codes: set[str] = set()
    for index, entry in enumerate(entries):
        code = _text(file, index, entry, "code", required=True)
        name = _text(file, index, entry, "name", required=True)
        township = _text(file, index, entry, "township_code", required=True)
        if township not in townships:
            raise DirectoryFileError(
                file, f"({name}) unknown township_code {township!r}", entry=index
            )
        if not _VILLAGE_CODE.match(code) or not code.startswith(township):
            raise DirectoryFileError(
                file,
                f"({name}) code {code!r} must be the township code {township} + 3 digits",
                entry=index,
            )
        _unique(file, index, codes, code, "code")
        rows.append(
            {
                "code": code,
                "township_code": township,
                "name": name,
                "sample": _flag(file, index, entry, "sample", False),
            }
        )
    return rows


def _parse_organisations(
    entries: list[Mapping[str, Any]], townships: set[str]
) -> list[dict[str, Any]]:
    """Check the organisations and return them parents-first (foreign keys are immediate)."""
    file = ORGANISATIONS_FILE
    by_id: dict[str, dict[str, Any]] = {}
    positions: dict[str, int] = {}
    for index, entry in enumerate(entries):
        org_id = _text(file, index, entry, "id", required=True)
        name = _text(file, index, entry, "name", required=True)
        township = _text(file, index, entry, "township_code", required=True)
        if township not in townships:
            raise DirectoryFileError(
                file, f"({name}) unknown township_code {township!r}", entry=index
            )
        kind = entry.get("kind")
        if kind not in ORGANISATION_KINDS:
            raise DirectoryFileError(
                file,
                f"({name}) kind {kind!r} is not one of {', '.join(ORGANISATION_KINDS)}",
                entry=index,
            )
        if org_id in by_id:
            raise DirectoryFileError(file, f"duplicate id {org_id!r}", entry=index)
        by_id[org_id] = {
            "id": org_id,
            "township_code": township,
            "parent_id": _text(file, index, entry, "parent_id", required=False),
            "name": name,
            "kind": kind,
            "sample": _flag(file, index, entry, "sample", False),
        }
        positions[org_id] = index

    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()

    def place(org_id: str, trail: tuple[str, ...]) -> None:
        if org_id in placed:
            return
        row = by_id[org_id]
        parent = row["parent_id"]
        if parent is not None:
            here = positions[org_id]
            if parent not in by_id:
                raise DirectoryFileError(
                    file, f"({row['name']}) parent_id {parent!r} is not in the file", entry=here
                )
            if parent in (*trail, org_id):
                raise DirectoryFileError(file, f"parent_id cycle through {parent!r}", entry=here)
            if by_id[parent]["township_code"] != row["township_code"]:
                raise DirectoryFileError(
                    file,
                    f"({row['name']}) parent {parent!r} belongs to another township",
                    entry=here,
                )
            place(parent, (*trail, org_id))
        placed.add(org_id)
        ordered.append(row)

    for org_id in by_id:
        place(org_id, ())
    return ordered


def read_directory(folder: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Read and check the three directory files; raises DirectoryFileError naming the entry."""
    folder = directory_dir() if folder is None else Path(folder)
    townships = _parse_townships(_read(folder, TOWNSHIPS_FILE, "townships"))
    codes = {row["code"] for row in townships}
    villages = _parse_villages(_read(folder, VILLAGES_FILE, "villages"), codes)
    organisations = _parse_organisations(_read(folder, ORGANISATIONS_FILE, "organisations"), codes)
    return {"townships": townships, "villages": villages, "organisations": organisations}


def load_directory(db: Database, folder: Path | None = None) -> dict[str, int]:
    """Upsert the shipped directory in one transaction; returns how many entries each file has.

    Idempotent: loading twice leaves the same rows. No outbox ops (reference data).
    """
    data = read_directory(folder)
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO township (code, name, name_en, sort, code_confirmed) "
            "VALUES (:code, :name, :name_en, :sort, :code_confirmed) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, "
            "sort = excluded.sort, code_confirmed = excluded.code_confirmed",
            data["townships"],
        )
        db.conn.executemany(
            "INSERT INTO village (code, township_code, name, sample) "
            "VALUES (:code, :township_code, :name, :sample) "
            "ON CONFLICT (code) DO UPDATE SET township_code = excluded.township_code, "
            "name = excluded.name, sample = excluded.sample",
            data["villages"],
        )
        db.conn.executemany(
            "INSERT INTO organisation (id, township_code, parent_id, name, kind, sample) "
            "VALUES (:id, :township_code, :parent_id, :name, :kind, :sample) "
            "ON CONFLICT (id) DO UPDATE SET township_code = excluded.township_code, "
            "parent_id = excluded.parent_id, name = excluded.name, kind = excluded.kind, "
            "sample = excluded.sample",
            data["organisations"],
        )
    return {key: len(rows) for key, rows in data.items()}


def _dicts(db: Database, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params or [])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def townships(db: Database) -> list[dict[str, Any]]:
    """All townships in the county's usual order."""
    rows = _dicts(
        db, "SELECT code, name, name_en, sort, code_confirmed FROM township ORDER BY sort, code"
    )
    for row in rows:
        row["code_confirmed"] = bool(row["code_confirmed"])
    return rows


def township_by_name(db: Database, name: str) -> dict[str, Any]:
    """The township called ``name`` (its code is accepted too, e.g. from ``--township``)."""
    wanted = name.strip()
    for row in townships(db):
        if wanted in (row["name"], row["code"]):
            return row
    valid = "、".join(row["name"] for row in townships(db)) or "（尚未载入乡镇目录）"
    raise NotFoundError(f"没有名为“{wanted}”的乡镇。可选：{valid} / no township called {wanted!r}")


def villages(db: Database, township_code: str) -> list[dict[str, Any]]:
    """The villages (and communities) of one township, by code."""
    rows = _dicts(
        db,
        "SELECT code, township_code, name, sample FROM village WHERE township_code = ? "
        "ORDER BY code",
        [township_code],
    )
    for row in rows:
        row["sample"] = bool(row["sample"])
    return rows


def organisations(db: Database, township_code: str) -> list[dict[str, Any]]:
    """One township's Party organisations as a tree walked depth first (committee first).

    Each dict carries ``depth`` (0 for the committee) so a picker can indent it.
    """
    rows = _dicts(
        db,
        "SELECT id, township_code, parent_id, name, kind, sample FROM organisation "
        "WHERE township_code = ? ORDER BY id",
        [township_code],
    )
    ids = {row["id"] for row in rows}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        row["sample"] = bool(row["sample"])
        parent = row["parent_id"] if row["parent_id"] in ids else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict[str, Any]] = []

    def walk(parent: str | None, depth: int) -> None:
        for row in children.get(parent, []):
            row["depth"] = depth
            ordered.append(row)
            walk(row["id"], depth + 1)

    walk(None, 0)
    return ordered

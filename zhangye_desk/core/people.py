"""The roster: people, their search keys, walk-ins, edits, search and attendance history.

Every local change writes the ``person`` row and its outbox op in one ``transaction(db)``;
people that come from the server (sync pull, demo data) are upserted without ops. Versions
belong to the server: local edits never bump ``version``, they send it as ``base``.

Op payloads (compact canonical JSON via ``outbox.append``; field names are the ``person``
column names, times are epoch-second integers, ``None`` values are left out)::

    person.create  {"t": "person.create", "id": <uuid7>, "name": ..., "township_code": ...,
                    "political_status": ..., ["gender", "ethnicity", "birth_year",
                    "village_code", "organisation_id", "phone"], "at": <created>, ["by"]}
    person.update  {"t": "person.update", "id": <uuid7>, "base": <version before the edit>,
                    "f": {<changed field>: <new value>, ...}, "at": <edited>, ["by"]}

In ``f`` a ``null`` value means the field was cleared (e.g. a phone number removed).

Search is search-as-you-type over the whole county: by characters, by full pinyin (a prefix of
any reading, so 单 is found by "dan" and "shan") and by pinyin initials. Ranks, best first:
0 exact name, 1 name prefix, 2 initials exact, 3 initials prefix, 4 full-pinyin prefix,
5 name substring, 6 full-pinyin substring. Within a rank the session's township comes first,
then alphabetical order (by pinyin, then characters), the order a Chinese roster is read in.
Matching uses ``instr``/``substr``, never ``LIKE``, so ``%`` and ``_`` typed by the user are
ordinary characters.

Speed (bench/desk.py: every keystroke must reach the screen within 16 ms on a 40,000-person
roster): ranks 0–4 are all "a name, reading or initials *starts with* the query", which the
``person_fts`` prefix index (migration m004) answers without reading every row. When those
alone fill the page of results, nothing ranked 5 or 6 could make it. Otherwise the people
whose name or pinyin *contains* the query are added from the ``person_trigram`` index (queries
of 3+ characters) or, for one or two Chinese characters found inside names ("措毛" when few
names start with it), from a scan of the names alone (``person_name``); only a one- or
two-letter query found inside pinyin ("ue") still scans the roster. Every path ranks its
candidates with the same SQL and the candidates always include every person the scan would
rank, so all paths return the same rows (tests/core/test_search_index.py). Nothing here
imports Qt.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

from . import outbox
from .errors import InvalidValueError, NotFoundError
from .ids import new_id, now
from .search_keys import SearchKeys, normalise_query, search_keys
from .store import transaction
from .vocab import ATTENDED_STATUSES, GENDERS, PERSON_FIELDS, POLITICAL_STATUSES

EDITABLE_FIELDS: tuple[str, ...] = PERSON_FIELDS
MIN_BIRTH_YEAR = 1900
MAX_NAME_LENGTH = 64
MAX_ETHNICITY_LENGTH = 20
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{2,22}$")

# Columns returned by search and duplicate checks (the attendance screen's row).
_LIST_COLUMNS = (
    "id, name, gender, ethnicity, birth_year, township_code, village_code, organisation_id, "
    "political_status, phone"
)
_PERSON_COLUMNS = (
    "id, name, gender, ethnicity, birth_year, township_code, village_code, organisation_id, "
    "political_status, phone, version, origin, created_at, updated_at, deleted, merged_into"
)
_ACTIVE = "deleted = 0 AND merged_into IS NULL"
_ORDER_IN_RANK = "CASE WHEN township_code = :township THEN 0 ELSE 1 END, pinyin_full, name, id"


def _dicts(db: Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# --- validation -----------------------------------------------------------------------------


def _optional_text(field: str, value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError(f"{field} 必须是文字 / {field} must be text", field=field)
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > max_length:
        raise InvalidValueError(
            f"{field} 太长（最多 {max_length} 字）/ {field} is longer than {max_length}",
            field=field,
        )
    return text or None


def _exists(db: Database, table: str, key: str, value: str) -> bool:
    return db.execute(f"SELECT 1 FROM {table} WHERE {key} = ?", [value]).fetchone() is not None


def _clean(db: Database, field: str, value: Any) -> Any:
    """One field's value as stored, or InvalidValueError(field=...) saying what is wrong."""
    if field == "name":
        name = _optional_text(field, value, MAX_NAME_LENGTH)
        if name is None:
            raise InvalidValueError("姓名不能为空 / the name must not be empty", field=field)
        return name
    if field == "gender":
        if value is not None and value not in GENDERS:
            raise InvalidValueError(
                f"性别只能是 {'/'.join(GENDERS)} / gender must be one of {GENDERS}", field=field
            )
        return value
    if field == "ethnicity":
        return _optional_text(field, value, MAX_ETHNICITY_LENGTH)
    if field == "birth_year":
        return _clean_birth_year(value)
    if field == "political_status":
        if value not in POLITICAL_STATUSES:
            raise InvalidValueError(
                f"政治面貌代码无效：{value!r} / political_status must be one of "
                f"{POLITICAL_STATUSES}",
                field=field,
            )
        return value
    if field == "phone":
        phone = _optional_text(field, value, 24)
        if phone is not None and not _PHONE.match(phone):
            raise InvalidValueError(
                "电话号码只能包含数字 / the phone number may only contain digits", field=field
            )
        return phone
    if field == "township_code":
        if not isinstance(value, str) or not _exists(db, "township", "code", value):
            raise InvalidValueError(f"未知的乡镇：{value!r} / unknown township", field=field)
        return value
    if field == "village_code":
        if value is not None and (
            not isinstance(value, str) or not _exists(db, "village", "code", value)
        ):
            raise InvalidValueError(f"未知的村：{value!r} / unknown village", field=field)
        return value
    if field == "organisation_id":
        if value is not None and (
            not isinstance(value, str) or not _exists(db, "organisation", "id", value)
        ):
            raise InvalidValueError(f"未知的党组织：{value!r} / unknown organisation", field=field)
        return value
    raise InvalidValueError(f"不能修改字段 {field!r} / {field!r} cannot be edited", field=field)


def _clean_birth_year(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    this_year = time.localtime().tm_year
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not MIN_BIRTH_YEAR <= value <= this_year
    ):
        raise InvalidValueError(
            f"出生年份应在 {MIN_BIRTH_YEAR} 到 {this_year} 之间 / birth year must be "
            f"{MIN_BIRTH_YEAR}..{this_year}",
            field="birth_year",
        )
    return value


def _check_village_in_township(db: Database, village: str | None, township: str) -> None:
    if village is None:
        return
    row = db.execute("SELECT township_code FROM village WHERE code = ?", [village]).fetchone()
    if row is None or row[0] != township:
        raise InvalidValueError(
            "所选的村不属于该乡镇，请重新选择村 / the village is not in this township",
            field="village_code",
        )


# --- writes ---------------------------------------------------------------------------------


def add_person(
    db: Database,
    *,
    name: str,
    township_code: str,
    gender: str | None = None,
    ethnicity: str | None = None,
    birth_year: int | None = None,
    village_code: str | None = None,
    organisation_id: str | None = None,
    political_status: str = "masses",
    phone: str | None = None,
    by: str | None = None,
    at: int | None = None,
) -> str:
    """Add a person recorded on this laptop (origin 'local', version 0); returns the new id."""
    raw = {
        "name": name,
        "gender": gender,
        "ethnicity": ethnicity,
        "birth_year": birth_year,
        "township_code": township_code,
        "village_code": village_code,
        "organisation_id": organisation_id,
        "political_status": political_status,
        "phone": phone,
    }
    person_id = new_id()
    when = now() if at is None else at
    with transaction(db):
        fields = {field: _clean(db, field, value) for field, value in raw.items()}
        _check_village_in_township(db, fields["village_code"], fields["township_code"])
        keys = search_keys(fields["name"])
        db.execute(
            f"INSERT INTO person ({', '.join(EDITABLE_FIELDS)}, id, version, origin, "
            "created_at, updated_at, name_norm, pinyin_full, pinyin_initials) "
            f"VALUES ({', '.join('?' for _ in EDITABLE_FIELDS)}, ?, 0, 'local', ?, ?, ?, ?, ?)",
            [
                *(fields[f] for f in EDITABLE_FIELDS),
                person_id,
                when,
                when,
                keys.name_norm,
                keys.pinyin_full,
                keys.pinyin_initials,
            ],
        )
        outbox.append(
            db,
            outbox.OP_PERSON_CREATE,
            {"id": person_id, **fields, "at": when, "by": by},
            at=when,
        )
    return person_id


def add_walk_in(
    db: Database,
    *,
    name: str,
    township_code: str,
    gender: str | None = None,
    ethnicity: str | None = None,
    birth_year: int | None = None,
    village_code: str | None = None,
    organisation_id: str | None = None,
    political_status: str = "masses",
    phone: str | None = None,
    by: str | None = None,
    at: int | None = None,
) -> str:
    """Add someone who came to a session but is not on the roster (the attendance screen).

    The same record and op as ``add_person``; check ``likely_duplicates`` first.
    """
    return add_person(
        db,
        name=name,
        township_code=township_code,
        gender=gender,
        ethnicity=ethnicity,
        birth_year=birth_year,
        village_code=village_code,
        organisation_id=organisation_id,
        political_status=political_status,
        phone=phone,
        by=by,
        at=at,
    )


def edit_person(
    db: Database,
    person_id: str,
    changes: Mapping[str, Any],
    *,
    by: str | None = None,
    at: int | None = None,
) -> dict[str, Any]:
    """Apply ``changes`` and return the fields that really changed (as stored).

    Nothing differs: nothing is written and no op is made. Otherwise one ``person.update`` op
    with the version the edit was based on. Invalid values raise InvalidValueError(field=...)
    and change nothing.
    """
    when = now() if at is None else at
    with transaction(db):
        current = _person_row(db, person_id)
        if current["deleted"]:
            raise NotFoundError(f"此人已从名册中删除 / person {person_id} was deleted")
        if current["merged_into"]:
            raise NotFoundError(
                f"此人已合并到另一条记录 / person {person_id} was merged into "
                f"{current['merged_into']}"
            )
        cleaned = {field: _clean(db, field, value) for field, value in changes.items()}
        changed = {f: v for f, v in cleaned.items() if current[f] != v}
        if not changed:
            return {}
        if "township_code" in changed or "village_code" in changed:
            _check_village_in_township(
                db,
                changed.get("village_code", current["village_code"]),
                changed.get("township_code", current["township_code"]),
            )
        assignments = {**changed, "updated_at": when}
        if "name" in changed:
            keys = search_keys(changed["name"])
            assignments.update(
                name_norm=keys.name_norm,
                pinyin_full=keys.pinyin_full,
                pinyin_initials=keys.pinyin_initials,
            )
        db.execute(
            f"UPDATE person SET {', '.join(f'{column} = ?' for column in assignments)} "
            "WHERE id = ?",
            [*assignments.values(), person_id],
        )
        outbox.append(
            db,
            outbox.OP_PERSON_UPDATE,
            {"id": person_id, "base": current["version"], "f": changed, "at": when, "by": by},
            at=when,
        )
    return changed


_UPSERT_SQL = f"""
INSERT INTO person ({", ".join(EDITABLE_FIELDS)}, id, version, origin, created_at, updated_at,
                    deleted, merged_into, name_norm, pinyin_full, pinyin_initials)
VALUES ({", ".join("?" for _ in EDITABLE_FIELDS)}, ?, ?, 'server', ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    {", ".join(f"{f} = excluded.{f}" for f in EDITABLE_FIELDS)},
    version = excluded.version, origin = 'server', updated_at = excluded.updated_at,
    deleted = excluded.deleted, merged_into = excluded.merged_into,
    name_norm = excluded.name_norm, pinyin_full = excluded.pinyin_full,
    pinyin_initials = excluded.pinyin_initials
WHERE excluded.version >= person.version
"""


def upsert_server_people(db: Database, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update people as the server (or the demo generator) has them; no ops.

    Each row needs ``id`` and ``name``; the other ``person`` columns are optional
    (``political_status`` defaults to 'masses', ``version`` to 0, times to now). A row older
    than the local copy (lower version) is ignored. Runs in one transaction, or inside the
    caller's (a sync pull page). Returns how many rows were given.
    """
    stamp = now()
    keys_by_name: dict[str, SearchKeys] = {}
    params: list[list[Any]] = []
    for index, row in enumerate(rows):
        person_id = row.get("id")
        name = row.get("name")
        if not isinstance(person_id, str) or not person_id:
            raise InvalidValueError(f"row {index}: id is missing", field="id")
        if not isinstance(name, str) or not name.strip():
            raise InvalidValueError(f"row {index} ({person_id}): name is empty", field="name")
        name = name.strip()
        keys = keys_by_name.get(name)
        if keys is None:
            keys = keys_by_name[name] = search_keys(name)
        values = {field: row.get(field) for field in EDITABLE_FIELDS}
        values["name"] = name
        values["political_status"] = row.get("political_status") or "masses"
        created = row.get("created_at") or stamp
        params.append(
            [
                *(values[f] for f in EDITABLE_FIELDS),
                person_id,
                int(row.get("version") or 0),
                created,
                row.get("updated_at") or created,
                int(bool(row.get("deleted"))),
                row.get("merged_into"),
                keys.name_norm,
                keys.pinyin_full,
                keys.pinyin_initials,
            ]
        )
    with transaction(db):
        db.conn.executemany(_UPSERT_SQL, params)
    return len(params)


# --- reads ----------------------------------------------------------------------------------


def _person_row(db: Database, person_id: str) -> dict[str, Any]:
    rows = _dicts(db, f"SELECT {_PERSON_COLUMNS} FROM person WHERE id = ?", [person_id])
    if not rows:
        raise NotFoundError(f"名册中没有这个人 / no person with id {person_id}")
    return rows[0]


def get_person(db: Database, person_id: str) -> dict[str, Any]:
    """The full record (deleted and merged people too, flagged), or NotFoundError."""
    row = _person_row(db, person_id)
    row["deleted"] = bool(row["deleted"])
    return row


# One pass over the candidates computes each person's best rank; only ids travel through the
# sorter (carrying whole rows made the broadest queries twice as slow), then the page of
# results is read by id. The query side of every comparison is prepared in Python, so the
# per-row work is a few substr/instr calls and no LIKE patterns exist to escape.
_RANKED_SQL = """
SELECT id, CASE
    WHEN name_norm = :q THEN 0
    WHEN substr(name_norm, 1, :n) = :q THEN 1
    WHEN instr(' ' || pinyin_initials || ' ', :space_q_space) > 0 THEN 2
    WHEN substr(pinyin_initials, 1, :n) = :q OR instr(pinyin_initials, :space_q) > 0 THEN 3
    WHEN substr(pinyin_full, 1, :n) = :q OR instr(pinyin_full, :space_q) > 0 THEN 4
    WHEN instr(name_norm, :q) > 0 THEN 5
    WHEN instr(pinyin_full, :q) > 0 THEN 6
END AS rank
FROM person {index}
WHERE {active} AND {candidates}
ORDER BY rank NULLS LAST, {order}
LIMIT :limit
"""
# Every active person whose keys contain the query (a scan of the person_roster index).
_SEARCH_SQL = _RANKED_SQL.format(
    # Named: the planner would rather scan the narrower person_name index and then read
    # every row it finds from the table, several times slower.
    index="INDEXED BY person_roster",
    active=_ACTIVE,
    order=_ORDER_IN_RANK,
    candidates=(
        "(instr(name_norm, :q) > 0 OR instr(pinyin_full, :q) > 0 OR instr(pinyin_initials, :q) > 0)"
    ),
)
# Only the people whose name, a reading or initials start with the query, found through the
# FTS5 prefix index instead of a scan (see the module docstring).
_PREFIX_SEARCH_SQL = _RANKED_SQL.format(
    index="",
    active=_ACTIVE,
    order=_ORDER_IN_RANK,
    candidates="rowid IN (SELECT rowid FROM person_fts WHERE person_fts MATCH :match)",
)
# Those, plus the people whose name or pinyin contains the query (the trigram index, for
# queries of three characters or more): every person the scan would rank.
_INDEXED_SEARCH_SQL = _RANKED_SQL.format(
    index="",
    active=_ACTIVE,
    order=_ORDER_IN_RANK,
    candidates=(
        "rowid IN (SELECT rowid FROM person_fts WHERE person_fts MATCH :match "
        "UNION ALL SELECT rowid FROM person_trigram WHERE person_trigram MATCH :phrase)"
    ),
)
# Chinese characters only: the people whose *name* contains the query. Every key with a
# Chinese character in it got that character from the name: pypinyin writes a reading
# (ASCII letters) for each character it knows and keeps a run of characters it does not know
# as one piece, between readings; so a query of Chinese characters found in the pinyin keys
# is also found in the name, and these are all the people the scan would rank.
_NAME_SEARCH_SQL = _RANKED_SQL.format(
    index="",
    active=_ACTIVE,
    order=_ORDER_IN_RANK,
    candidates=(
        f"rowid IN (SELECT rowid FROM person INDEXED BY person_name WHERE {_ACTIVE} "
        "AND instr(name_norm, :q) > 0)"
    ),
)
_PREFIX_RANKS = 4  # ranks 0..4 are prefix matches; 5 and 6 are found inside a name
_TRIGRAM = 3  # the trigram index finds substrings of at least this many characters
# Queries the indexes answer exactly: every character is one the FTS5 unicode61 tokenizer
# keeps inside a token (ASCII letters and digits, CJK ideographs), so "the query is a prefix
# of a key" implies "the query is a prefix of one of the key's tokens", and the query needs no
# quoting inside an FTS5 string.
_FTS_QUERY = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_CHINESE_QUERY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")


def _search_indexes(db: Database) -> set[str]:
    """The FTS5 search indexes this store has (migration m004 leaves out what SQLite lacks)."""
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE name IN ('person_fts', 'person_trigram')"
    ).fetchall()
    return {str(row[0]) for row in rows}


def _ranked(db: Database, sql: str, params: dict[str, Any]) -> list[tuple[str, int]]:
    # Initials that only contain the query mid-way get no rank: drop them.
    return [(pid, rank) for pid, rank in db.execute(sql, params) if rank is not None]


def search_people(
    db: Database, query: str, *, township_code: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """People matching ``query`` across the county, best first (see the module docstring).

    An empty query lists ``township_code``'s people alphabetically (everyone if None).
    """
    if limit <= 0:
        return []
    q = normalise_query(query or "")
    if not q:
        where = _ACTIVE + ("" if township_code is None else " AND township_code = :township")
        return _dicts(
            db,
            f"SELECT {_LIST_COLUMNS}, 0 AS rank FROM person WHERE {where} "
            "ORDER BY pinyin_full, name, id LIMIT :limit",
            {"township": township_code, "limit": limit},
        )
    params = {
        "q": q,
        "n": len(q),
        "space_q": " " + q,
        "space_q_space": f" {q} ",
        "township": township_code,
        "limit": limit,
        "match": f'"{q}"*',
        "phrase": f'"{q}"',
    }
    ranked: list[tuple[str, int]] | None = None
    indexes = _search_indexes(db) if _FTS_QUERY.match(q) else set()
    if "person_fts" in indexes:
        ranked = _ranked(db, _PREFIX_SEARCH_SQL, params)
        if len(ranked) < limit or ranked[-1][1] > _PREFIX_RANKS:
            ranked = None  # a match found inside a name may belong on this page
            if len(q) >= _TRIGRAM and "person_trigram" in indexes:
                ranked = _ranked(db, _INDEXED_SEARCH_SQL, params)
            elif _CHINESE_QUERY.match(q):
                ranked = _ranked(db, _NAME_SEARCH_SQL, params)
    if ranked is None:
        ranked = _ranked(db, _SEARCH_SQL, params)
    if not ranked:
        return []
    ids = [pid for pid, _ in ranked]
    rows = _dicts(
        db,
        f"SELECT {_LIST_COLUMNS} FROM person WHERE id IN ({', '.join('?' for _ in ids)})",
        ids,
    )
    by_id = {row["id"]: row for row in rows}
    return [{**by_id[pid], "rank": rank} for pid, rank in ranked]


def attendance_history(db: Database, person_id: str) -> list[dict[str, Any]]:
    """The sessions this person attended (effective status), newest first.

    Records merged into this person count as this person (after an admin merge).
    A mark that was later removed is not attendance.
    """
    _person_row(db, person_id)
    statuses = ", ".join("?" for _ in ATTENDED_STATUSES)
    rows = _dicts(
        db,
        "SELECT s.id AS session_id, s.kind, s.title, s.topic, s.starts_at, s.ends_at, "
        "s.township_code, s.village_code, s.place_name, s.state, "
        "a.status, a.at AS marked_at "
        "FROM attendance a JOIN session s ON s.id = a.session_id "
        "WHERE (a.person_id = ? OR a.person_id IN (SELECT id FROM person WHERE merged_into = ?)) "
        f"AND a.status IN ({statuses}) "
        "ORDER BY s.starts_at DESC, s.id DESC, a.at",
        [person_id, person_id, *ATTENDED_STATUSES],
    )
    seen: set[str] = set()
    history: list[dict[str, Any]] = []
    for row in rows:
        if row["session_id"] not in seen:
            seen.add(row["session_id"])
            history.append(row)
    return history


def likely_duplicates(
    db: Database, name: str, birth_year: int | None, township_code: str
) -> list[dict[str, Any]]:
    """People who may already be this person: same normalised name and township, and the
    same birth year (an unknown birth year on either side cannot rule a match out).

    Used to warn before adding a walk-in; the same birth year is listed first.
    """
    norm = normalise_query(name or "")
    if not norm:
        return []
    return _dicts(
        db,
        f"SELECT {_LIST_COLUMNS} FROM person "
        f"WHERE township_code = :township AND name_norm = :norm AND {_ACTIVE} "
        "AND (:year IS NULL OR birth_year IS NULL OR birth_year = :year) "
        "ORDER BY CASE WHEN birth_year = :year THEN 0 ELSE 1 END, pinyin_full, name, id",
        {"township": township_code, "norm": norm, "year": birth_year},
    )

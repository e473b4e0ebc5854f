"""Writes the CLI and the admin pages make: the directory, people, merges, materials.

Every function takes a connection inside the caller's transaction (``db.write_transaction``)
and writes its rows, their history and the change log together, so a laptop pulls exactly what
was committed. People: every version is kept in ``person_history``; likely duplicates (same
normalised name, birth year and township) go to the review queue for an admin merge; a merge is
a tombstone with ``merged_into``. Materials are stored content-addressed (``files.store_file``)
and scoped to every township or one.

``apply.py`` reuses the person helpers here for the laptops' ``person.*`` ops. Nothing here
knows about HTTP.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.engine import RowMapping

from ..core.directory import read_directory
from ..core.ids import new_id
from ..core.ids import now as epoch_now
from ..core.materials import guess_mime
from ..core.search_keys import normalise
from ..core.vocab import GENDERS, PERSON_FIELDS, POLITICAL_STATUSES
from . import feed
from .db import (
    RowLike,
    dumps,
    material,
    organisation,
    person,
    person_history,
    review_queue,
    township,
    village,
)
from .errors import NotFound, ServiceError
from .files import store_file

MIN_BIRTH_YEAR = 1900
MAX_NAME_LENGTH = 64
MAX_ETHNICITY_LENGTH = 20
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{2,22}$")


def _now(now: int | None) -> int:
    return epoch_now() if now is None else now


# --- the directory ---------------------------------------------------------------------------


def find_township(conn: Connection, name_or_code: str) -> dict[str, Any]:
    """The township called ``name_or_code`` (its 9-digit code works too); NotFound lists the
    valid names."""
    wanted = name_or_code.strip()
    rows = conn.execute(select(township).order_by(township.c.sort, township.c.code)).mappings()
    names = []
    for row in rows:
        if wanted in (row["name"], row["code"]):
            return dict(row)
        names.append(row["name"])
    valid = "、".join(names) or "(none loaded: run init-db)"
    raise NotFound(f"no township called {wanted!r}; valid: {valid}", field="township")


def load_directory(
    conn: Connection, folder: Path | None = None, *, now: int | None = None
) -> dict[str, int]:
    """Upsert the shipped Sunan directory (``resources/sunan``); returns how many entries of
    each kind changed. Only changed entries reach the change log, so loading twice is a no-op.
    """
    at = _now(now)
    data = read_directory(folder)
    feed.lock_change_log(conn)
    changed = {"townships": 0, "villages": 0, "organisations": 0}
    plan = (
        ("townships", "township", township, "code"),
        ("villages", "village", village, "code"),
        ("organisations", "organisation", organisation, "id"),
    )
    for key, kind, table, pk in plan:
        for entry in data[key]:  # organisations come parents first
            values = {k: v for k, v in entry.items() if k in table.c}
            for flag in ("code_confirmed", "sample"):
                if flag in values:
                    values[flag] = bool(values[flag])
            current = (
                conn.execute(select(table).where(table.c[pk] == values[pk])).mappings().first()
            )
            if current is not None and all(current[k] == v for k, v in values.items()):
                continue
            if current is None:
                conn.execute(table.insert().values(**values, updated_at=at))
            else:
                conn.execute(
                    update(table).where(table.c[pk] == values[pk]).values(**values, updated_at=at)
                )
            row = conn.execute(select(table).where(table.c[pk] == values[pk])).mappings().one()
            feed.record_directory(conn, kind, row, now=at)
            changed[key] += 1
    return changed


# --- people: validation ----------------------------------------------------------------------


def _optional_text(field: str, value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ServiceError(f"{field} must be text", field=field)
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > max_length:
        raise ServiceError(f"{field} is longer than {max_length} characters", field=field)
    return text or None


def _exists(conn: Connection, column: Any, value: Any) -> bool:
    return conn.execute(select(column).where(column == value)).first() is not None


def clean_person_field(conn: Connection, field: str, value: Any) -> Any:
    """One field as stored, or ServiceError(field=…) saying what is wrong (the laptop's rules,
    core/people.py, checked again: the server trusts no client)."""
    if field == "name":
        name = _optional_text(field, value, MAX_NAME_LENGTH)
        if name is None:
            raise ServiceError("the name must not be empty", field=field)
        return name
    if field == "gender":
        if value is not None and value not in GENDERS:
            raise ServiceError(f"gender must be one of {GENDERS}", field=field)
        return value
    if field == "ethnicity":
        return _optional_text(field, value, MAX_ETHNICITY_LENGTH)
    if field == "birth_year":
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        this_year = time.gmtime().tm_year + 1  # a laptop's New Year may run ahead of ours
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not (MIN_BIRTH_YEAR <= value <= this_year)
        ):
            raise ServiceError(f"birth year must be {MIN_BIRTH_YEAR}..{this_year}", field=field)
        return value
    if field == "political_status":
        if value not in POLITICAL_STATUSES:
            raise ServiceError(f"political_status must be one of {POLITICAL_STATUSES}", field=field)
        return value
    if field == "phone":
        phone = _optional_text(field, value, 24)
        if phone is not None and not _PHONE.match(phone):
            raise ServiceError("the phone number may only contain digits", field=field)
        return phone
    if field == "township_code":
        if not isinstance(value, str) or not _exists(conn, township.c.code, value):
            raise ServiceError(f"unknown township {value!r}", field=field)
        return value
    if field == "village_code":
        if value is not None and (
            not isinstance(value, str) or not _exists(conn, village.c.code, value)
        ):
            raise ServiceError(f"unknown village {value!r}", field=field)
        return value
    if field == "organisation_id":
        if value is not None and (
            not isinstance(value, str) or not _exists(conn, organisation.c.id, value)
        ):
            raise ServiceError(f"unknown organisation {value!r}", field=field)
        return value
    raise ServiceError(f"{field!r} is not a person field", field=field)


def village_fits(conn: Connection, village_code: str | None, township_code: str | None) -> bool:
    if village_code is None:
        return True
    found = conn.execute(
        select(village.c.township_code).where(village.c.code == village_code)
    ).scalar()
    return found is not None and found == township_code


def clean_new_person(conn: Connection, fields: Mapping[str, Any]) -> dict[str, Any]:
    """All person fields for a new record (missing ones None, political status 'masses')."""
    raw = {name: fields.get(name) for name in PERSON_FIELDS}
    raw["political_status"] = raw["political_status"] or "masses"
    cleaned = {name: clean_person_field(conn, name, value) for name, value in raw.items()}
    if not village_fits(conn, cleaned["village_code"], cleaned["township_code"]):
        raise ServiceError("the village is not in this township", field="village_code")
    return cleaned


# --- people: rows, history, duplicates -------------------------------------------------------


def get_person(conn: Connection, person_id: str, *, lock: bool = False) -> RowMapping | None:
    query = select(person).where(person.c.id == person_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def person_snapshot(row: RowLike) -> dict[str, Any]:
    return {
        **feed.person_data(row),
        "deleted": bool(row["deleted"]),
        "merged_into": row["merged_into"],
    }


def history_snapshot(conn: Connection, person_id: str, version: int) -> dict[str, Any] | None:
    """The record as it was at ``version`` (None if no history holds it)."""
    text = conn.execute(
        select(person_history.c.snapshot)
        .where(person_history.c.person_id == person_id, person_history.c.version == version)
        .order_by(person_history.c.id.desc())
        .limit(1)
    ).scalar()
    return None if text is None else dict(feed.loads(text))


def add_history(
    conn: Connection,
    person_id: str,
    *,
    outcome: str,
    now: int,
    version: int | None = None,
    base_version: int | None = None,
    fields: Mapping[str, Any] | None = None,
    snapshot: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    actor: str | None = None,
    source: Mapping[str, Any] | None = None,
) -> None:
    """One history entry; ``source`` is ``{"device_id", "origin_replica", "seq"}`` for ops."""
    conn.execute(
        person_history.insert().values(
            person_id=person_id,
            version=version,
            base_version=base_version,
            outcome=outcome,
            fields=None if fields is None else dumps(dict(fields)),
            snapshot=None if snapshot is None else dumps(dict(snapshot)),
            detail=None if detail is None else dumps(dict(detail)),
            actor=actor,
            created_at=now,
            **dict(source or {}),
        )
    )


def flag_row(
    kind: str,
    entity_kind: str,
    entity_id: str,
    *,
    now: int,
    other_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The review-queue row ``flag`` writes (for callers that insert many at once)."""
    return {
        "kind": kind,
        "entity_kind": entity_kind,
        "entity_id": entity_id,
        "other_id": other_id,
        "detail": None if detail is None else dumps(dict(detail)),
        "created_at": now,
        "device_id": None,
        "origin_replica": None,
        "seq": None,
        **dict(source or {}),
    }


def flag(
    conn: Connection,
    kind: str,
    entity_kind: str,
    entity_id: str,
    *,
    now: int,
    other_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
) -> None:
    """Put something in the admins' review queue."""
    row = flag_row(
        kind, entity_kind, entity_id, now=now, other_id=other_id, detail=detail, source=source
    )
    conn.execute(review_queue.insert().values(**row))


def likely_duplicates(conn: Connection, row: RowLike) -> list[str]:
    """Active people who may be the same as ``row``: same normalised name and township, and the
    same birth year (an unknown year on either side cannot rule a match out)."""
    if row["township_code"] is None or not row["name_norm"]:
        return []
    year = row["birth_year"]
    query = select(person.c.id).where(
        person.c.township_code == row["township_code"],
        person.c.name_norm == row["name_norm"],
        person.c.id != row["id"],
        person.c.deleted.is_(False),
        person.c.merged_into.is_(None),
    )
    if year is not None:
        query = query.where(or_(person.c.birth_year.is_(None), person.c.birth_year == year))
    return list(conn.execute(query.order_by(person.c.id)).scalars())


def flag_duplicates(
    conn: Connection, row: RowLike, *, now: int, source: Mapping[str, Any] | None = None
) -> list[str]:
    others = likely_duplicates(conn, row)
    for other in others:
        flag(
            conn,
            "likely_duplicate",
            "person",
            row["id"],
            other_id=other,
            now=now,
            source=source,
            detail={"name": row["name"], "birth_year": row["birth_year"]},
        )
    return others


def insert_person(
    conn: Connection,
    person_id: str,
    cleaned: Mapping[str, Any],
    *,
    origin: str,
    now: int,
    actor: str | None = None,
    created_by_device: str | None = None,
    source: Mapping[str, Any] | None = None,
) -> tuple[RowMapping, list[str]]:
    """Insert version 1 with its history and change; returns the row and likely duplicates.
    The caller has taken the change-log lock and cleaned the fields."""
    conn.execute(
        person.insert().values(
            id=person_id,
            **cleaned,
            name_norm=normalise(cleaned["name"]),
            version=1,
            deleted=False,
            origin=origin,
            created_by_device=created_by_device,
            created_at=now,
            updated_at=now,
        )
    )
    row = get_person(conn, person_id)
    assert row is not None
    add_history(
        conn,
        person_id,
        outcome="created",
        version=1,
        fields=dict(cleaned),
        snapshot=person_snapshot(row),
        actor=actor,
        now=now,
        source=source,
    )
    feed.record_person(conn, row, now=now)
    return row, flag_duplicates(conn, row, now=now, source=source)


def write_version(
    conn: Connection,
    row: RowLike,
    values: Mapping[str, Any],
    *,
    outcome: str,
    now: int,
    base_version: int | None = None,
    fields: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    actor: str | None = None,
    source: Mapping[str, Any] | None = None,
) -> RowMapping:
    """Write ``values`` as the person's next version, with history and the change."""
    assignments = dict(values)
    if "name" in assignments:
        assignments["name_norm"] = normalise(assignments["name"])
    version = int(row["version"]) + 1
    conn.execute(
        update(person)
        .where(person.c.id == row["id"])
        .values(**assignments, version=version, updated_at=now)
    )
    new_row = get_person(conn, row["id"])
    assert new_row is not None
    add_history(
        conn,
        row["id"],
        outcome=outcome,
        version=version,
        base_version=base_version,
        fields=dict(values) if fields is None else fields,
        detail=detail,
        snapshot=person_snapshot(new_row),
        actor=actor,
        now=now,
        source=source,
    )
    feed.record_person(conn, new_row, now=now)
    return new_row


# --- people: what admins and the roster import do --------------------------------------------


def upsert_person(
    conn: Connection,
    fields: Mapping[str, Any],
    *,
    actor: str,
    origin: str = "server",
    now: int | None = None,
) -> dict[str, Any]:
    """Add a person (no ``id``, or an ``id`` the server does not have) or edit one.

    An admin's edit wins outright (it is the reference roster); laptops' edits go through the
    conflict rules in apply.py. Returns ``{"id", "version", "created", "changed": [fields],
    "likely_duplicates": [ids]}``. Raises ServiceError (a bad value, naming the field) and
    ServiceError code "deleted" for an edit of a deleted or merged person.
    """
    at = _now(now)
    feed.lock_change_log(conn)  # before any row lock: one lock order for every writer
    person_id = fields.get("id")
    if person_id is not None and not isinstance(person_id, str):
        raise ServiceError("id must be text", field="id")
    current = get_person(conn, person_id, lock=True) if person_id else None
    if current is None:
        cleaned = clean_new_person(conn, fields)
        if cleaned["township_code"] is None:
            raise ServiceError("a person needs a township", field="township_code")
        row, duplicates = insert_person(
            conn, person_id or new_id(), cleaned, origin=origin, actor=actor, now=at
        )
        return {
            "id": row["id"],
            "version": 1,
            "created": True,
            "changed": list(PERSON_FIELDS),
            "likely_duplicates": duplicates,
        }
    if current["deleted"] or current["merged_into"] is not None:
        raise ServiceError(f"person {person_id} was deleted or merged", field="id", code="deleted")
    cleaned = {
        name: clean_person_field(conn, name, value)
        for name, value in fields.items()
        if name in PERSON_FIELDS
    }
    if "township_code" in cleaned and cleaned["township_code"] is None:
        raise ServiceError("a person needs a township", field="township_code")
    changed = {name: value for name, value in cleaned.items() if current[name] != value}
    if not changed:
        return {
            "id": current["id"],
            "version": current["version"],
            "created": False,
            "changed": [],
            "likely_duplicates": [],
        }
    after = {**current, **changed}
    if not village_fits(conn, after["village_code"], after["township_code"]):
        raise ServiceError("the village is not in this township", field="village_code")
    row = write_version(conn, current, changed, outcome="edited", actor=actor, now=at)
    duplicates = []
    if {"name", "birth_year", "township_code"} & changed.keys():
        duplicates = flag_duplicates(conn, row, now=at)
    return {
        "id": row["id"],
        "version": row["version"],
        "created": False,
        "changed": sorted(changed),
        "likely_duplicates": duplicates,
    }


def delete_person(conn: Connection, person_id: str, *, actor: str, now: int | None = None) -> int:
    """Delete a person (a tombstone laptops pull); returns the version. Deleting twice is a
    no-op. Their attendance stays: it happened."""
    at = _now(now)
    feed.lock_change_log(conn)
    current = get_person(conn, person_id, lock=True)
    if current is None:
        raise NotFound(f"no person {person_id!r}", field="id")
    if current["deleted"] or current["merged_into"] is not None:
        return int(current["version"])
    row = write_version(conn, current, {"deleted": True}, outcome="deleted", actor=actor, now=at)
    return int(row["version"])


def merge_people(
    conn: Connection, loser: str, winner: str, *, actor: str, now: int | None = None
) -> dict[str, Any]:
    """Merge duplicate ``loser`` into ``winner``: the loser becomes a tombstone with
    ``merged_into`` (laptops re-point it), and anyone already merged into the loser now points
    at the winner, so statistics count each of them as the winner. Resolves the review-queue
    entries that paired them. Returns ``{"loser", "winner", "version", "repointed": [ids]}``.
    """
    at = _now(now)
    if loser == winner:
        raise ServiceError(
            "a person cannot be merged into themselves", field="winner", code="same_person"
        )
    feed.lock_change_log(conn)
    lose = get_person(conn, loser, lock=True)
    win = get_person(conn, winner, lock=True)
    if lose is None:
        raise NotFound(f"no person {loser!r}", field="loser")
    if win is None:
        raise NotFound(f"no person {winner!r}", field="winner")
    if win["deleted"] or win["merged_into"] is not None:
        raise ServiceError("the person kept must not be deleted or merged", field="winner")
    if lose["merged_into"] is not None:
        raise ServiceError(f"{loser} was already merged into {lose['merged_into']}", field="loser")
    merged = write_version(
        conn,
        lose,
        {"merged_into": winner},
        outcome="merged",
        actor=actor,
        detail={"winner": winner},
        now=at,
    )
    repointed = []
    earlier = (
        conn.execute(select(person).where(person.c.merged_into == loser).with_for_update())
        .mappings()
        .all()
    )
    for row in earlier:
        write_version(
            conn,
            row,
            {"merged_into": winner},
            outcome="merged",
            actor=actor,
            detail={"winner": winner, "via": loser},
            now=at,
        )
        repointed.append(row["id"])
    conn.execute(
        update(review_queue)
        .where(
            review_queue.c.kind == "likely_duplicate",
            review_queue.c.resolved_at.is_(None),
            or_(
                (review_queue.c.entity_id == loser) & (review_queue.c.other_id == winner),
                (review_queue.c.entity_id == winner) & (review_queue.c.other_id == loser),
            ),
        )
        .values(resolved_at=at, resolution="merged", resolved_by=actor)
    )
    return {"loser": loser, "winner": winner, "version": merged["version"], "repointed": repointed}


# --- materials -------------------------------------------------------------------------------


def publish_material(
    conn: Connection,
    files_dir: Path,
    path: Path,
    *,
    title: str,
    topic: str | None = None,
    language: str | None = None,
    priority: int = 0,
    township_code: str | None = None,
    mime: str | None = None,
    duration_s: float | None = None,
    actor: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """Copy a file into the content-addressed store and publish it to laptops (every
    township, or only ``township_code``'s). Returns the material row plus ``"created"``.

    Publishing the same bytes to the same scope again returns the existing material unchanged.
    """
    at = _now(now)
    source = Path(path)
    if not source.is_file():
        raise ServiceError(f"{source} is not a file", field="path")
    clean_title = _optional_text("title", title, 200)
    if clean_title is None:
        raise ServiceError("the title must not be empty", field="title")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise ServiceError("priority must be a whole number", field="priority")
    if township_code is not None and not _exists(conn, township.c.code, township_code):
        raise NotFound(f"unknown township {township_code!r}", field="township")
    sha256, size = store_file(Path(files_dir), source)
    feed.lock_change_log(conn)
    row = material_row(
        conn,
        sha256,
        size,
        title=clean_title,
        topic=_optional_text("topic", topic, 100),
        language=_optional_text("language", language, 20),
        mime=mime or guess_mime(source),
        duration_s=duration_s,
        priority=priority,
        township_code=township_code,
        file_name=source.name,
        published=True,
        actor=actor,
        now=at,
    )
    if not row["created"]:
        return row
    feed.record_material(conn, row, now=at)
    return row


def material_row(
    conn: Connection,
    sha256: str,
    size: int,
    *,
    title: str,
    topic: str | None,
    language: str | None,
    mime: str,
    priority: int,
    township_code: str | None,
    file_name: str,
    published: bool,
    actor: str | None,
    now: int,
    duration_s: float | None = None,
) -> dict[str, Any]:
    """The live material holding the stored file ``sha256`` for the same townships (every
    township when ``township_code`` is None), or a new row for it; ``"created"`` says which.
    The values are already checked; the feed is the caller's business."""
    same_scope = (
        material.c.township_code.is_(None)
        if township_code is None
        else material.c.township_code == township_code
    )
    existing = (
        conn.execute(
            select(material).where(
                material.c.sha256 == sha256, same_scope, material.c.retired.is_(False)
            )
        )
        .mappings()
        .first()
    )
    if existing is not None:
        return {**existing, "created": False}
    material_id = new_id()
    conn.execute(
        material.insert().values(
            id=material_id,
            title=title,
            topic=topic,
            language=language,
            mime=mime,
            size=size,
            sha256=sha256,
            duration_s=duration_s,
            version=1,
            priority=priority,
            township_code=township_code,
            file_name=file_name,
            published=published,
            retired=False,
            created_at=now,
            updated_at=now,
            created_by=actor,
        )
    )
    row = conn.execute(select(material).where(material.c.id == material_id)).mappings().one()
    return {**row, "created": True}


def retire_material(
    conn: Connection, material_id: str, *, actor: str | None = None, now: int | None = None
) -> int:
    """Stop offering a material (laptops mark it retired; its file stays for old sessions).
    Returns the version; retiring twice is a no-op."""
    at = _now(now)
    feed.lock_change_log(conn)
    row = (
        conn.execute(select(material).where(material.c.id == material_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no material {material_id!r}", field="id")
    if row["retired"]:
        return int(row["version"])
    version = int(row["version"]) + 1
    conn.execute(
        update(material)
        .where(material.c.id == material_id)
        .values(retired=True, retired_at=at, updated_at=at, version=version)
    )
    new_row = conn.execute(select(material).where(material.c.id == material_id)).mappings().one()
    feed.record_material(conn, new_row, now=at)
    return version

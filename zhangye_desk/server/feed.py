"""The change feed laptops pull: the change log, cursors, pull pages, snapshots, compaction.

Every write to the directory, the roster or the material library appends a change in the same
transaction (``record_*``). A change is ``{"kind", "op", "id", ["version"], ["data"],
["merged_into"]}`` with kind ``township | village | organisation | person | material`` and op
``upsert | delete | merge`` (a retired material is a ``delete``). Change ids are handed out in
commit order: SQLite has a single writer, and on PostgreSQL every writer of the change log first
takes a transaction-level advisory lock (``lock_change_log``), so a reader never sees id 11
committed while id 10 is still invisible, and a cursor never skips a change.

Cursors are ``"<server_epoch>:<change_id>"`` and snapshot tokens ``"<epoch>:s:<high>:<kind>:
<position>"``; laptops treat both as opaque. A cursor from another epoch (the server was restored
from a backup) or older than the last compacted tombstone answers 410 (``CursorExpired``), and
the laptop takes a snapshot: pages of every current row, then a normal cursor at the change id
the snapshot started from.

Nothing here knows about HTTP; ``api_sync`` turns the exceptions into protocol errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, or_, select, update
from sqlalchemy.engine import RowMapping

from ..core.ids import new_id
from ..core.vocab import PERSON_FIELDS
from .db import (
    RowLike,
    change_log,
    dumps,
    insert_ignore,
    loads,
    material,
    organisation,
    person,
    server_meta,
    township,
    village,
)

KINDS: tuple[str, ...] = ("township", "village", "organisation", "person", "material")
# Directory kinds are small and referenced by people (foreign keys on the laptop), so their
# changes are never compacted away and their snapshot pages are read in dependency order.
DIRECTORY_KINDS: tuple[str, ...] = ("township", "village", "organisation")
META_EPOCH = "server_epoch"
META_FEED_FLOOR = "feed_floor"
# pg_advisory_xact_lock key for "writing the change log" ("ZYCL").
CHANGE_LOG_LOCK_KEY = 0x5A59434C

MATERIAL_FIELDS: tuple[str, ...] = (
    "title",
    "topic",
    "language",
    "mime",
    "size",
    "sha256",
    "duration_s",
    "priority",
    "version",
)


class FeedError(Exception):
    """A pull the feed cannot answer as asked."""


class CursorExpired(FeedError):
    """The cursor belongs to another server epoch or predates compacted tombstones (410)."""


class BadCursor(FeedError):
    """The cursor or snapshot token is not one this server hands out (400)."""


# --- server_meta -----------------------------------------------------------------------------


def get_meta(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(server_meta.c.value).where(server_meta.c.key == key)).scalar()
    return None if value is None else str(value)


def set_meta(conn: Connection, key: str, value: str) -> None:
    if not insert_ignore(conn, server_meta, {"key": key, "value": value}):
        conn.execute(update(server_meta).where(server_meta.c.key == key).values(value=value))


def server_epoch(conn: Connection) -> str:
    epoch = get_meta(conn, META_EPOCH)
    if epoch is None:
        raise RuntimeError("the server database has no epoch: run `zhangye-server init-db`")
    return epoch


def ensure_epoch(conn: Connection) -> str:
    """The server epoch, made on first use (database creation)."""
    epoch = get_meta(conn, META_EPOCH)
    if epoch is None:
        epoch = new_id()
        set_meta(conn, META_EPOCH, epoch)
    return epoch


def new_epoch(conn: Connection) -> str:
    """Start a new epoch: after restoring the database from a backup, every laptop's cursor
    becomes invalid (410) and laptops re-push what they hold (the server deduplicates)."""
    epoch = new_id()
    set_meta(conn, META_EPOCH, epoch)
    return epoch


# --- writing changes -------------------------------------------------------------------------


def lock_change_log(conn: Connection) -> None:
    """Serialise change-log writers until this transaction ends (PostgreSQL only).

    Take it before any row lock in the transaction, so that lock order is always the same.
    Re-taking it in the same transaction is harmless (the lock is re-entrant).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(CHANGE_LOG_LOCK_KEY)))


def append_change(
    conn: Connection,
    kind: str,
    op: str,
    entity_id: str,
    *,
    now: int,
    version: int | None = None,
    data: Mapping[str, Any] | None = None,
    merged_into: str | None = None,
    scope_township: str | None = None,
) -> int:
    """Append one change (inside the caller's transaction); returns its change id."""
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    lock_change_log(conn)
    result = conn.execute(
        change_log.insert().values(
            kind=kind,
            op=op,
            entity_id=entity_id,
            version=version,
            data=None if data is None else dumps(dict(data)),
            merged_into=merged_into,
            scope_township=scope_township,
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def township_data(row: RowLike) -> dict[str, Any]:
    return {
        "name": row["name"],
        "name_en": row["name_en"],
        "sort": row["sort"],
        "code_confirmed": bool(row["code_confirmed"]),
    }


def village_data(row: RowLike) -> dict[str, Any]:
    return {
        "township_code": row["township_code"],
        "name": row["name"],
        "sample": bool(row["sample"]),
    }


def organisation_data(row: RowLike) -> dict[str, Any]:
    return {
        "township_code": row["township_code"],
        "parent_id": row["parent_id"],
        "name": row["name"],
        "kind": row["kind"],
        "sample": bool(row["sample"]),
    }


def person_data(row: RowLike) -> dict[str, Any]:
    return {name: row[name] for name in PERSON_FIELDS}


def material_data(row: RowLike) -> dict[str, Any]:
    return {name: row[name] for name in MATERIAL_FIELDS}


def person_change(row: RowLike) -> dict[str, Any]:
    """The change that brings a laptop's copy of this person to the row's current state."""
    if row["merged_into"] is not None:
        return {"op": "merge", "version": row["version"], "merged_into": row["merged_into"]}
    if row["deleted"]:
        return {"op": "delete", "version": row["version"]}
    return {"op": "upsert", "version": row["version"], "data": person_data(row)}


def material_change(row: RowLike) -> dict[str, Any]:
    if row["retired"] or not row["published"]:
        return {"op": "delete", "version": row["version"]}
    return {"op": "upsert", "version": row["version"], "data": material_data(row)}


def record_person(conn: Connection, row: RowLike, *, now: int) -> int:
    change = person_change(row)
    return append_change(conn, "person", change.pop("op"), row["id"], now=now, **change)


def record_material(conn: Connection, row: RowLike, *, now: int) -> int:
    change = material_change(row)
    return append_change(
        conn,
        "material",
        change.pop("op"),
        row["id"],
        now=now,
        scope_township=row["township_code"],
        **change,
    )


def record_directory(conn: Connection, kind: str, row: RowLike, *, now: int) -> int:
    if kind == "township":
        return append_change(conn, kind, "upsert", row["code"], now=now, data=township_data(row))
    if kind == "village":
        return append_change(conn, kind, "upsert", row["code"], now=now, data=village_data(row))
    if kind == "organisation":
        data = organisation_data(row)
        return append_change(conn, kind, "upsert", row["id"], now=now, data=data)
    raise ValueError(f"{kind!r} is not a directory kind")


# --- reading: cursors and pages --------------------------------------------------------------


def encode_cursor(epoch: str, change_id: int) -> str:
    return f"{epoch}:{change_id}"


def decode_cursor(cursor: str, epoch: str) -> int:
    """The change id a cursor stands for; "" is the very beginning."""
    if not cursor:
        return 0
    cursor_epoch, sep, position = cursor.rpartition(":")
    if not sep or not position.isdigit() or ":s" in cursor_epoch:
        raise BadCursor("not a pull cursor")
    if cursor_epoch != epoch:
        raise CursorExpired("the cursor belongs to another server epoch")
    return int(position)


def is_snapshot_token(token: str) -> bool:
    parts = token.split(":", 2)
    return len(parts) == 3 and parts[1] == "s"


def _visible(scope_column: Any, township_code: str) -> Any:
    return or_(scope_column.is_(None), scope_column == township_code)


def _wire(row: RowMapping) -> dict[str, Any]:
    change: dict[str, Any] = {"kind": row["kind"], "op": row["op"], "id": row["entity_id"]}
    if row["version"] is not None:
        change["version"] = row["version"]
    if row["merged_into"] is not None:
        change["merged_into"] = row["merged_into"]
    if row["data"] is not None:
        change["data"] = loads(row["data"])
    return change


def pull(conn: Connection, *, cursor: str, limit: int, township_code: str) -> dict[str, Any]:
    """One page of changes after ``cursor`` that a device of ``township_code`` may see."""
    epoch = server_epoch(conn)
    position = decode_cursor(cursor, epoch)
    floor = int(get_meta(conn, META_FEED_FLOOR) or 0)
    if 0 < position < floor:
        raise CursorExpired("the cursor is older than the oldest tombstone the server keeps")
    rows = (
        conn.execute(
            select(change_log)
            .where(
                change_log.c.change_id > position,
                _visible(change_log.c.scope_township, township_code),
            )
            .order_by(change_log.c.change_id)
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = int(rows[-1]["change_id"]) if rows else position
    return {
        "server_epoch": epoch,
        "cursor": encode_cursor(epoch, last),
        "more": more,
        "changes": [_wire(row) for row in rows],
    }


def _organisations_parents_first(conn: Connection) -> list[RowMapping]:
    rows = conn.execute(select(organisation).order_by(organisation.c.id)).mappings().all()
    by_id = {row["id"]: row for row in rows}
    ordered: list[RowMapping] = []
    placed: set[str] = set()

    def place(row: RowMapping, depth: int) -> None:
        if row["id"] in placed:
            return
        parent = by_id.get(row["parent_id"]) if row["parent_id"] else None
        if parent is not None and depth < len(rows):
            place(parent, depth + 1)
        placed.add(row["id"])
        ordered.append(row)

    for row in rows:
        place(row, 0)
    return ordered


def _snapshot_rows(
    conn: Connection, kind: str, position: str, limit: int, township_code: str
) -> tuple[list[dict[str, Any]], str]:
    """Up to ``limit`` current rows of ``kind`` after ``position``, as changes."""
    if kind in DIRECTORY_KINDS:
        # Small tables: page by offset over a fixed order (parents before children).
        offset = int(position or 0)
        if kind == "township":
            rows = conn.execute(
                select(township).order_by(township.c.sort, township.c.code)
            ).mappings()
            changes = [
                {"kind": kind, "op": "upsert", "id": r["code"], "data": township_data(r)}
                for r in rows
            ]
        elif kind == "village":
            rows = conn.execute(select(village).order_by(village.c.code)).mappings()
            changes = [
                {"kind": kind, "op": "upsert", "id": r["code"], "data": village_data(r)}
                for r in rows
            ]
        else:
            changes = [
                {"kind": kind, "op": "upsert", "id": r["id"], "data": organisation_data(r)}
                for r in _organisations_parents_first(conn)
            ]
        page = changes[offset : offset + limit]
        return page, str(offset + len(page))
    if kind == "person":
        query = select(person).where(person.c.id > position).order_by(person.c.id).limit(limit)
        out = []
        for row in conn.execute(query).mappings():
            out.append({"kind": kind, "id": row["id"], **person_change(row)})
    else:
        query = (
            select(material)
            .where(material.c.id > position, _visible(material.c.township_code, township_code))
            .order_by(material.c.id)
            .limit(limit)
        )
        out = [
            {"kind": kind, "id": row["id"], **material_change(row)}
            for row in conn.execute(query).mappings()
        ]
    return out, (out[-1]["id"] if out else position)


def snapshot(conn: Connection, *, after: str, limit: int, township_code: str) -> dict[str, Any]:
    """One page of the current state (every kind in dependency order) after token ``after``.

    While ``more`` is true, ``cursor`` is the token for the next page; the last page's cursor
    is a normal pull cursor at the change id the snapshot began from, so whatever changed
    while the snapshot was being read is pulled afterwards (applying a change twice is
    harmless: upserts carry versions).
    """
    epoch = server_epoch(conn)
    if not after:
        high = int(
            conn.execute(select(func.coalesce(func.max(change_log.c.change_id), 0))).scalar_one()
        )
        kind_index, position = 0, ""
    else:
        parts = after.split(":", 4)
        if len(parts) != 5 or parts[1] != "s" or not parts[2].isdigit() or not parts[3].isdigit():
            raise BadCursor("not a snapshot token")
        if parts[0] != epoch:
            raise CursorExpired("the snapshot token belongs to another server epoch")
        high, kind_index, position = int(parts[2]), int(parts[3]), parts[4]
        if kind_index >= len(KINDS):
            raise BadCursor("not a snapshot token")

    changes: list[dict[str, Any]] = []
    while kind_index < len(KINDS) and len(changes) < limit:
        kind = KINDS[kind_index]
        page, position = _snapshot_rows(conn, kind, position, limit - len(changes), township_code)
        changes.extend(page)
        if len(changes) < limit:
            kind_index, position = kind_index + 1, ""
    # A page that ends exactly at the end of the last kind still says more=True once; the
    # next (empty) page then hands out the cursor. Cheap, and keeps the rule simple.
    more = kind_index < len(KINDS)
    cursor = f"{epoch}:s:{high}:{kind_index}:{position}" if more else encode_cursor(epoch, high)
    return {
        "server_epoch": epoch,
        "cursor": cursor,
        "more": more,
        "snapshot": True,
        "changes": changes,
    }


# --- compaction ------------------------------------------------------------------------------


def compact(conn: Connection, *, now: int, horizon_s: int) -> dict[str, int]:
    """Forget person and material changes older than the horizon that a later change of the
    same entity supersedes, and tombstones older than the horizon.

    Cursors older than the newest forgotten tombstone then answer 410 (the laptop takes a
    snapshot). Directory changes are never forgotten (laptops need them in order).
    """
    cutoff = now - horizon_s
    later = change_log.alias("later")
    superseded = delete(change_log).where(
        change_log.c.kind.in_(("person", "material")),
        change_log.c.created_at < cutoff,
        exists().where(
            and_(
                later.c.kind == change_log.c.kind,
                later.c.entity_id == change_log.c.entity_id,
                later.c.change_id > change_log.c.change_id,
            )
        ),
    )
    removed = conn.execute(superseded).rowcount
    tombstones = and_(
        change_log.c.op.in_(("delete", "merge")),
        change_log.c.kind.in_(("person", "material")),
        change_log.c.created_at < cutoff,
    )
    newest = conn.execute(select(func.max(change_log.c.change_id)).where(tombstones)).scalar()
    dropped = 0
    if newest is not None:
        dropped = conn.execute(delete(change_log).where(tombstones)).rowcount
        # A cursor at or after the newest forgotten tombstone has seen it; one before has not.
        floor = max(int(get_meta(conn, META_FEED_FLOOR) or 0), int(newest))
        set_meta(conn, META_FEED_FLOOR, str(floor))
    return {"superseded": removed, "tombstones": dropped}

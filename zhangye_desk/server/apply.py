"""Push: decode a batch's wire form and apply its ops, exactly once, in one transaction.

Decoding restores the hoisted ids (docs/protocol.md, "POST /v1/sync/push"), adds ``"t"`` and
recomputes each op's canonical JSON and sha256 with the laptop's own functions
(``core.outbox.canonical_json`` / ``op_hash``), so the key ``(origin_replica, seq)`` + hash
means the same on both sides. Applying, per batch and in one transaction:

1. the replica's stream is claimed (row-locked on PostgreSQL); ``prev`` beyond what the server
   holds → 409 ``gap``; a key already stored with another hash → 409 ``seq_reuse``; in both
   cases nothing is applied;
2. each op in seq order: a key already stored → ``dup``; a body already applied under another
   origin replica (the same op re-pushed after a restore) → ``ok`` without applying it again;
   otherwise its handler runs inside a savepoint, and whatever it cannot apply is stored in
   quarantine with a reason (``quarantined``: acknowledged, never dropped, never blocking);
3. every new op goes to ``op_log``; the replica's ``acked_through`` becomes the batch's last seq;
   the reply lists the ops whose result is not ``ok`` (``dup``, ``quarantined``).

Op semantics (the table in docs/protocol.md) live in the ``_apply_*`` handlers. Nothing here
knows about HTTP except the protocol errors it raises for the whole batch.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DataError, IntegrityError

from ..core import outbox
from ..core.sessions import EDITABLE_FIELDS as SESSION_EDITABLE_FIELDS
from ..core.vocab import ATTENDANCE_STATUSES, SESSION_KINDS
from . import feed, service, stats
from .auth import Device
from .db import (
    RowLike,
    attendance,
    attendance_event,
    device,
    insert_ignore,
    op_log,
    quarantine,
    replica,
    session,
    session_material,
    township,
    village,
    write_transaction,
)
from .errors import PROTOCOL, ProtocolError, ServiceError

log = logging.getLogger(__name__)

# Keys whose (string) values travel as indexes into the batch's "strings" (also inside "f").
ID_KEYS = frozenset({"id", "s", "p", "m", "township_code", "village_code", "organisation_id"})
# Ops whose "f" (the changed fields) has its ids hoisted too.
NESTED_F = frozenset({outbox.OP_SESSION_UPDATE, outbox.OP_PERSON_UPDATE})
REMOVED = "removed"
MAX_TEXT = 2000
MAX_DETAIL = 300
# Keys looked up per query: a bounded IN list is fine on every database.
IN_CHUNK = 500


class WireError(ValueError):
    """The batch is not in the wire form (400 bad_request: nothing can be keyed or hashed)."""


class Reject(Exception):
    """An op that cannot be applied: it goes to quarantine with ``reason``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class WireOp:
    seq: int
    origin: str
    type: str
    fields: dict[str, Any]  # the stored body without "t", ids restored
    body: str  # canonical JSON, as in the laptop's outbox
    sha256: str


@dataclass(frozen=True)
class Batch:
    replica_id: str
    device_id: str
    prev: int
    ops: list[WireOp]
    device_time: int | None = None
    clock_offset_s: int | None = None


# --- decoding --------------------------------------------------------------------------------


def _int(value: Any, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise WireError(f"{what} must be an integer ≥ {minimum}")
    return value


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise WireError(f"{what} must be a non-empty string")
    return value


def _restore(fields: Mapping[str, Any], strings: list[str], where: str) -> dict[str, Any]:
    """Put the hoisted strings back: exactly the integer values of ID_KEYS; everything else
    (a null that clears a field) stays as sent."""
    restored: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ID_KEYS and isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < len(strings):
                raise WireError(f"{where}: {key} index {value} is outside strings")
            restored[key] = strings[value]
        else:
            restored[key] = value
    return restored


def decode_batch(payload: Any) -> Batch:
    """The batch a push body carries, with every op's canonical body and hash. Raises
    WireError for anything that is not the documented wire form."""
    if not isinstance(payload, dict):
        raise WireError("the body must be a JSON object")
    if payload.get("protocol") != PROTOCOL:
        raise WireError(f"protocol must be {PROTOCOL}")
    replica_id = _string(payload.get("replica_id"), "replica_id")
    device_id = _string(payload.get("device_id"), "device_id")
    prev = _int(payload.get("prev"), "prev")
    origins = payload.get("origins")
    strings = payload.get("strings")
    ops = payload.get("ops")
    if not isinstance(origins, list) or not all(isinstance(o, str) and o for o in origins):
        raise WireError("origins must be a list of replica ids")
    if not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
        raise WireError("strings must be a list of strings")
    if not isinstance(ops, list):
        raise WireError("ops must be a list")
    decoded: list[WireOp] = []
    last_seq = 0
    for index, item in enumerate(ops):
        where = f"ops[{index}]"
        if not isinstance(item, list) or len(item) != 4:
            raise WireError(f"{where} must be [seq, origin_index, type, fields]")
        seq = _int(item[0], f"{where} seq", minimum=1)
        if seq <= last_seq:
            raise WireError(f"{where}: seqs must increase ({seq} after {last_seq})")
        last_seq = seq
        origin_index = _int(item[1], f"{where} origin_index")
        if origin_index >= len(origins):
            raise WireError(f"{where}: origin_index {origin_index} is outside origins")
        op_type = _string(item[2], f"{where} type")
        raw = item[3]
        if not isinstance(raw, dict) or "t" in raw:
            raise WireError(f"{where}: fields must be an object without 't'")
        fields = _restore(raw, strings, where)
        if op_type in NESTED_F and isinstance(fields.get("f"), dict):
            fields["f"] = _restore(fields["f"], strings, f"{where}.f")
        body = outbox.canonical_json({"t": op_type, **fields})
        decoded.append(
            WireOp(seq, origins[origin_index], op_type, fields, body, outbox.op_hash(body))
        )
    device_time = payload.get("device_time")
    offset = payload.get("clock_offset_s")
    return Batch(
        replica_id=replica_id,
        device_id=device_id,
        prev=prev,
        ops=decoded,
        device_time=device_time if isinstance(device_time, int) else None,
        clock_offset_s=offset if isinstance(offset, int) and not isinstance(offset, bool) else None,
    )


# --- applying: shared pieces -----------------------------------------------------------------


@dataclass
class _Context:
    conn: Connection
    device: Device
    batch: Batch
    now: int
    op: WireOp | None = None
    # Per-batch caches: a batch is mostly marks for a few sessions and people, and every
    # saved query is a round trip on PostgreSQL. Session rows are dropped from the cache by
    # the ops that change them; people are never removed by a push.
    sessions: dict[str, RowMapping] = field(default_factory=dict)
    people: set[str] = field(default_factory=set)
    # sha256 → origin replicas under which that body was applied (see _applied_elsewhere).
    applied: dict[str, set[str]] = field(default_factory=dict)

    @property
    def source(self) -> dict[str, Any]:
        assert self.op is not None
        return {"device_id": self.device.id, "origin_replica": self.op.origin, "seq": self.op.seq}


def _id(fields: Mapping[str, Any], key: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str) or not value:
        raise Reject("invalid", f"{key} is missing")
    return value


def _epoch(fields: Mapping[str, Any], key: str, *, required: bool) -> int | None:
    value = fields.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Reject("invalid", f"{key} must be epoch seconds")
    return value


def _by(fields: Mapping[str, Any]) -> str | None:
    value = fields.get("by")
    return value[:200] if isinstance(value, str) else None


def _session_row(ctx: _Context, session_id: str) -> RowMapping:
    """The session an op refers to, which must belong to the device's township."""
    row = ctx.sessions.get(session_id)
    if row is None:
        row = ctx.conn.execute(select(session).where(session.c.id == session_id)).mappings().first()
        if row is None:
            raise Reject("unknown_session", f"no session {session_id}")
        ctx.sessions[session_id] = row
    if row["township_code"] != ctx.device.township_code:
        raise Reject("township_mismatch", "the session belongs to another township")
    return row


def _require_person(ctx: _Context, person_id: str) -> None:
    if person_id not in ctx.people:
        if service.get_person(ctx.conn, person_id) is None:
            raise Reject("unknown_person", f"no person {person_id}")
        ctx.people.add(person_id)


def _clean_session_field(name: str, value: Any) -> Any:
    """One session field as stored (the laptop's rules in core/sessions.py, checked again)."""
    if name in ("title", "township_code"):
        if not isinstance(value, str) or not value.strip():
            raise Reject("invalid", f"{name} must not be empty")
        return value.strip()[:MAX_TEXT]
    if name in ("topic", "village_code", "place_name", "lecturers", "notes"):
        if value is None:
            return None
        if not isinstance(value, str):
            raise Reject("invalid", f"{name} must be text")
        return value.strip()[:MAX_TEXT] or None
    if name == "kind":
        if value not in SESSION_KINDS:
            raise Reject("invalid", f"unknown session kind {value!r}")
        return value
    if name in ("starts_at", "ends_at"):
        return _epoch({name: value}, name, required=name == "starts_at")
    if name in ("latitude", "longitude"):
        if value is None:
            return None
        limit = 90 if name == "latitude" else 180
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Reject("invalid", f"{name} must be a number")
        if not math.isfinite(value) or not -limit <= value <= limit:
            raise Reject("invalid", f"{name} must be between -{limit} and {limit}")
        return float(value)
    if name == "headcount_unregistered":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Reject("invalid", "headcount_unregistered must be a whole number ≥ 0")
        return value
    raise Reject("invalid", f"{name!r} is not a session field")


def _check_place(ctx: _Context, township_code: str, village_code: str | None) -> None:
    if township_code != ctx.device.township_code:
        raise Reject("township_mismatch", "the session belongs to another township")
    if (
        ctx.conn.execute(select(township.c.code).where(township.c.code == township_code)).first()
        is None
    ):
        raise Reject("invalid", f"unknown township {township_code!r}")
    if village_code is not None:
        found = ctx.conn.execute(
            select(village.c.township_code).where(village.c.code == village_code)
        ).scalar()
        if found != township_code:
            raise Reject("invalid", f"village {village_code!r} is not in township {township_code}")


# --- op handlers -----------------------------------------------------------------------------


def _apply_session_create(ctx: _Context, op: WireOp) -> None:
    f = op.fields
    session_id = _id(f, "id")
    values = {
        "kind": f.get("kind"),
        "title": f.get("title"),
        "township_code": f.get("township_code"),
        "starts_at": f.get("starts_at"),
    }
    for name in SESSION_EDITABLE_FIELDS:
        if name in f:
            values[name] = f[name]
    cleaned = {name: _clean_session_field(name, value) for name, value in values.items()}
    _check_place(ctx, cleaned["township_code"], cleaned.get("village_code"))
    if cleaned.get("ends_at") is not None and cleaned["ends_at"] < cleaned["starts_at"]:
        raise Reject("invalid", "a session cannot end before it starts")
    exists = ctx.conn.execute(select(session.c.id).where(session.c.id == session_id)).first()
    if exists is not None:
        raise Reject("already_exists", f"session {session_id} exists with other content")
    created = _epoch(f, "at", required=False) or ctx.now
    ctx.conn.execute(
        session.insert().values(
            id=session_id,
            **cleaned,
            state="open",
            created_at=created,
            updated_at=ctx.now,
            created_by_device=ctx.device.id,
            origin_replica=op.origin,
            seq=op.seq,
            received_at=ctx.now,
        )
    )


def _apply_session_update(ctx: _Context, op: WireOp) -> None:
    row = _session_row(ctx, _id(op.fields, "id"))
    changes = op.fields.get("f")
    if not isinstance(changes, dict) or not changes:
        raise Reject("invalid", "f must be an object of changed fields")
    cleaned = {}
    for name, value in changes.items():
        if name not in SESSION_EDITABLE_FIELDS:
            raise Reject("invalid", f"{name!r} cannot be changed")
        cleaned[name] = _clean_session_field(name, value)
    changed = {name: value for name, value in cleaned.items() if row[name] != value}
    if not changed:
        return  # already so (nothing to change, even on a closed session)
    if row["state"] != "open":
        raise Reject("session_closed", "the session was closed; corrections are made on the server")
    after = {**row, **changed}
    _check_place(ctx, after["township_code"], after["village_code"])
    if after["ends_at"] is not None and after["ends_at"] < after["starts_at"]:
        raise Reject("invalid", "a session cannot end before it starts")
    ctx.sessions.pop(row["id"], None)
    ctx.conn.execute(
        update(session).where(session.c.id == row["id"]).values(**changed, updated_at=ctx.now)
    )


def _apply_session_close(ctx: _Context, op: WireOp) -> None:
    row = _session_row(ctx, _id(op.fields, "id"))
    if row["state"] == "closed":
        return  # the first close is the final one
    ends_at = _epoch(op.fields, "ends_at", required=False)
    closed_at = _epoch(op.fields, "at", required=False) or ctx.now
    ctx.sessions.pop(row["id"], None)
    ctx.conn.execute(
        update(session)
        .where(session.c.id == row["id"])
        .values(
            state="closed",
            ends_at=ends_at if ends_at is not None else row["ends_at"],
            closed_at=closed_at,
            updated_at=ctx.now,
        )
    )


def _apply_attendance_mark(ctx: _Context, op: WireOp) -> None:
    f = op.fields
    status = f.get("st")
    if status not in ATTENDANCE_STATUSES:
        raise Reject("invalid", f"unknown attendance status {status!r}")
    at = _epoch(f, "at", required=True)
    row = _session_row(ctx, _id(f, "s"))
    person_id = _id(f, "p")
    _require_person(ctx, person_id)
    if row["state"] != "open":
        raise Reject("session_closed", "the session was closed before this mark arrived")
    conn = ctx.conn
    event_id = conn.execute(
        attendance_event.insert().values(
            session_id=row["id"],
            person_id=person_id,
            status=status,
            at=at,
            by=_by(f),
            device_id=ctx.device.id,
            origin_replica=op.origin,
            seq=op.seq,
            received_at=ctx.now,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    key = (attendance.c.session_id == row["id"]) & (attendance.c.person_id == person_id)
    current = conn.execute(select(attendance).where(key)).mappings().first()
    values = {"status": status, "event_id": event_id, "at": at, "device_id": ctx.device.id}
    if current is None:
        conn.execute(
            attendance.insert().values(session_id=row["id"], person_id=person_id, **values)
        )
        return
    other_device = current["device_id"] != ctx.device.id
    if other_device and (current["status"] == REMOVED) != (status == REMOVED):
        # Laptops disagree whether the person was there: attending beats absence (DESIGN §4),
        # and an admin looks at it.
        service.flag(
            conn,
            "attendance_disagreement",
            "attendance",
            f"{row['id']}/{person_id}",
            now=ctx.now,
            source=ctx.source,
            detail={
                "session": row["id"],
                "person": person_id,
                "current": current["status"],
                "incoming": status,
            },
        )
        if status == REMOVED:
            return
    conn.execute(update(attendance).where(key).values(**values))


def _apply_person_create(ctx: _Context, op: WireOp) -> None:
    person_id = _id(op.fields, "id")
    if service.get_person(ctx.conn, person_id) is not None:
        raise Reject("already_exists", f"person {person_id} exists with other content")
    cleaned = service.clean_new_person(ctx.conn, op.fields)
    if cleaned["township_code"] is None:
        raise Reject("invalid", "township_code: a person needs a township")
    service.insert_person(
        ctx.conn,
        person_id,
        cleaned,
        origin="laptop",
        now=ctx.now,
        actor=_by(op.fields),
        created_by_device=ctx.device.id,
        source=ctx.source,
    )


_MISSING = object()


def _apply_person_update(ctx: _Context, op: WireOp) -> None:
    conn, f = ctx.conn, op.fields
    person_id = _id(f, "id")
    base = f.get("base")
    if isinstance(base, bool) or not isinstance(base, int) or base < 0:
        raise Reject("invalid", "base must be a version number")
    changes = f.get("f")
    if not isinstance(changes, dict) or not changes:
        raise Reject("invalid", "f must be an object of changed fields")
    row = service.get_person(conn, person_id, lock=True)
    if row is None:
        raise Reject("unknown_person", f"no person {person_id}")
    if row["deleted"] or row["merged_into"] is not None:
        # Deletion wins over a later edit; the edit is kept and an admin sees it.
        service.add_history(
            conn,
            person_id,
            outcome="after_delete",
            base_version=base,
            fields=changes,
            actor=_by(f),
            now=ctx.now,
            source=ctx.source,
        )
        service.flag(
            conn,
            "edit_after_delete",
            "person",
            person_id,
            now=ctx.now,
            source=ctx.source,
            detail={"fields": changes, "merged_into": row["merged_into"]},
        )
        return
    # A laptop's own new person is version 0 there and version 1 here.
    base_version = max(base, 1)
    if base_version > row["version"]:
        raise Reject("invalid", f"base version {base} is newer than the server's {row['version']}")
    cleaned = {}
    for name, value in changes.items():
        if name not in service.PERSON_FIELDS:
            raise Reject("invalid", f"{name!r} cannot be edited")
        cleaned[name] = service.clean_person_field(conn, name, value)
    if base_version == row["version"]:
        base_values: RowLike = row
    else:
        base_values = service.history_snapshot(conn, person_id, base_version) or {}

    applied: dict[str, Any] = {}
    hard: dict[str, Any] = {}
    for name, value in cleaned.items():
        current = row[name]
        if current == value:
            continue  # already so: nothing to do (a soft conflict if someone else did it)
        if base_values.get(name, _MISSING) == current:
            applied[name] = value  # nobody changed it since base
        else:
            hard[name] = {"base": base_values.get(name), "server": current, "laptop": value}
    # Applying part of an edit must not leave a village outside its township.
    for name in ("village_code", "township_code"):
        after = {**row, **applied}
        if service.village_fits(conn, after["village_code"], after["township_code"]):
            break
        if name in applied:
            hard[name] = {
                "base": base_values.get(name),
                "server": row[name],
                "laptop": applied.pop(name),
            }
    concurrent = base_version < row["version"]
    outcome = "conflict" if hard else ("concurrent" if concurrent else "edited")
    detail = {"conflicts": hard} if hard else None
    if applied:
        new_row = service.write_version(
            conn,
            row,
            applied,
            outcome=outcome,
            base_version=base,
            fields=cleaned,
            detail=detail,
            actor=_by(f),
            now=ctx.now,
            source=ctx.source,
        )
        if {"name", "birth_year", "township_code"} & applied.keys():
            service.flag_duplicates(conn, new_row, now=ctx.now, source=ctx.source)
    elif hard:
        service.add_history(
            conn,
            person_id,
            outcome=outcome,
            base_version=base,
            fields=cleaned,
            detail=detail,
            actor=_by(f),
            now=ctx.now,
            source=ctx.source,
        )
    if hard:
        service.flag(
            conn,
            "hard_conflict",
            "person",
            person_id,
            now=ctx.now,
            source=ctx.source,
            detail={"base": base, "server_version": row["version"], "fields": hard},
        )


def _apply_material_shown(ctx: _Context, op: WireOp) -> None:
    f = op.fields
    row_id = _id(f, "id")
    material_id = _id(f, "m")
    shown_at = _epoch(f, "at", required=True)
    row = _session_row(ctx, _id(f, "s"))
    exists = ctx.conn.execute(
        select(session_material.c.id).where(session_material.c.id == row_id)
    ).first()
    if exists is not None:
        raise Reject("already_exists", f"shown-material row {row_id} exists with other content")
    if row["state"] != "open":
        raise Reject("session_closed", "the session was closed before this arrived")
    # An unknown material id is kept as it is: a file the lecturer added by hand on the laptop.
    ctx.conn.execute(
        session_material.insert().values(
            id=row_id,
            session_id=row["id"],
            material_id=material_id,
            shown_at=shown_at,
            by=_by(f),
            device_id=ctx.device.id,
            origin_replica=op.origin,
            seq=op.seq,
            received_at=ctx.now,
        )
    )


HANDLERS: dict[str, Callable[[_Context, WireOp], None]] = {
    outbox.OP_SESSION_CREATE: _apply_session_create,
    outbox.OP_SESSION_UPDATE: _apply_session_update,
    outbox.OP_SESSION_CLOSE: _apply_session_close,
    outbox.OP_ATTENDANCE: _apply_attendance_mark,
    outbox.OP_PERSON_CREATE: _apply_person_create,
    outbox.OP_PERSON_UPDATE: _apply_person_update,
    outbox.OP_MATERIAL_SHOWN: _apply_material_shown,
}


# --- the batch -------------------------------------------------------------------------------


def _claim_replica(conn: Connection, batch: Batch, dev: Device, now: int) -> RowMapping:
    """The replica's stream row, locked until commit (two pushes of one stream serialise)."""
    insert_ignore(
        conn, replica, {"replica_id": batch.replica_id, "device_id": dev.id, "first_seen_at": now}
    )
    row = (
        conn.execute(
            select(replica).where(replica.c.replica_id == batch.replica_id).with_for_update()
        )
        .mappings()
        .one()
    )
    if row["device_id"] != dev.id:
        owner = conn.execute(
            select(device.c.township_code).where(device.c.id == row["device_id"])
        ).scalar()
        if owner != dev.township_code:
            raise ProtocolError(403, "replica_foreign", "this replica belongs to another township")
        # The same laptop enrolled again (a new device id, the same database file).
        conn.execute(
            update(replica).where(replica.c.replica_id == batch.replica_id).values(device_id=dev.id)
        )
    return row


def _stored_hashes(conn: Connection, ops: list[WireOp]) -> dict[tuple[str, int], str]:
    """The hashes already stored under the batch's keys."""
    stored: dict[tuple[str, int], str] = {}
    by_origin: dict[str, list[int]] = {}
    for op in ops:
        by_origin.setdefault(op.origin, []).append(op.seq)
    for origin, seqs in by_origin.items():
        for start in range(0, len(seqs), IN_CHUNK):
            rows = conn.execute(
                select(op_log.c.seq, op_log.c.sha256).where(
                    op_log.c.origin_replica == origin,
                    op_log.c.seq.in_(seqs[start : start + IN_CHUNK]),
                )
            )
            stored.update({(origin, int(seq)): sha for seq, sha in rows})
    return stored


def _applied_bodies(conn: Connection, ops: list[WireOp]) -> dict[str, set[str]]:
    """For the batch's bodies: the origin replicas under which each was already applied."""
    applied: dict[str, set[str]] = {}
    hashes = sorted({op.sha256 for op in ops})
    for start in range(0, len(hashes), IN_CHUNK):
        rows = conn.execute(
            select(op_log.c.sha256, op_log.c.origin_replica).where(
                op_log.c.sha256.in_(hashes[start : start + IN_CHUNK]), op_log.c.result == "ok"
            )
        )
        for sha256, origin in rows:
            applied.setdefault(sha256, set()).add(origin)
    return applied


def _applied_elsewhere(ctx: _Context, op: WireOp) -> bool:
    """The same body was applied under another origin replica: the same op pushed again after
    a restore. (Under one origin, equal bodies at two seqs are two real ops: a mark, unmark
    and mark again within one second.)"""
    return bool(ctx.applied.get(op.sha256, set()) - {op.origin})


def _apply_one(ctx: _Context, op: WireOp) -> tuple[str, str] | None:
    """Apply one new op; returns (reason, detail) if it went to quarantine."""
    handler = HANDLERS.get(op.type)
    try:
        if handler is None:
            raise Reject("unknown_type", f"unknown op type {op.type!r}")
        if _applied_elsewhere(ctx, op):
            return None
        with ctx.conn.begin_nested():
            handler(ctx, op)
        ctx.applied.setdefault(op.sha256, set()).add(op.origin)
        return None
    except Reject as exc:
        return exc.reason, exc.detail[:MAX_DETAIL]
    except ServiceError as exc:
        detail = f"{exc.field}: {exc}" if exc.field else str(exc)
        return "invalid", detail[:MAX_DETAIL]
    except (IntegrityError, DataError) as exc:
        # A constraint the handlers did not foresee: keep the op, let an admin look.
        log.warning(
            "op %s/%s (%s) refused by the database: %s", op.origin, op.seq, op.type, exc.orig
        )
        return "invalid", f"refused by the database: {exc.orig}"[:MAX_DETAIL]


def apply_push(engine: Engine, dev: Device, batch: Batch, *, now: float) -> dict[str, Any]:
    """Apply a decoded batch for the authenticated device; returns the 200 reply body.

    Raises ProtocolError 403 device_mismatch / replica_foreign, 409 gap / seq_reuse (nothing
    applied).
    """
    if batch.device_id != dev.id:
        raise ProtocolError(403, "device_mismatch", "the batch names another device")
    at = int(now)
    with write_transaction(engine) as conn:
        stream = _claim_replica(conn, batch, dev, at)
        if batch.prev > stream["acked_through"]:
            raise ProtocolError(
                409,
                "gap",
                "the server holds fewer of this replica's ops than the laptop thinks",
                extra={"acked_through": int(stream["acked_through"])},
            )
        stored = _stored_hashes(conn, batch.ops)
        for op in batch.ops:
            known = stored.get((op.origin, op.seq))
            if known is not None and known != op.sha256:
                raise ProtocolError(
                    409,
                    "seq_reuse",
                    "another op was stored under this key; rotate the replica",
                    extra={"seq": op.seq, "origin": op.origin},
                )
        if any(op.type.startswith("person.") for op in batch.ops):
            feed.lock_change_log(conn)  # before person row locks: one lock order everywhere

        ctx = _Context(conn, dev, batch, at, applied=_applied_bodies(conn, batch.ops))
        # Only what is not "ok" is listed: every other op up to acked_through was applied,
        # and 1,000 "ok"s would cost a second of a 64 kbit/s link for nothing.
        results: list[list[Any]] = []
        quarantined: list[list[Any]] = []
        logged: list[dict[str, Any]] = []
        for op in batch.ops:
            if (op.origin, op.seq) in stored:
                results.append([op.seq, "dup"])
                continue
            ctx.op = op
            refused = _apply_one(ctx, op)
            if refused is not None:
                reason, detail = refused
                conn.execute(
                    quarantine.insert().values(
                        origin_replica=op.origin,
                        seq=op.seq,
                        type=op.type,
                        body=op.body,
                        reason=reason,
                        detail=detail,
                        device_id=dev.id,
                        created_at=at,
                    )
                )
                quarantined.append([op.seq, reason, detail])
            result = "ok" if refused is None else "quarantined"
            logged.append(
                {
                    "origin_replica": op.origin,
                    "seq": op.seq,
                    "sha256": op.sha256,
                    "type": op.type,
                    "body": op.body,
                    "device_id": dev.id,
                    "replica_id": batch.replica_id,
                    "received_at": at,
                    "result": result,
                    "clock_offset_s": batch.clock_offset_s,
                }
            )
            if refused is not None:
                results.append([op.seq, result])
        if logged:
            conn.execute(op_log.insert(), logged)
        new_ops = len(logged)

        acked = max([int(stream["acked_through"])] + [op.seq for op in batch.ops])
        conn.execute(
            update(replica)
            .where(replica.c.replica_id == batch.replica_id)
            .values(acked_through=acked, op_count=replica.c.op_count + new_ops, last_push_at=at)
        )
        device_values: dict[str, Any] = {"last_seen_at": at}
        if batch.clock_offset_s is not None:
            device_values["clock_offset_s"] = batch.clock_offset_s
        conn.execute(update(device).where(device.c.id == dev.id).values(**device_values))
        counts = stats.device_counts(conn, dev.id)
    log.info(
        "push from device %s replica %s: %d ops, %d new, %d quarantined, acked through %d",
        dev.id,
        batch.replica_id,
        len(batch.ops),
        new_ops,
        len(quarantined),
        acked,
    )
    return {
        "protocol": PROTOCOL,
        "replica_id": batch.replica_id,
        "acked_through": acked,
        "results": results,
        "quarantined": quarantined,
        "counts": counts,
        "server_time": now,
    }


def replica_state(conn: Connection, replica_id: str, dev: Device) -> dict[str, Any]:
    """``acked_through`` and ``op_count`` of a replica's stream (0 and 0 if never seen), and
    the device's counts as a push reply gives them (for a sync that pushed nothing)."""
    row = conn.execute(select(replica).where(replica.c.replica_id == replica_id)).mappings().first()
    if row is not None and row["device_id"] != dev.id:
        owner = conn.execute(
            select(device.c.township_code).where(device.c.id == row["device_id"])
        ).scalar()
        if owner != dev.township_code:
            raise ProtocolError(403, "replica_foreign", "this replica belongs to another township")
    return {
        "protocol": PROTOCOL,
        "replica_id": replica_id,
        "acked_through": 0 if row is None else int(row["acked_through"]),
        "op_count": 0 if row is None else int(row["op_count"]),
        "counts": stats.device_counts(conn, dev.id),
    }

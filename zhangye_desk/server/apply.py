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
   quarantine with a reason (``quarantined``: acknowledged, never dropped, never blocking).
   A run of consecutive ``attendance.mark`` ops (most of any batch) is applied set-based by
   ``_apply_marks`` with the same rules and outcome, in a handful of statements;
3. every new op goes to ``op_log``; the replica's ``acked_through`` becomes the batch's last seq;
   the reply lists the ops whose result is not ``ok`` (``dup``, ``quarantined``).

Op semantics (the table in docs/protocol.md) live in the ``_apply_*`` handlers. Nothing here
knows about HTTP except the protocol errors it raises for the whole batch.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DataError, IntegrityError

from ..core import outbox
from ..core.sessions import EDITABLE_FIELDS as SESSION_EDITABLE_FIELDS
from ..core.vocab import ATTENDANCE_STATUSES, SESSION_KINDS
from . import feed, service, stats
from .auth import Device
from .db import (
    RowLike,
    any_of,
    attendance,
    attendance_event,
    device,
    insert_ignore,
    insert_rows,
    op_log,
    person,
    quarantine,
    replica,
    reserve_ids,
    review_queue,
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
# The largest value a BigInteger column holds (epoch seconds, seqs).
MAX_BIGINT = 2**63 - 1


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
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_BIGINT:
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
    # Ids known to be absent (a run of marks looks them up all at once); an op that creates
    # one takes it out again.
    no_sessions: set[str] = field(default_factory=set)
    no_people: set[str] = field(default_factory=set)
    # Sessions whose row this transaction holds locked (marks: see _load_for_marks).
    locked: set[str] = field(default_factory=set)
    # sha256 → origin replicas under which that body was applied (see _applied_elsewhere).
    applied: dict[str, set[str]] = field(default_factory=dict)
    # seq → (person id, field names) of the person edits that met a hard conflict: the reply
    # tells the laptop, which shows them on the person (issue 5).
    conflicts: dict[int, tuple[str, list[str]]] = field(default_factory=dict)

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
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BIGINT:
        raise Reject("invalid", f"{key} must be epoch seconds")
    return value


def _by(fields: Mapping[str, Any]) -> str | None:
    value = fields.get("by")
    return value[:200] if isinstance(value, str) else None


def _session_row(ctx: _Context, session_id: str) -> RowMapping:
    """The session an op refers to, which must belong to the device's township."""
    row = ctx.sessions.get(session_id)
    if row is None:
        if session_id not in ctx.no_sessions:
            row = (
                ctx.conn.execute(select(session).where(session.c.id == session_id))
                .mappings()
                .first()
            )
        if row is None:
            raise Reject("unknown_session", f"no session {session_id}")
        ctx.sessions[session_id] = row
    if row["township_code"] != ctx.device.township_code:
        raise Reject("township_mismatch", "the session belongs to another township")
    return row


def _require_person(ctx: _Context, person_id: str) -> None:
    if person_id not in ctx.people:
        if person_id in ctx.no_people or service.get_person(ctx.conn, person_id) is None:
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
    ctx.no_sessions.discard(session_id)
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


@dataclass(frozen=True)
class _Mark:
    """An ``attendance.mark`` op that passed its checks."""

    op: WireOp
    session_id: str
    person_id: str
    status: str
    at: int
    by: str | None


def _check_mark(ctx: _Context, op: WireOp) -> _Mark:
    """The checks of an ``attendance.mark``, in this order: status, time, session (known, the
    device's township), person (known), session still open. Raises Reject."""
    f = op.fields
    status = f.get("st")
    if status not in ATTENDANCE_STATUSES:
        raise Reject("invalid", f"unknown attendance status {status!r}")
    at = _epoch(f, "at", required=True)
    assert at is not None
    row = _session_row(ctx, _id(f, "s"))
    person_id = _id(f, "p")
    _require_person(ctx, person_id)
    if row["state"] != "open":
        raise Reject("session_closed", "the session was closed before this mark arrived")
    return _Mark(op, row["id"], person_id, status, at, _by(f))


def _event_row(ctx: _Context, mark: _Mark) -> dict[str, Any]:
    return {
        "session_id": mark.session_id,
        "person_id": mark.person_id,
        "status": mark.status,
        "at": mark.at,
        "by": mark.by,
        "device_id": ctx.device.id,
        "origin_replica": mark.op.origin,
        "seq": mark.op.seq,
        "received_at": ctx.now,
    }


def _disagreement(ctx: _Context, mark: _Mark, current_status: str) -> dict[str, Any] | None:
    """The review-queue row when laptops disagree whether the person was there (a removal
    against an attended status, or the reverse), else None."""
    if (current_status == REMOVED) == (mark.status == REMOVED):
        return None
    return service.flag_row(
        "attendance_disagreement",
        "attendance",
        f"{mark.session_id}/{mark.person_id}",
        now=ctx.now,
        source={"device_id": ctx.device.id, "origin_replica": mark.op.origin, "seq": mark.op.seq},
        detail={
            "session": mark.session_id,
            "person": mark.person_id,
            "current": current_status,
            "incoming": mark.status,
        },
    )


def _apply_attendance_mark(ctx: _Context, op: WireOp) -> None:
    """One mark on its own (a run of marks goes through ``_apply_marks``; this is its exact
    fallback, op by op)."""
    mark = _check_mark(ctx, op)
    conn = ctx.conn
    event_id = conn.execute(
        attendance_event.insert().values(**_event_row(ctx, mark))
    ).inserted_primary_key[0]  # type: ignore[index]
    key = (attendance.c.session_id == mark.session_id) & (attendance.c.person_id == mark.person_id)
    current = conn.execute(select(attendance).where(key)).mappings().first()
    values = {
        "status": mark.status,
        "event_id": event_id,
        "at": mark.at,
        "device_id": ctx.device.id,
    }
    if current is None:
        conn.execute(
            attendance.insert().values(
                session_id=mark.session_id, person_id=mark.person_id, **values
            )
        )
        stats.refresh_tallies(conn, [mark.session_id])
        return
    if current["device_id"] != ctx.device.id:
        # Laptops disagree whether the person was there: attending beats absence (DESIGN §4),
        # and an admin looks at it.
        flagged = _disagreement(ctx, mark, current["status"])
        if flagged is not None:
            conn.execute(review_queue.insert().values(**flagged))
            if mark.status == REMOVED:
                return
    conn.execute(update(attendance).where(key).values(**values))
    stats.refresh_tallies(conn, [mark.session_id])


def _apply_person_create(ctx: _Context, op: WireOp) -> None:
    person_id = _id(op.fields, "id")
    ctx.no_people.discard(person_id)
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
        ctx.conflicts[op.seq] = (person_id, sorted(hard))


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
        wanted = set(seqs)
        queries: list[ColumnElement[bool]]
        if seqs[-1] - seqs[0] < 2 * len(seqs):
            # An outbox's seqs are (nearly) contiguous: one range scan of the key's index.
            queries = [op_log.c.seq.between(seqs[0], seqs[-1])]
        else:
            queries = any_of(conn, op_log.c.seq, seqs)
        for where in queries:
            rows = conn.execute(
                select(op_log.c.seq, op_log.c.sha256).where(
                    op_log.c.origin_replica == origin, where
                )
            )
            stored.update({(origin, int(seq)): sha for seq, sha in rows if int(seq) in wanted})
    return stored


def _applied_bodies(conn: Connection, ops: list[WireOp]) -> dict[str, set[str]]:
    """For the batch's bodies: the origin replicas under which each was already applied."""
    applied: dict[str, set[str]] = {}
    for where in any_of(conn, op_log.c.sha256, sorted({op.sha256 for op in ops})):
        rows = conn.execute(
            select(op_log.c.sha256, op_log.c.origin_replica).where(where, op_log.c.result == "ok")
        )
        for sha256, origin in rows:
            applied.setdefault(sha256, set()).add(origin)
    return applied


def _applied_elsewhere(ctx: _Context, op: WireOp) -> bool:
    """The same body was applied under another origin replica: the same op pushed again after
    a restore. (Under one origin, equal bodies at two seqs are two real ops: a mark, unmark
    and mark again within one second.)"""
    origins = ctx.applied.get(op.sha256)
    return origins is not None and bool(origins - {op.origin})


def _apply_one(ctx: _Context, op: WireOp) -> tuple[str, str] | None:
    """Apply one new op; returns (reason, detail) if it went to quarantine."""
    handler = HANDLERS.get(op.type)
    ctx.op = op
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


# --- a run of marks, set-based ---------------------------------------------------------------
#
# A batch is mostly attendance marks (a 32 KiB batch holds ~3,300). Applied one by one, each
# costs a savepoint and four statements (a round trip each on PostgreSQL). A run of
# consecutive marks is applied with the same rules and the same outcome in a handful of
# statements: the sessions and people it names are read at once, every mark is checked in
# Python in order, the events are inserted at once (their ids, in op order, are the arrival
# order), the effective status of each (session, person) is worked out in order
# from the stored one, and the changed rows are written at once. If the database refuses
# something the checks did not foresee, the run's savepoint is rolled back and its marks go
# through the op-by-op path, which quarantines exactly the op the database refuses.


def _load_for_marks(ctx: _Context, ops: Sequence[WireOp]) -> list[str]:
    """Read the sessions and people a run of marks names, all at once, into the caches.

    Session rows are read ``FOR UPDATE`` (PostgreSQL; SQLite has one writer anyway): pushes
    marking at the same session then apply one after the other, so each sees the other's
    effective status and an event's id order is its commit order. Returns the sessions newly
    locked (recorded in ``ctx.locked`` once the run is committed to its savepoint).
    """
    conn = ctx.conn
    session_ids: set[str] = set()
    person_ids: set[str] = set()
    for op in ops:
        s, p = op.fields.get("s"), op.fields.get("p")
        if isinstance(s, str) and s:
            session_ids.add(s)
        if isinstance(p, str) and p:
            person_ids.add(p)
    to_lock = sorted(session_ids - ctx.locked)
    for where in any_of(conn, session.c.id, to_lock):
        query = select(session).where(where).order_by(session.c.id).with_for_update()
        for row in conn.execute(query).mappings():
            ctx.sessions[row["id"]] = row
    ctx.no_sessions.update(sid for sid in to_lock if sid not in ctx.sessions)
    unknown = sorted(person_ids - ctx.people - ctx.no_people)
    for where in any_of(conn, person.c.id, unknown):
        ctx.people.update(conn.execute(select(person.c.id).where(where)).scalars())
    ctx.no_people.update(pid for pid in unknown if pid not in ctx.people)
    return [sid for sid in to_lock if sid in ctx.sessions]


def _stored_attendance(
    conn: Connection, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(session, person) → (status, device_id) of the stored effective status, for ``pairs``."""
    sessions = sorted({s for s, _ in pairs})
    people = sorted({p for _, p in pairs})
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for of_sessions in any_of(conn, attendance.c.session_id, sessions):
        for of_people in any_of(conn, attendance.c.person_id, people):
            rows = conn.execute(
                select(
                    attendance.c.session_id,
                    attendance.c.person_id,
                    attendance.c.status,
                    attendance.c.device_id,
                ).where(of_sessions, of_people)
            )
            for session_id, person_id, status, device_id in rows:
                if (session_id, person_id) in pairs:
                    found[(session_id, person_id)] = (status, device_id)
    return found


_UPDATE_ATTENDANCE = (
    update(attendance)
    .where(
        attendance.c.session_id == bindparam("key_session"),
        attendance.c.person_id == bindparam("key_person"),
    )
    .values(
        status=bindparam("status"),
        event_id=bindparam("event_id"),
        at=bindparam("at"),
        device_id=bindparam("device_id"),
    )
)


def _write_marks(ctx: _Context, marks: list[_Mark]) -> None:
    """Insert the events of checked marks and bring the effective statuses up to date."""
    conn = ctx.conn
    event_ids = reserve_ids(conn, attendance_event, len(marks))
    insert_rows(
        conn,
        attendance_event,
        [
            {"id": event_id, **_event_row(ctx, mark)}
            for mark, event_id in zip(marks, event_ids, strict=True)
        ],
    )
    stored = _stored_attendance(conn, {(m.session_id, m.person_id) for m in marks})
    current = dict(stored)
    changed: dict[tuple[str, str], dict[str, Any]] = {}
    flags: list[dict[str, Any]] = []
    for mark, event_id in zip(marks, event_ids, strict=True):
        key = (mark.session_id, mark.person_id)
        now = current.get(key)
        if now is not None and now[1] != ctx.device.id:
            flagged = _disagreement(ctx, mark, now[0])
            if flagged is not None:
                flags.append(flagged)
                if mark.status == REMOVED:
                    continue  # attending beats absence
        current[key] = (mark.status, ctx.device.id)
        changed[key] = {
            "status": mark.status,
            "event_id": event_id,
            "at": mark.at,
            "device_id": ctx.device.id,
        }
    new_rows = [
        {"session_id": key[0], "person_id": key[1], **values}
        for key, values in changed.items()
        if key not in stored
    ]
    updates = [
        {"key_session": key[0], "key_person": key[1], **values}
        for key, values in changed.items()
        if key in stored
    ]
    insert_rows(conn, attendance, new_rows)
    if updates:
        conn.execute(_UPDATE_ATTENDANCE, updates)
    stats.refresh_tallies(conn, {session_id for session_id, _ in changed})
    insert_rows(conn, review_queue, flags)


def _apply_marks(ctx: _Context, ops: Sequence[WireOp]) -> dict[int, tuple[str, str]]:
    """Apply a run of consecutive ``attendance.mark`` ops; returns seq → (reason, detail) of
    those that went to quarantine. Same outcome as ``_apply_one`` on each in turn."""
    refused: dict[int, tuple[str, str]] = {}
    added: list[tuple[str, str]] = []  # (sha256, origin) newly recorded in ctx.applied
    try:
        with ctx.conn.begin_nested():
            locked = _load_for_marks(ctx, ops)
            marks: list[_Mark] = []
            for op in ops:
                ctx.op = op
                if _applied_elsewhere(ctx, op):
                    continue
                try:
                    marks.append(_check_mark(ctx, op))
                except Reject as exc:
                    refused[op.seq] = (exc.reason, exc.detail[:MAX_DETAIL])
                    continue
                origins = ctx.applied.setdefault(op.sha256, set())
                if op.origin not in origins:
                    origins.add(op.origin)
                    added.append((op.sha256, op.origin))
            if marks:
                _write_marks(ctx, marks)
    except (IntegrityError, DataError) as exc:
        log.warning(
            "a run of %d marks was refused by the database (%s): applying them one by one",
            len(ops),
            exc.orig,
        )
        for sha256, origin in added:
            ctx.applied[sha256].discard(origin)
        refused = {}
        for op in ops:
            outcome = _apply_one(ctx, op)
            if outcome is not None:
                refused[op.seq] = outcome
        return refused
    ctx.locked.update(locked)
    return refused


def _apply_ops(ctx: _Context, ops: list[WireOp]) -> dict[int, tuple[str, str]]:
    """Apply the batch's new ops in order; returns seq → (reason, detail) of the quarantined."""
    refused: dict[int, tuple[str, str]] = {}
    index = 0
    while index < len(ops):
        if ops[index].type == outbox.OP_ATTENDANCE:
            end = index
            while end < len(ops) and ops[end].type == outbox.OP_ATTENDANCE:
                end += 1
            refused.update(_apply_marks(ctx, ops[index:end]))
            index = end
            continue
        op = ops[index]
        outcome = _apply_one(ctx, op)
        if outcome is not None:
            refused[op.seq] = outcome
        index += 1
    return refused


def apply_push(engine: Engine, dev: Device, batch: Batch, *, now: float) -> dict[str, Any]:
    """Apply a decoded batch for the authenticated device; returns the 200 reply body.

    Raises ProtocolError 403 device_mismatch / replica_foreign, 409 gap / seq_reuse (nothing
    applied).
    """
    if batch.device_id != dev.id:
        raise ProtocolError(403, "device_mismatch", "the batch names another device")
    at = int(now)
    with write_transaction(engine) as conn:
        started = time.perf_counter()
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
        fresh = [op for op in batch.ops if (op.origin, op.seq) not in stored]
        if any(op.type.startswith("person.") for op in fresh):
            feed.lock_change_log(conn)  # before person row locks: one lock order everywhere

        ctx = _Context(conn, dev, batch, at, applied=_applied_bodies(conn, fresh))
        refused = _apply_ops(ctx, fresh)
        if refused:
            insert_rows(
                conn,
                quarantine,
                [
                    {
                        "origin_replica": op.origin,
                        "seq": op.seq,
                        "type": op.type,
                        "body": op.body,
                        "reason": refused[op.seq][0],
                        "detail": refused[op.seq][1],
                        "device_id": dev.id,
                        "created_at": at,
                    }
                    for op in fresh
                    if op.seq in refused
                ],
            )
        if fresh:
            insert_rows(
                conn,
                op_log,
                [
                    {
                        "origin_replica": op.origin,
                        "seq": op.seq,
                        "sha256": op.sha256,
                        "type": op.type,
                        "body": op.body,
                        "device_id": dev.id,
                        "replica_id": batch.replica_id,
                        "received_at": at,
                        "result": "quarantined" if op.seq in refused else "ok",
                        "clock_offset_s": batch.clock_offset_s,
                    }
                    for op in fresh
                ],
            )

        acked = max([int(stream["acked_through"])] + [op.seq for op in batch.ops])
        conn.execute(
            update(replica)
            .where(replica.c.replica_id == batch.replica_id)
            .values(acked_through=acked, op_count=replica.c.op_count + len(fresh), last_push_at=at)
        )
        device_values: dict[str, Any] = {"last_seen_at": at}
        if batch.clock_offset_s is not None:
            device_values["clock_offset_s"] = batch.clock_offset_s
        conn.execute(update(device).where(device.c.id == dev.id).values(**device_values))
        counts = stats.device_counts(conn, dev.id)
    elapsed_ms = (time.perf_counter() - started) * 1000  # the transaction, commit included
    # Only what is not "ok" is listed: every other op up to acked_through was applied, and
    # 1,000 "ok"s would cost a second of a 64 kbit/s link for nothing.
    results: list[list[Any]] = []
    quarantined: list[list[Any]] = []
    for op in batch.ops:
        if (op.origin, op.seq) in stored:
            results.append([op.seq, "dup"])
        elif op.seq in refused:
            results.append([op.seq, "quarantined"])
            quarantined.append([op.seq, *refused[op.seq]])
    log.info(
        "push from device %s replica %s: %d ops, %d new, %d quarantined, acked through %d, "
        "applied in %.0f ms",
        dev.id,
        batch.replica_id,
        len(batch.ops),
        len(fresh),
        len(quarantined),
        acked,
        elapsed_ms,
    )
    return {
        "protocol": PROTOCOL,
        "replica_id": batch.replica_id,
        "acked_through": acked,
        "results": results,
        "quarantined": quarantined,
        "conflicts": [
            [seq, person_id, fields] for seq, (person_id, fields) in sorted(ctx.conflicts.items())
        ],
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

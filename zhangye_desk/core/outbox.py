"""The transactional outbox: every local change appends one op in the same transaction.

An op is compact canonical JSON (sorted keys, no spaces, epoch-second integers, no per-op
UUID); its key on the wire is ``(origin_replica, seq)`` plus the sha256 of that JSON (DESIGN
§4), where ``origin_replica`` is the file's replica id when the op was made. A restore gives the
file a new replica id for the ops it makes from then on, while the ops it already held keep
their key, so the server recognises them if they had been pushed before the restore.
``append`` refuses to run outside a transaction, so a domain row can never be written without
its op, nor an op without its row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .ids import now

# Op types the client writes. The sync engine and the server share these names.
OP_SESSION_CREATE = "session.create"
OP_SESSION_UPDATE = "session.update"
OP_SESSION_CLOSE = "session.close"
OP_ATTENDANCE = "attendance.mark"
OP_PERSON_CREATE = "person.create"
OP_PERSON_UPDATE = "person.update"
OP_MATERIAL_SHOWN = "material.shown"
OP_TYPES = (
    OP_SESSION_CREATE,
    OP_SESSION_UPDATE,
    OP_SESSION_CLOSE,
    OP_ATTENDANCE,
    OP_PERSON_CREATE,
    OP_PERSON_UPDATE,
    OP_MATERIAL_SHOWN,
)


class OutboxError(RuntimeError):
    """A programming error: an op written outside a transaction or of an unknown type."""


@dataclass(frozen=True)
class Op:
    seq: int
    origin_replica: str
    type: str
    body: str
    sha256: str
    created_at: int
    acked_at: int | None

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def op_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(db: Database, op_type: str, data: Mapping[str, Any], *, at: int | None = None) -> int:
    """Append an op inside the caller's transaction; returns its seq."""
    if op_type not in OP_TYPES:
        raise OutboxError(f"unknown op type {op_type!r}")
    if not db.conn.in_transaction:
        raise OutboxError("outbox.append must run inside the change's transaction")
    body = canonical_json({"t": op_type, **{k: v for k, v in data.items() if v is not None}})
    cursor = db.execute(
        "INSERT INTO outbox (origin_replica, type, body, sha256, created_at) "
        "VALUES ((SELECT replica_id FROM sync_state WHERE id = 1), ?, ?, ?, ?)",
        [op_type, body, op_hash(body), now() if at is None else at],
    )
    return int(cursor.lastrowid or 0)


def _row_to_op(row: tuple[Any, ...]) -> Op:
    return Op(*row)


_COLUMNS = "seq, origin_replica, type, body, sha256, created_at, acked_at"


def pending(db: Database, *, after: int = 0, limit: int | None = None) -> list[Op]:
    """Unacknowledged ops in seq order."""
    sql = f"SELECT {_COLUMNS} FROM outbox WHERE acked_at IS NULL AND seq > ? ORDER BY seq"
    params: list[Any] = [after]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_row_to_op(r) for r in db.execute(sql, params).fetchall()]


def pending_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM outbox WHERE acked_at IS NULL").fetchone()[0])


def get(db: Database, seq: int) -> Op | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE seq = ?", [seq]).fetchone()
    return _row_to_op(row) if row else None


def mark_acked(db: Database, through_seq: int, *, at: int | None = None) -> int:
    """Mark every op up to ``through_seq`` acknowledged (inside the caller's transaction)."""
    if not db.conn.in_transaction:
        raise OutboxError("outbox.mark_acked must run inside a transaction")
    cursor = db.execute(
        "UPDATE outbox SET acked_at = ? WHERE acked_at IS NULL AND seq <= ?",
        [now() if at is None else at, through_seq],
    )
    db.execute(
        "UPDATE sync_state SET acked_through = max(acked_through, ?) WHERE id = 1", [through_seq]
    )
    return cursor.rowcount


def prune_acked(db: Database, *, older_than_s: int = 30 * 24 * 3600, at: int | None = None) -> int:
    """Forget acknowledged ops after 30 days (kept that long for re-push after a server restore)."""
    cutoff = (now() if at is None else at) - older_than_s
    return db.execute(
        "DELETE FROM outbox WHERE acked_at IS NOT NULL AND acked_at < ?", [cutoff]
    ).rowcount


def restamp(db: Database, *, from_seq: int, old_replica: str, new_replica: str) -> int:
    """Give pending ops from ``from_seq`` on made under ``old_replica`` the new replica's key.

    Used after the server answered ``seq_reuse``: those ops were made after a restore that did
    not rotate the replica id (a file copied back by hand), so their old key names other ops.
    """
    if not db.conn.in_transaction:
        raise OutboxError("outbox.restamp must run inside a transaction")
    return db.execute(
        "UPDATE outbox SET origin_replica = ? "
        "WHERE acked_at IS NULL AND seq >= ? AND origin_replica = ?",
        [new_replica, from_seq, old_replica],
    ).rowcount


def unack_after(db: Database, seq: int) -> int:
    """Mark ops after ``seq`` pending again (the server lost them: it was restored)."""
    if not db.conn.in_transaction:
        raise OutboxError("outbox.unack_after must run inside a transaction")
    db.execute("UPDATE sync_state SET acked_through = min(acked_through, ?) WHERE id = 1", [seq])
    return db.execute(
        "UPDATE outbox SET acked_at = NULL WHERE acked_at IS NOT NULL AND seq > ?", [seq]
    ).rowcount

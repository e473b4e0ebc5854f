"""What the server said it could not take as sent: quarantined ops and person conflicts.

A push reply lists the ops the server put in quarantine (``[seq, reason, detail]``) and the
person edits that met another edit of the same fields (``[seq, person_id, [field, …]]``,
docs/protocol.md). Both are acknowledged — nothing is lost, an administrator resolves them on
the server — but the person who recorded them should see them: the sync page lists them with
the reason and what to do, the roster page marks the people concerned. ``record`` stores them
(the sync engine calls it inside the transaction that acknowledges the batch), ``open_issues``
reads them back with a readable label, ``dismiss`` hides one the user has dealt with.

Nothing here opens connections, imports PySide6 or talks to the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

from . import outbox
from .ids import now
from .store import transaction

QUARANTINED = "quarantined"
CONFLICT = "conflict"


def _entity(op_type: str, data: Mapping[str, Any]) -> str | None:
    """The record an op is about: the session for marks and materials shown, else its id."""
    if op_type in (outbox.OP_ATTENDANCE, outbox.OP_MATERIAL_SHOWN):
        value = data.get("s")
    else:
        value = data.get("id")
    return str(value) if value is not None else None


def record(
    db: Database,
    *,
    quarantined: Iterable[Mapping[str, Any]] = (),
    conflicts: Iterable[Mapping[str, Any]] = (),
    at: int | None = None,
) -> int:
    """Store what a push reply reported; returns how many issues were added.

    ``quarantined``: dicts with ``seq``, ``reason``, ``detail``; ``conflicts``: dicts with
    ``seq``, ``person_id``, ``fields`` (a list of field names). The op each seq names is looked
    up in the outbox (acknowledged ops are kept 30 days) to find the session or person.
    """
    at = now() if at is None else at
    rows: list[list[Any]] = []
    for item in quarantined:
        seq = int(item["seq"])
        op = outbox.get(db, seq)
        op_type = op.type if op is not None else None
        entity = _entity(op.type, op.data) if op is not None else None
        rows.append(
            [QUARANTINED, seq, op_type, entity, str(item["reason"]), str(item.get("detail", ""))]
        )
    for item in conflicts:
        fields = [str(name) for name in item.get("fields") or []]
        rows.append(
            [
                CONFLICT,
                int(item["seq"]),
                outbox.OP_PERSON_UPDATE,
                str(item["person_id"]),
                "conflict",
                json.dumps(fields, ensure_ascii=False),
            ]
        )
    if not rows:
        return 0
    with transaction(db):
        for row in rows:
            db.execute(
                "INSERT INTO sync_issue (kind, seq, op_type, entity_id, reason, detail, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*row, at],
            )
    return len(rows)


def open_issues(db: Database) -> list[dict[str, Any]]:
    """Issues not dismissed, newest first, each with ``label`` (the session's title or the
    person's name, or None when this laptop does not know the record) and, for conflicts,
    ``fields`` (the field names)."""
    cursor = db.execute(
        """
        SELECT i.id, i.kind, i.seq, i.op_type, i.entity_id, i.reason, i.detail, i.created_at,
               coalesce(s.title, p.name) AS label
          FROM sync_issue i
          LEFT JOIN session s ON s.id = i.entity_id
          LEFT JOIN person p ON p.id = i.entity_id
         WHERE i.resolved_at IS NULL
         ORDER BY i.created_at DESC, i.id DESC
        """
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["fields"] = json.loads(row["detail"]) if row["kind"] == CONFLICT else []
    return rows


def conflicted_people(db: Database) -> dict[str, list[str]]:
    """Person id → the fields of their open conflicts (for the roster page's marker)."""
    result: dict[str, list[str]] = {}
    for person_id, detail in db.execute(
        "SELECT entity_id, detail FROM sync_issue "
        "WHERE kind = 'conflict' AND resolved_at IS NULL AND entity_id IS NOT NULL ORDER BY id"
    ):
        fields = result.setdefault(str(person_id), [])
        fields.extend(name for name in json.loads(detail) if name not in fields)
    return result


def dismiss(db: Database, issue_id: int, *, at: int | None = None) -> None:
    """Hide an issue the user has dealt with (it stays in the table, with the time)."""
    with transaction(db):
        db.execute(
            "UPDATE sync_issue SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
            [now() if at is None else at, issue_id],
        )

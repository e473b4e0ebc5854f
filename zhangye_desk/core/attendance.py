"""Attendance at a session: append-only events, the derived effective status, undo, counters.

Every mark is a new ``attendance_event`` row plus one ``attendance.mark`` op, in one
transaction. Events are never updated or deleted (schema triggers forbid it); the
``attendance`` table holds each person's effective status and is maintained by a trigger from
the latest event, so nothing here writes it. Marks are accepted only while the session is open.

Op body (compact, epoch seconds; ``by`` left out when unknown)::

    {"t": "attendance.mark", "s": session_id, "p": person_id,
     "st": "present" | "late" | "left_early" | "removed", "at": 1767225600, "by": "…"}

No event id travels (DESIGN §4: no per-op UUID; a mark is the largest share of every batch).
An event's identity on the server is its content: the same mark pushed twice (after a restore,
under a new replica id) is the same (session, person, status, second, by) and is applied once;
and the effective status is idempotent under duplicates anyway. The local event id stays local.

Undo rule (``undo_last``): replaying a session's events in order, each event either *cancels*
the latest still-standing change (when it is for the same person and puts them back to the
status they had before that change; no status counts as "removed") or becomes a new standing
change. ``undo_last`` reverts the latest standing change by appending an event that restores
the earlier status, so repeated calls walk back through the standing changes one at a time.
Ticking a name and then unticking it is the same as undoing the tick. There is no redo.

Nothing here opens connections, imports PySide6, or writes the ``attendance`` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from . import outbox
from .errors import InvalidValueError, NotFoundError
from .ids import new_id, now
from .sessions import require_open_session
from .store import transaction
from .vocab import ATTENDANCE_STATUSES, ATTENDED_STATUSES, PARTY_MEMBER_STATUSES, sql_in

REMOVED = "removed"


def _append_event(
    db: Database, session_id: str, person_id: str, status: str, by: str | None, at: int
) -> str:
    """Insert one event and its op; the caller holds the transaction and has checked rules."""
    event_id = new_id()
    db.execute(
        "INSERT INTO attendance_event (id, session_id, person_id, status, at, by) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [event_id, session_id, person_id, status, at, by],
    )
    outbox.append(
        db,
        outbox.OP_ATTENDANCE,
        {"s": session_id, "p": person_id, "st": status, "at": at, "by": by},
        at=at,
    )
    return event_id


def _require_person(db: Database, person_id: str) -> None:
    row = db.execute("SELECT deleted, merged_into FROM person WHERE id = ?", [person_id]).fetchone()
    if row is None or row[0]:
        raise NotFoundError(f"no person {person_id!r} on the roster")
    if row[1] is not None:
        raise NotFoundError(f"person {person_id!r} was merged into {row[1]!r}")


def effective_status(db: Database, session_id: str, person_id: str) -> str | None:
    """The person's current status at the session ("removed" after an unmark), None if never
    marked."""
    row = db.execute(
        "SELECT status FROM attendance WHERE session_id = ? AND person_id = ?",
        [session_id, person_id],
    ).fetchone()
    return None if row is None else str(row[0])


def mark(
    db: Database,
    session_id: str,
    person_id: str,
    status: str = "present",
    *,
    by: str | None = None,
    at: int | None = None,
) -> str | None:
    """Record the person's status at an open session; returns the new event id.

    Marking the status the person already has (or removing someone never marked) changes
    nothing and returns None. Raises InvalidValueError (status), NotFoundError (session, or a
    person who is unknown, deleted or merged away) and SessionClosedError.
    """
    if status not in ATTENDANCE_STATUSES:
        raise InvalidValueError(f"unknown attendance status {status!r}", field="status")
    at = now() if at is None else at
    with transaction(db):
        require_open_session(db, session_id)
        _require_person(db, person_id)
        if (effective_status(db, session_id, person_id) or REMOVED) == status:
            return None
        return _append_event(db, session_id, person_id, status, by, at)


def mark_present(
    db: Database, session_id: str, person_id: str, *, by: str | None = None, at: int | None = None
) -> str | None:
    return mark(db, session_id, person_id, "present", by=by, at=at)


def mark_late(
    db: Database, session_id: str, person_id: str, *, by: str | None = None, at: int | None = None
) -> str | None:
    return mark(db, session_id, person_id, "late", by=by, at=at)


def mark_left_early(
    db: Database, session_id: str, person_id: str, *, by: str | None = None, at: int | None = None
) -> str | None:
    return mark(db, session_id, person_id, "left_early", by=by, at=at)


def unmark(
    db: Database, session_id: str, person_id: str, *, by: str | None = None, at: int | None = None
) -> str | None:
    """Take the person off this session's attendance (an appended "removed" event)."""
    return mark(db, session_id, person_id, REMOVED, by=by, at=at)


@dataclass(frozen=True)
class _Change:
    event_id: str
    person_id: str
    status: str
    previous: str | None


def _standing_changes(db: Database, session_id: str) -> list[_Change]:
    """Replay the session's events into the stack of changes not yet undone (see module doc)."""
    rows = db.execute(
        "SELECT id, person_id, status FROM attendance_event WHERE session_id = ? ORDER BY rowid",
        [session_id],
    ).fetchall()
    current: dict[str, str] = {}
    stack: list[_Change] = []
    for event_id, person_id, status in rows:
        previous = current.get(person_id)
        current[person_id] = status
        if (previous or REMOVED) == status:
            continue  # changed nothing, so there is nothing to undo
        top = stack[-1] if stack else None
        if top is not None and top.person_id == person_id and (top.previous or REMOVED) == status:
            stack.pop()
        else:
            stack.append(_Change(event_id, person_id, status, previous))
    return stack


def undo_last(
    db: Database, session_id: str, *, by: str | None = None, at: int | None = None
) -> dict[str, Any] | None:
    """Undo the latest change not yet undone at an open session (rule in the module doc).

    Appends an event (and its op) restoring the person's earlier status, or "removed" if they
    had none. Returns ``{"event_id", "undone_event_id", "person_id", "name", "undone_status",
    "status"}`` or None when there is nothing left to undo. Raises SessionClosedError.
    """
    at = now() if at is None else at
    with transaction(db):
        require_open_session(db, session_id)
        stack = _standing_changes(db, session_id)
        if not stack:
            return None
        change = stack[-1]
        restored = change.previous or REMOVED
        event_id = _append_event(db, session_id, change.person_id, restored, by, at)
        name = db.execute("SELECT name FROM person WHERE id = ?", [change.person_id]).fetchone()[0]
    return {
        "event_id": event_id,
        "undone_event_id": change.event_id,
        "person_id": change.person_id,
        "name": name,
        "undone_status": change.status,
        "status": restored,
    }


def attendees(db: Database, session_id: str) -> list[dict[str, Any]]:
    """People currently marked as attending (not removed), in the order they were marked.

    Each row is the person's roster fields plus ``status``, ``marked_at`` and ``marked_by``.
    """
    if db.execute("SELECT 1 FROM session WHERE id = ?", [session_id]).fetchone() is None:
        raise NotFoundError(f"no session {session_id!r}")
    cursor = db.execute(
        """
        SELECT p.id, p.name, p.gender, p.ethnicity, p.birth_year, p.township_code,
               p.village_code, p.organisation_id, p.political_status, p.deleted, p.merged_into,
               a.status, a.at AS marked_at, e.by AS marked_by
          FROM attendance a
          JOIN person p ON p.id = a.person_id
          JOIN attendance_event e ON e.id = a.event_id
         WHERE a.session_id = ? AND a.status != 'removed'
         ORDER BY a.at, e.rowid
        """,
        [session_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def counters(db: Database, session_id: str) -> dict[str, int]:
    """Live figures for the attendance screen.

    ``present`` counts everyone with an attended status (present, late or left early);
    ``late`` and ``left_early`` are subsets of it; ``party_members_present`` counts members
    and probationary members among them; ``total`` adds the unregistered headcount.
    """
    session = db.execute(
        "SELECT headcount_unregistered FROM session WHERE id = ?", [session_id]
    ).fetchone()
    if session is None:
        raise NotFoundError(f"no session {session_id!r}")
    present, late, left_early, members = db.execute(
        f"""
        SELECT count(*),
               coalesce(sum(a.status = 'late'), 0),
               coalesce(sum(a.status = 'left_early'), 0),
               coalesce(sum(p.political_status IN {sql_in(PARTY_MEMBER_STATUSES)}), 0)
          FROM attendance a
          JOIN person p ON p.id = a.person_id
         WHERE a.session_id = ? AND a.status IN {sql_in(ATTENDED_STATUSES)}
        """,
        [session_id],
    ).fetchone()
    headcount = int(session[0])
    return {
        "present": present,
        "late": late,
        "left_early": left_early,
        "party_members_present": members,
        "headcount_unregistered": headcount,
        "total": present + headcount,
    }

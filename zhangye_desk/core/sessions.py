"""Sessions (课堂): create, edit while open, close, read and list.

Every change writes the ``session`` row and exactly one outbox op in one transaction:
``session.create`` (the new row's fields), ``session.update`` (``{"id", "f": changed fields}``,
only what really changed) and ``session.close``. A closed session is final: edits raise
``SessionClosedError`` (corrections are new ops made on the server). Attendance and materials
shown live in ``attendance.py`` and ``materials.py``; they use ``require_open_session`` from here.

Days and months are China Standard Time (UTC+8, no daylight saving): ``cst_bounds`` turns an
inclusive date range into epoch seconds for ``list_sessions`` and ``stats``.

Nothing here opens connections, imports PySide6 or knows about sync.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from . import outbox
from .errors import InvalidValueError, NotFoundError, SessionClosedError
from .ids import new_id, now
from .store import transaction
from .vocab import ATTENDED_STATUSES, SESSION_KINDS, SESSION_STATES, sql_in

CST = timezone(timedelta(hours=8), "CST")

# Fields a caller may change while the session is open (state and timestamps are ours).
EDITABLE_FIELDS: tuple[str, ...] = (
    "kind",
    "title",
    "topic",
    "starts_at",
    "ends_at",
    "township_code",
    "village_code",
    "place_name",
    "latitude",
    "longitude",
    "lecturers",
    "notes",
    "headcount_unregistered",
)

_COLUMNS = (
    "id, kind, title, topic, starts_at, ends_at, township_code, village_code, place_name, "
    "latitude, longitude, lecturers, headcount_unregistered, notes, state, created_at, "
    "updated_at, closed_at"
)

# A session as the UI shows it: its row, the township's name and live counts.
_SELECT = f"""
    SELECT {", ".join("s." + c.strip() for c in _COLUMNS.split(","))},
           t.name AS township_name,
           (SELECT count(*) FROM attendance a
             WHERE a.session_id = s.id AND a.status IN {sql_in(ATTENDED_STATUSES)}) AS registered
      FROM session s
      JOIN township t ON t.code = s.township_code
"""


# ---------------------------------------------------------------------------------------------
# Dates in China Standard Time


def cst_day_start(day: date) -> int:
    """Epoch seconds of 00:00 CST on ``day``."""
    return int(datetime.combine(day, time(0), tzinfo=CST).timestamp())


def cst_bounds(date_from: date | None, date_to: date | None) -> tuple[int | None, int | None]:
    """Inclusive CST dates → ``[start, end)`` epoch seconds (None where open-ended)."""
    start = cst_day_start(date_from) if date_from is not None else None
    end = cst_day_start(date_to + timedelta(days=1)) if date_to is not None else None
    return start, end


# ---------------------------------------------------------------------------------------------
# Validation: every bad value names its field so the form can point at it.


def _text(value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidValueError(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidValueError(f"{field} must be text", field=field)
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise InvalidValueError(f"{field} must not be empty", field=field)
        return None
    return cleaned


def _epoch(value: Any, field: str, *, required: bool = False) -> int | None:
    if value is None:
        if required:
            raise InvalidValueError(f"{field} is required", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(f"{field} must be epoch seconds", field=field)
    return value


def _coordinate(value: Any, field: str, limit: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValueError(f"{field} must be a number", field=field)
    number = float(value)
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise InvalidValueError(f"{field} must be between -{limit:g} and {limit:g}", field=field)
    return number


def _headcount(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(
            "the unregistered headcount must be a whole number ≥ 0", field="headcount_unregistered"
        )
    return value


def _kind(value: Any) -> str:
    if value not in SESSION_KINDS:
        raise InvalidValueError(f"unknown session kind {value!r}", field="kind")
    return str(value)


def _clean(field: str, value: Any) -> Any:
    """Normalise one editable field (strip text, check ranges)."""
    if field == "kind":
        return _kind(value)
    if field == "title":
        return _text(value, "title", required=True)
    if field == "township_code":
        return _text(value, "township_code", required=True)
    if field in ("topic", "village_code", "place_name", "lecturers", "notes"):
        return _text(value, field)
    if field == "starts_at":
        return _epoch(value, field, required=True)
    if field == "ends_at":
        return _epoch(value, field)
    if field == "latitude":
        return _coordinate(value, field, 90)
    if field == "longitude":
        return _coordinate(value, field, 180)
    if field == "headcount_unregistered":
        return _headcount(value)
    raise InvalidValueError(f"{field!r} cannot be changed", field=field)


def _check_place(db: Database, township_code: str, village_code: str | None) -> None:
    if db.execute("SELECT 1 FROM township WHERE code = ?", [township_code]).fetchone() is None:
        raise InvalidValueError(f"unknown township {township_code!r}", field="township_code")
    if village_code is None:
        return
    row = db.execute("SELECT township_code FROM village WHERE code = ?", [village_code]).fetchone()
    if row is None:
        raise InvalidValueError(f"unknown village {village_code!r}", field="village_code")
    if row[0] != township_code:
        raise InvalidValueError(
            f"village {village_code!r} is not in township {township_code!r}", field="village_code"
        )


def _check_times(starts_at: int, ends_at: int | None) -> None:
    if ends_at is not None and ends_at < starts_at:
        raise InvalidValueError("a session cannot end before it starts", field="ends_at")


# ---------------------------------------------------------------------------------------------
# Reading


def _as_dict(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _with_total(row: dict[str, Any]) -> dict[str, Any]:
    row["total"] = row["registered"] + row["headcount_unregistered"]
    return row


def get_session(db: Database, session_id: str) -> dict[str, Any]:
    """The session's row plus ``township_name``, ``registered`` (people marked as attending)
    and ``total`` (registered + unregistered headcount). Raises NotFoundError."""
    rows = _as_dict(db.execute(_SELECT + " WHERE s.id = ?", [session_id]))
    if not rows:
        raise NotFoundError(f"no session {session_id!r}")
    return _with_total(rows[0])


def list_sessions(
    db: Database,
    *,
    kind: str | None = None,
    township_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    state: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Sessions newest first (by start), shaped like ``get_session``.

    ``date_from``/``date_to`` are inclusive days in China Standard Time, matched on starts_at.
    """
    where: list[str] = []
    params: list[Any] = []
    if kind is not None:
        where.append("s.kind = ?")
        params.append(_kind(kind))
    if township_code is not None:
        where.append("s.township_code = ?")
        params.append(township_code)
    if state is not None:
        if state not in SESSION_STATES:
            raise InvalidValueError(f"unknown session state {state!r}", field="state")
        where.append("s.state = ?")
        params.append(state)
    start, end = cst_bounds(date_from, date_to)
    if start is not None:
        where.append("s.starts_at >= ?")
        params.append(start)
    if end is not None:
        where.append("s.starts_at < ?")
        params.append(end)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY s.starts_at DESC, s.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_with_total(row) for row in _as_dict(db.execute(sql, params))]


def require_open_session(db: Database, session_id: str) -> None:
    """Raise NotFoundError for an unknown session and SessionClosedError for a closed one."""
    row = db.execute("SELECT state FROM session WHERE id = ?", [session_id]).fetchone()
    if row is None:
        raise NotFoundError(f"no session {session_id!r}")
    if row[0] != "open":
        raise SessionClosedError(f"session {session_id!r} is closed")


# ---------------------------------------------------------------------------------------------
# Writing


def create_session(
    db: Database,
    *,
    kind: str,
    title: str,
    township_code: str,
    starts_at: int | None = None,
    topic: str | None = None,
    village_code: str | None = None,
    place_name: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    lecturers: str | None = None,
    notes: str | None = None,
    by: str | None = None,
    at: int | None = None,
) -> str:
    """Create an open session and its ``session.create`` op; returns the new id.

    ``starts_at`` defaults to the moment of creation. Bad values raise InvalidValueError
    naming the field (kind, title, township_code, village_code, starts_at, latitude, longitude).
    """
    at = now() if at is None else at
    fields: dict[str, Any] = {
        "kind": _clean("kind", kind),
        "title": _clean("title", title),
        "township_code": _clean("township_code", township_code),
        "starts_at": _clean("starts_at", at if starts_at is None else starts_at),
        "topic": _clean("topic", topic),
        "village_code": _clean("village_code", village_code),
        "place_name": _clean("place_name", place_name),
        "latitude": _clean("latitude", latitude),
        "longitude": _clean("longitude", longitude),
        "lecturers": _clean("lecturers", lecturers),
        "notes": _clean("notes", notes),
    }
    session_id = new_id()
    with transaction(db):
        _check_place(db, fields["township_code"], fields["village_code"])
        names = ["id", *fields, "state", "created_at", "updated_at"]
        db.execute(
            f"INSERT INTO session ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [session_id, *fields.values(), "open", at, at],
        )
        outbox.append(
            db, outbox.OP_SESSION_CREATE, {"id": session_id, **fields, "at": at, "by": by}, at=at
        )
    return session_id


def update_session(
    db: Database,
    session_id: str,
    changes: Mapping[str, Any],
    *,
    by: str | None = None,
    at: int | None = None,
) -> dict[str, Any]:
    """Change fields of an open session; returns the fields that really changed.

    Values equal to the stored ones are dropped; if nothing is left, nothing is written (no
    op). Otherwise one ``session.update`` op carries ``{"id", "f": {field: new value}}``,
    where a None value clears the field. Raises SessionClosedError on a closed session and
    InvalidValueError for an unknown field or a bad value.
    """
    at = now() if at is None else at
    cleaned = {field: _clean(field, value) for field, value in changes.items()}
    with transaction(db):
        require_open_session(db, session_id)
        current = _as_dict(db.execute(f"SELECT {_COLUMNS} FROM session WHERE id = ?", [session_id]))
        before = current[0]
        changed = {f: v for f, v in cleaned.items() if before[f] != v}
        if not changed:
            return {}
        after = {**before, **changed}
        if "township_code" in changed or "village_code" in changed:
            _check_place(db, after["township_code"], after["village_code"])
        if "starts_at" in changed or "ends_at" in changed:
            _check_times(after["starts_at"], after["ends_at"])
        assignments = ", ".join(f"{field} = ?" for field in changed)
        db.execute(
            f"UPDATE session SET {assignments}, updated_at = ? WHERE id = ?",
            [*changed.values(), at, session_id],
        )
        outbox.append(
            db,
            outbox.OP_SESSION_UPDATE,
            {"id": session_id, "f": changed, "at": at, "by": by},
            at=at,
        )
    return changed


def set_headcount(
    db: Database, session_id: str, n: int, *, by: str | None = None, at: int | None = None
) -> dict[str, Any]:
    """Set the number of people who attended without being on the roster (n ≥ 0)."""
    return update_session(db, session_id, {"headcount_unregistered": n}, by=by, at=at)


def close_session(
    db: Database,
    session_id: str,
    *,
    ends_at: int | None = None,
    by: str | None = None,
    at: int | None = None,
) -> None:
    """Close an open session for good, with its ``session.close`` op.

    ``ends_at`` defaults to an end time already set while open, else the moment of closing
    (never earlier than the start, so a session entered with a future start still closes).
    Closing a closed session raises SessionClosedError: the first close is the final one.
    """
    at = now() if at is None else at
    explicit_end = _epoch(ends_at, "ends_at")
    with transaction(db):
        require_open_session(db, session_id)
        starts_at, stored_end = db.execute(
            "SELECT starts_at, ends_at FROM session WHERE id = ?", [session_id]
        ).fetchone()
        if explicit_end is not None:
            _check_times(starts_at, explicit_end)
            end = explicit_end
        else:
            end = stored_end if stored_end is not None else max(at, starts_at)
        db.execute(
            "UPDATE session SET state = 'closed', ends_at = ?, closed_at = ?, updated_at = ? "
            "WHERE id = ?",
            [end, at, at, session_id],
        )
        outbox.append(
            db,
            outbox.OP_SESSION_CLOSE,
            {"id": session_id, "ends_at": end, "at": at, "by": by},
            at=at,
        )

"""The statistics reports are made of, computed with SQL aggregates over the local store.

Definitions (DESIGN §1; the UI and the exports show exactly these):

- ``sessions`` (场次): sessions whose start falls in the period, open or closed.
- ``registered_participant_times``: (session, person) pairs whose effective status is an
  attended one (present, late, left early); a "removed" mark does not count.
- ``unregistered_headcount``: the sessions' unregistered headcounts added up.
- ``participant_times`` (人次): the two above added together.
- ``unique_participants`` (人数): distinct registered people with at least one attended status;
  a duplicate merged into another person counts as that person.
- ``party_members``: members and probationary members on the roster in scope (not deleted,
  not merged away). Scope: grouped by township, that township's members; otherwise (totals,
  by kind, by month) the members of the township filter if given, else of the whole county
  (everyone in the local roster, including people without a township).
- ``party_members_attended``: of those members, how many attended at least one of the group's
  sessions (a member attending another township's session does not count for their own
  township's row).
- ``participation_rate`` (参与率): attended ÷ members, a float in 0..1, None without members.

Days and months are China Standard Time (UTC+8): a session is in the period, and in a month,
by its ``starts_at`` read in CST. Rows: by township, every township in scope (including those
without sessions, whose members still count); by kind and by month, only groups with sessions.
``label`` is the key itself (a code or "2026-03"); the UI translates it.

Nothing here writes to the store, opens connections or imports PySide6.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from .errors import InvalidValueError
from .sessions import cst_bounds
from .vocab import ATTENDED_STATUSES, PARTY_MEMBER_STATUSES, SESSION_KINDS, sql_in

GROUPINGS: tuple[str | None, ...] = (None, "township", "kind", "month")
CST_OFFSET_S = 8 * 3600

_KEY_SQL: dict[str | None, str] = {
    None: "''",
    "township": "s.township_code",
    "kind": "s.kind",
    "month": f"strftime('%Y-%m', s.starts_at + {CST_OFFSET_S}, 'unixepoch')",
}
_ON_ROSTER = (
    "{p}.deleted = 0 AND {p}.merged_into IS NULL "
    f"AND {{p}}.political_status IN {sql_in(PARTY_MEMBER_STATUSES)}"
)


def figures(
    sessions: int, headcount: int, registered: int, unique: int, members: int, attended: int
) -> dict[str, Any]:
    """The report figures from their counts. The server uses this too, so 人次 and 参与率 are
    defined once for laptop and county alike."""
    return {
        "sessions": sessions,
        "participant_times": registered + headcount,
        "registered_participant_times": registered,
        "unregistered_headcount": headcount,
        "unique_participants": unique,
        "party_members": members,
        "party_members_attended": attended,
        "participation_rate": attended / members if members else None,
    }


def _grouped(
    db: Database,
    grouping: str | None,
    session_where: str,
    session_params: list[Any],
    township_code: str | None,
) -> dict[str, dict[str, Any]]:
    """Figures per key of ``grouping`` (one key, "", for the totals)."""
    key = _KEY_SQL[grouping]
    held: dict[str, tuple[int, int]] = {
        k: (n, hc)
        for k, n, hc in db.execute(
            f"SELECT {key}, count(*), coalesce(sum(s.headcount_unregistered), 0) "
            f"FROM session s WHERE {session_where} GROUP BY 1",
            session_params,
        ).fetchall()
    }

    # Whose membership counts: the session's own township when grouping by township.
    member_scope = ""
    member_params: list[Any] = []
    if grouping == "township":
        member_scope = " AND m.township_code = s.township_code"
    elif township_code is not None:
        member_scope = " AND m.township_code = ?"
        member_params.append(township_code)
    attended: dict[str, tuple[int, int, int]] = {
        k: (registered, unique, members)
        for k, registered, unique, members in db.execute(
            f"""
            SELECT {key}, count(*), count(DISTINCT coalesce(p.merged_into, p.id)),
                   count(DISTINCT CASE WHEN {_ON_ROSTER.format(p="m")}{member_scope}
                                       THEN m.id END)
              FROM session s
              JOIN attendance a ON a.session_id = s.id
              JOIN person p ON p.id = a.person_id
              LEFT JOIN person m ON m.id = coalesce(p.merged_into, p.id)
             WHERE {session_where} AND a.status IN {sql_in(ATTENDED_STATUSES)}
             GROUP BY 1
            """,
            [*member_params, *session_params],
        ).fetchall()
    }

    roster_where = _ON_ROSTER.format(p="p")
    roster_params: list[Any] = []
    if township_code is not None:
        roster_where += " AND p.township_code = ?"
        roster_params.append(township_code)
    if grouping == "township":
        roster = dict(
            db.execute(
                f"SELECT p.township_code, count(*) FROM person p WHERE {roster_where} GROUP BY 1",
                roster_params,
            ).fetchall()
        )
        keys = [
            code
            for (code,) in db.execute(
                "SELECT code FROM township"
                + (" WHERE code = ?" if township_code is not None else "")
                + " ORDER BY sort, code",
                [] if township_code is None else [township_code],
            ).fetchall()
        ]
    else:
        county = db.execute(
            f"SELECT count(*) FROM person p WHERE {roster_where}", roster_params
        ).fetchone()[0]
        keys = sorted(held, key=SESSION_KINDS.index) if grouping == "kind" else sorted(held)
        if grouping is None:
            keys = [""]
        roster = {k: county for k in keys}

    result: dict[str, dict[str, Any]] = {}
    for k in keys:
        sessions, headcount = held.get(k, (0, 0))
        registered, unique, members_attended = attended.get(k, (0, 0, 0))
        members = roster.get(k, 0)
        result[k] = figures(sessions, headcount, registered, unique, members, members_attended)
    return result


def statistics(
    db: Database,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    by: str | None = None,
    township_code: str | None = None,
) -> dict[str, Any]:
    """``{"totals": figures, "rows": [{"key", "label", **figures}]}`` (definitions above).

    ``date_from``/``date_to`` are inclusive CST days; ``by`` is None, "township", "kind" or
    "month". Raises InvalidValueError for an unknown ``by`` or a reversed date range.
    """
    if by not in GROUPINGS:
        raise InvalidValueError(f"cannot group statistics by {by!r}", field="by")
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidValueError("the period ends before it starts", field="date_to")
    where = ["1"]
    params: list[Any] = []
    start, end = cst_bounds(date_from, date_to)
    if start is not None:
        where.append("s.starts_at >= ?")
        params.append(start)
    if end is not None:
        where.append("s.starts_at < ?")
        params.append(end)
    if township_code is not None:
        where.append("s.township_code = ?")
        params.append(township_code)
    session_where = " AND ".join(where)

    totals = _grouped(db, None, session_where, params, township_code)[""]
    rows: list[dict[str, Any]] = []
    if by is not None:
        for key, figures in _grouped(db, by, session_where, params, township_code).items():
            rows.append({"key": key, "label": key, **figures})
    return {"totals": totals, "rows": rows}

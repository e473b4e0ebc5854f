"""Server statistics: the figures reports are made of, and a device's counts for its receipt.

The definitions are the laptop's (``core/stats.py``, docs/decisions.md), so a township's
figures read the same on its laptop and on the server:

- ``sessions`` (场次): sessions whose start falls in the period (CST days), open or closed.
- ``registered_participant_times``: (session, person) pairs whose effective status is present,
  late or left early; ``unregistered_headcount``: the sessions' headcounts added up;
  ``participant_times`` (人次): the two together.
- ``unique_participants`` (人数): distinct registered people who attended, a person merged
  into another counting as that person.
- ``party_members``: members and probationary members on the roster in scope (not deleted, not
  merged away); ``party_members_attended``: how many of them attended at least one of the
  group's sessions; ``participation_rate`` (参与率): attended ÷ members, None without members.

Groupings: ``township`` (every township in scope, members of that township only), ``kind``,
``month`` and ``topic`` (groups with sessions; members of the county or the township filter;
sessions without a topic have the key ""), and —
server only — ``organisation``: people grouped by their Party organisation (after merges), so a
row counts that organisation's people: their attendances, the distinct sessions they attended,
its members. Unregistered headcount belongs to no organisation and is 0 there; people without
an organisation form the row with key "". ``label`` is a township's or organisation's name,
else the key itself (a kind code or "2026-03").

All SQL is SQLAlchemy Core and runs on SQLite and PostgreSQL; the one date function (the CST
month of an epoch) is compiled per database. Nothing here writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    case,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..core.sessions import cst_bounds
from ..core.stats import figures
from ..core.vocab import ATTENDED_STATUSES, PARTY_MEMBER_STATUSES, SESSION_KINDS
from .db import attendance, op_log, organisation, person, session, township
from .errors import ServiceError

GROUPINGS: tuple[str | None, ...] = (None, "township", "organisation", "kind", "month", "topic")
CST_OFFSET_S = 8 * 3600
NO_ORGANISATION = literal_column("''", Text)


class cst_month(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it is
    """``YYYY-MM`` of an epoch-seconds column in China Standard Time."""

    type = Text()
    name = "cst_month"
    inherit_cache = True


@compiles(cst_month, "sqlite")
def _cst_month_sqlite(element: cst_month, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return f"strftime('%Y-%m', {compiler.process(column, **kw)} + {CST_OFFSET_S}, 'unixepoch')"


@compiles(cst_month, "postgresql")
def _cst_month_postgresql(element: cst_month, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    value = f"to_timestamp({compiler.process(column, **kw)} + {CST_OFFSET_S})"
    return f"to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM')"


def _on_roster(table: Any) -> ColumnElement[bool]:
    return _member_on_roster(table.c.deleted, table.c.merged_into, table.c.political_status)


def _member_on_roster(deleted: Any, merged_into: Any, status: Any) -> ColumnElement[bool]:
    return and_(
        deleted.is_(False),
        merged_into.is_(None),
        status.in_(PARTY_MEMBER_STATUSES),
    )


def _aggregate(
    conn: Connection,
    columns: list[Any],
    from_: Any,
    where: list[ColumnElement[bool]],
    key: Any,
) -> dict[str, tuple[int, ...]]:
    """``{key: (numbers…)}``; ungrouped (key "") for the totals, because PostgreSQL refuses
    to GROUP BY a constant."""
    if key is None:
        row = conn.execute(select(*columns).select_from(from_).where(*where)).one()
        return {"": tuple(int(v or 0) for v in row)}
    query = select(key, *columns).select_from(from_).where(*where).group_by(key)
    return {str(r[0]): tuple(int(v or 0) for v in r[1:]) for r in conn.execute(query)}


def _grouped(
    conn: Connection,
    grouping: str | None,
    s: Any,
    where: list[ColumnElement[bool]],
    township_code: str | None,
) -> dict[str, dict[str, Any]]:
    """Figures per key of ``grouping`` over the sessions ``s`` matching ``where``."""
    a = attendance.alias("a")
    p = person.alias("p")
    m = person.alias("m")  # the person a merged person's marks count as
    who = func.coalesce(p.c.merged_into, p.c.id)
    # Joined on merged_into alone: the second lookup is paid only for merged people's marks
    # (joined on ``who`` it was one more lookup per mark, ~half the time of a year's figures).
    marks = (
        s.join(a, a.c.session_id == s.c.id)
        .join(p, p.c.id == a.c.person_id)
        .outerjoin(m, m.c.id == p.c.merged_into)
    )

    def counted(name: str) -> Any:
        """The column of the person a mark counts as: the merge target's, else its own."""
        return case((p.c.merged_into.is_(None), p.c[name]), else_=m.c[name])
    attended_where = [*where, a.c.status.in_(ATTENDED_STATUSES)]

    session_key: Any = {
        None: None,
        "township": s.c.township_code,
        "kind": s.c.kind,
        "month": cst_month(s.c.starts_at),
        "topic": func.coalesce(s.c.topic, NO_ORGANISATION),
        "organisation": None,
    }[grouping]
    # A literal '' (not a bound parameter): PostgreSQL must see the same expression in the
    # SELECT list and the GROUP BY.
    mark_key = (
        func.coalesce(counted("organisation_id"), NO_ORGANISATION)
        if grouping == "organisation"
        else session_key
    )

    # Sessions held and their headcounts (by organisation: distinct sessions attended).
    if grouping == "organisation":
        held = _aggregate(
            conn,
            [func.count(func.distinct(s.c.id)), literal_column("0")],
            marks,
            attended_where,
            mark_key,
        )
    else:
        columns = [func.count(), func.coalesce(func.sum(s.c.headcount_unregistered), 0)]
        held = _aggregate(conn, columns, s, where, session_key)

    # Whose membership counts: the session's own township when grouping by township.
    member_scope: list[ColumnElement[bool]] = []
    if grouping == "township":
        member_scope.append(counted("township_code") == s.c.township_code)
    elif township_code is not None:
        member_scope.append(counted("township_code") == township_code)
    columns = [
        func.count(),
        func.count(func.distinct(who)),
        func.count(
            func.distinct(
                case(
                    (
                        and_(
                            _member_on_roster(
                                counted("deleted"),
                                counted("merged_into"),
                                counted("political_status"),
                            ),
                            *member_scope,
                        ),
                        who,
                    )
                )
            )
        ),
    ]
    attended = _aggregate(conn, columns, marks, attended_where, mark_key)

    r = person.alias("r")
    roster_where = [_on_roster(r)]
    if township_code is not None:
        roster_where.append(r.c.township_code == township_code)
    count = [func.count()]
    labels: dict[str, str] = {}
    if grouping == "township":
        roster = {
            k: v[0] for k, v in _aggregate(conn, count, r, roster_where, r.c.township_code).items()
        }
        query = select(township.c.code, township.c.name).order_by(township.c.sort, township.c.code)
        if township_code is not None:
            query = query.where(township.c.code == township_code)
        labels = {code: name for code, name in conn.execute(query)}
        keys = list(labels)
    elif grouping == "organisation":
        org_key = func.coalesce(r.c.organisation_id, NO_ORGANISATION)
        roster = {k: v[0] for k, v in _aggregate(conn, count, r, roster_where, org_key).items()}
        query = select(organisation.c.id, organisation.c.name).order_by(
            organisation.c.township_code, organisation.c.id
        )
        if township_code is not None:
            query = query.where(organisation.c.township_code == township_code)
        labels = {org_id: name for org_id, name in conn.execute(query)}
        keys = list(labels)
        if "" in held or "" in attended or roster.get(""):
            keys.append("")
            labels[""] = ""
    else:
        county = _aggregate(conn, count, r, roster_where, None)[""][0]
        if grouping is None:
            keys = [""]
        elif grouping == "kind":
            keys = sorted(held, key=lambda k: SESSION_KINDS.index(k) if k in SESSION_KINDS else 99)
        else:
            keys = sorted(held)
        roster = {k: county for k in keys}

    result: dict[str, dict[str, Any]] = {}
    for k in keys:
        sessions, headcount = held.get(k, (0, 0))
        registered, unique, members_attended = attended.get(k, (0, 0, 0))
        group_figures = figures(
            sessions, headcount, registered, unique, roster.get(k, 0), members_attended
        )
        result[k] = {"label": labels.get(k, k), **group_figures}
    return result


def statistics(
    conn: Connection,
    date_from: date | None = None,
    date_to: date | None = None,
    by: str | None = None,
    township_code: str | None = None,
    totals: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``{"totals": figures, "rows": [{"key", "label", **figures}]}`` (definitions above).

    ``date_from``/``date_to`` are inclusive CST days; ``by`` is None, "township",
    "organisation", "kind", "month" or "topic"; ``township_code`` limits sessions and members
    to one township. ``totals``: the totals of the same period and township computed before
    (a report of several groupings counts them once). Raises ServiceError for an unknown
    grouping or a reversed period.
    """
    if by not in GROUPINGS:
        raise ServiceError(f"cannot group statistics by {by!r}", field="by")
    if date_from is not None and date_to is not None and date_to < date_from:
        raise ServiceError("the period ends before it starts", field="date_to")
    s = session.alias("s")
    where: list[ColumnElement[bool]] = []
    start, end = cst_bounds(date_from, date_to)
    if start is not None:
        where.append(s.c.starts_at >= start)
    if end is not None:
        where.append(s.c.starts_at < end)
    if township_code is not None:
        where.append(s.c.township_code == township_code)

    if totals is None:
        totals = _grouped(conn, None, s, where, township_code)[""]
        totals.pop("label")
    else:
        totals = dict(totals)
    rows: list[dict[str, Any]] = []
    if by is not None:
        for key, group_figures in _grouped(conn, by, s, where, township_code).items():
            rows.append({"key": key, **group_figures})
    return {"totals": totals, "rows": rows}


def device_counts(conn: Connection, device_id: str) -> dict[str, int]:
    """What the server holds from everything this device pushed (all its replicas): ops
    stored, the sessions it created and their participant-times — what the laptop compares
    with its own ``local_totals`` for the sync receipt.

    Every push answers with these, so they are counted through indexes only: the device's
    ops, its sessions, and per session its attended marks (a correlated count, which a
    database cannot turn into a scan of all attendance; PostgreSQL did exactly that with a
    join while its statistics lagged behind a bulk load: 80 ms per push at a million marks
    instead of 3).
    """
    ops = conn.execute(
        select(func.count()).select_from(op_log).where(op_log.c.device_id == device_id)
    ).scalar_one()
    attended = (
        select(func.count())
        .select_from(attendance)
        .where(
            attendance.c.session_id == session.c.id,
            attendance.c.status.in_(ATTENDED_STATUSES),
        )
        .scalar_subquery()
    )
    sessions, headcount, registered = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(session.c.headcount_unregistered), 0),
            func.coalesce(func.sum(attended), 0),
        ).where(session.c.created_by_device == device_id)
    ).one()
    return {
        "ops": int(ops),
        "sessions": int(sessions),
        "participant_times": int(registered) + int(headcount),
        "registered_participant_times": int(registered),
        "unregistered_headcount": int(headcount),
    }

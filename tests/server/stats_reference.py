"""The statistics as straight SQL over every mark (server/stats.py before the per-session
tally, docs/decisions.md): the reference the tally-based figures must equal, whatever was
pushed, merged, moved or deleted. Slow over many marks; for tests only."""

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

from zhangye_desk.core.sessions import cst_bounds
from zhangye_desk.core.stats import figures
from zhangye_desk.core.vocab import ATTENDED_STATUSES, PARTY_MEMBER_STATUSES, SESSION_KINDS
from zhangye_desk.server.db import attendance, person, session
from zhangye_desk.server.errors import ServiceError
from zhangye_desk.server.stats import CST_OFFSET_S, GROUPINGS, group_labels

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
        labels = group_labels(conn, "township", township_code)
        keys = list(labels)
    elif grouping == "organisation":
        org_key = func.coalesce(r.c.organisation_id, NO_ORGANISATION)
        roster = {k: v[0] for k, v in _aggregate(conn, count, r, roster_where, org_key).items()}
        labels = group_labels(conn, "organisation", township_code)
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

"""What the dashboard, the drill-down and the exports read: the period filter, statistics in
an admin's scope, and the township → village → session → attendees queries.

Statistics come from ``server/stats.py`` (one definition of 场次/人次/人数/参与率 for laptop,
CLI and pages); the drill-down lists use the same rules (a mark counts when its effective
status is present, late or left early; 人次 adds the unregistered headcount).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy import Connection, and_, func, select

from ...core.sessions import cst_bounds
from ...core.vocab import ATTENDED_STATUSES
from ..db import (
    attendance,
    change_log,
    device,
    material,
    op_log,
    organisation,
    person,
    quarantine,
    read_transaction,
    session,
    session_material,
    township,
    village,
)
from ..stats import Roster, registered_at_session, statistics_many
from .render import CST
from .security import Admin, WebError, check_township, township_scope

BY_CHOICES: tuple[str, ...] = ("township", "organisation", "kind", "topic", "month")
NO_VILLAGE = "-"  # the URL segment for sessions without a village
SESSION_LIST_LIMIT = 500


@dataclass(frozen=True)
class Filters:
    """The period (inclusive CST days), an optional township and the grouping."""

    date_from: date
    date_to: date
    township_code: str | None
    by: str

    def query(self, **changes: str) -> str:
        values = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "by": self.by,
        }
        if self.township_code:
            values["township"] = self.township_code
        values.update(changes)
        return "&".join(f"{k}={v}" for k, v in values.items() if v)

    @property
    def bounds(self) -> tuple[int, int]:
        start, end = cst_bounds(self.date_from, self.date_to)
        assert start is not None and end is not None
        return start, end


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise WebError(400, "error.bad_date") from None


def parse_filters(
    conn: Connection,
    admin: Admin,
    now: float,
    *,
    date_from: str = "",
    date_to: str = "",
    township_code: str = "",
    by: str = "",
) -> Filters:
    """Query-string values → Filters; the default period is this calendar year up to today.

    A township admin is always limited to their township (another one is 404); a county-wide
    admin may pick one. Bad dates, a reversed period or an unknown grouping: WebError 400.
    """
    today = datetime.fromtimestamp(now, tz=UTC).astimezone(CST).date()
    start = _parse_day(date_from) if date_from.strip() else date(today.year, 1, 1)
    end = _parse_day(date_to) if date_to.strip() else today
    if end < start:
        raise WebError(400, "error.date_order")
    grouping = by.strip() or "township"
    if grouping not in BY_CHOICES:
        raise WebError(400, "error.bad_choice")
    code = township_code.strip() or None
    scope = township_scope(admin)
    if code is None and scope is not None:
        (code,) = sorted(scope)
    if code is not None:
        check_township(admin, code)
        if conn.execute(select(township.c.code).where(township.c.code == code)).first() is None:
            raise WebError(404, "error.not_found")
    return Filters(start, end, code, grouping)


class StatsCache:
    """Statistics already computed, per (period, grouping, township) and data generation.

    Figures change only when data arrives (a push: ``op_log``) or the roster or directory
    changes (``change_log``: imports, edits, merges) or a quarantined op is resolved; the
    generation is those tables' highest ids and the quarantine's counts (all, resolved), read
    in the same transaction as the figures, so a cached answer is exactly what the query
    would give. Over a million marks a first view takes 0.05–0.4 s (docs/benchmarks.md); the
    same view again is instant. It also keeps the roster (``roster``) for the generation.
    One per app (``app.state.web_stats_cache``); thread-safe, least recently used dropped.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._roster: tuple[tuple[Any, ...], Roster] | None = None

    def roster(self, conn: Connection, generation: tuple[Any, ...]) -> Roster:
        """The people as the statistics count them (``stats.Roster``), read once per data
        generation: the same for every period and grouping."""
        with self._lock:
            if self._roster is not None and self._roster[0] == generation:
                return self._roster[1]
        loaded = Roster(conn)
        with self._lock:
            self._roster = (generation, loaded)
        return loaded

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def data_generation(conn: Connection) -> tuple[Any, ...]:
    """Changes whenever anything the statistics count may have changed (StatsCache)."""
    return tuple(
        conn.execute(
            select(
                select(func.max(op_log.c.id)).scalar_subquery(),
                select(func.max(change_log.c.change_id)).scalar_subquery(),
                select(func.count()).select_from(quarantine).scalar_subquery(),
                select(func.count())
                .select_from(quarantine)
                .where(quarantine.c.resolved_at.is_not(None))
                .scalar_subquery(),
            )
        ).one()
    )


def scoped_statistics(
    conn: Connection, filters: Filters, by: str | None, cache: StatsCache | None = None
) -> dict[str, Any]:
    """``server.stats.statistics`` for the filters, from ``cache`` when nothing changed."""
    return scoped_statistics_many(conn, filters, [by], cache)[by]


def scoped_statistics_many(
    conn: Connection, filters: Filters, groupings: Sequence[str | None], cache: StatsCache | None
) -> dict[str | None, dict[str, Any]]:
    """The statistics of several groupings of the filters' period (a workbook's sheets): those
    in ``cache`` from there, the others counted together (the period's sessions read once).

    The totals of a period are kept on their own too, so another grouping of the same period
    (the next tab) counts only its rows.
    """
    period = (filters.date_from, filters.date_to, groupings, filters.township_code)
    if cache is None:
        return statistics_many(conn, *period)
    generation = data_generation(conn)
    base = (filters.date_from, filters.date_to, filters.township_code, generation)
    found: dict[str | None, dict[str, Any]] = {}
    missing: list[str | None] = []
    for by in groupings:
        hit = cache.get((*base, by))
        if hit is None:
            missing.append(by)
        else:
            found[by] = hit
    if missing:
        known = cache.get((*base, None))
        counted = statistics_many(
            conn,
            filters.date_from,
            filters.date_to,
            missing,
            filters.township_code,
            totals=known["totals"] if known is not None else None,
            roster=cache.roster(conn, generation),
        )
        for by, figures in counted.items():
            cache.put((*base, by), figures)
            found[by] = figures
            if known is None:
                cache.put((*base, None), {"totals": figures["totals"], "rows": []})
    return {by: copy.deepcopy(found[by]) for by in groupings}


def period_query(
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    township: Annotated[str, Query()] = "",
    by: Annotated[str, Query()] = "",
) -> dict[str, str]:
    """A page's period query (``?from=…&to=…&township=…&by=…``) as ``request_filters`` takes it."""
    return {"from": date_from, "to": date_to, "township": township, "by": by}


# The query values of a statistics page or export: ``values: PeriodDep``.
PeriodDep = Annotated[dict[str, str], Depends(period_query)]


def request_filters(
    request: Request, admin: Admin, conn: Connection, values: dict[str, str]
) -> Filters:
    """``parse_filters`` for a page's query values (``from``, ``to``, ``township``, ``by``)."""
    return parse_filters(
        conn,
        admin,
        request.app.state.clock(),
        date_from=values.get("from", ""),
        date_to=values.get("to", ""),
        township_code=values.get("township", ""),
        by=values.get("by", ""),
    )


def period_figures(
    request: Request, admin: Admin, values: dict[str, str]
) -> tuple[Filters, dict[str, Any]]:
    """The filters of a page's query values and their statistics (the filters' grouping)."""
    with read_transaction(request.app.state.engine) as conn:
        filters = request_filters(request, admin, conn, values)
        return filters, scoped_statistics(conn, filters, filters.by, stats_cache(request))


def stats_cache(request: Request) -> StatsCache | None:
    cache: StatsCache | None = getattr(request.app.state, "web_stats_cache", None)
    return cache


def townships(conn: Connection, admin: Admin) -> list[dict[str, Any]]:
    """The townships ``admin`` may see, in directory order."""
    query = select(township.c.code, township.c.name, township.c.name_en).order_by(
        township.c.sort, township.c.code
    )
    scope = township_scope(admin)
    if scope is not None:
        query = query.where(township.c.code.in_(sorted(scope)))
    return [dict(row) for row in conn.execute(query).mappings()]


def township_row(conn: Connection, code: str) -> dict[str, Any]:
    row = conn.execute(select(township).where(township.c.code == code)).mappings().first()
    if row is None:
        raise WebError(404, "error.not_found")
    return dict(row)


def _attended_counts(conn: Connection, key: Any, where: list[Any]) -> dict[Any, tuple[int, int]]:
    """``{key: (registered participant-times, distinct people)}`` over sessions ``where``."""
    who = func.coalesce(person.c.merged_into, person.c.id)
    query = (
        select(key, func.count(), func.count(func.distinct(who)))
        .select_from(
            session.join(attendance, attendance.c.session_id == session.c.id).join(
                person, person.c.id == attendance.c.person_id
            )
        )
        .where(*where, attendance.c.status.in_(ATTENDED_STATUSES))
        .group_by(key)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in conn.execute(query)}


def villages_of(conn: Connection, filters: Filters, code: str) -> list[dict[str, Any]]:
    """One row per village of township ``code`` with sessions in the period (and those
    without a village): 场次, 人次 (registered + headcount), 人数."""
    start, end = filters.bounds
    where = [session.c.township_code == code, session.c.starts_at >= start,
             session.c.starts_at < end]  # fmt: skip
    held = conn.execute(
        select(
            session.c.village_code,
            func.count(),
            func.coalesce(func.sum(session.c.headcount_unregistered), 0),
        )
        .where(*where)
        .group_by(session.c.village_code)
    ).all()
    attended = _attended_counts(conn, session.c.village_code, where)
    names: dict[str, str] = {
        v_code: name
        for v_code, name in conn.execute(
            select(village.c.code, village.c.name).where(village.c.township_code == code)
        )
    }
    rows: list[dict[str, Any]] = []
    for village_code, sessions_held, headcount in held:
        registered, unique = attended.get(village_code, (0, 0))
        rows.append(
            {
                "code": village_code or NO_VILLAGE,
                "name": names.get(village_code, "") if village_code else "",
                "sessions": int(sessions_held),
                "participant_times": registered + int(headcount),
                "unique_participants": unique,
            }
        )
    rows.sort(key=lambda r: (r["code"] == NO_VILLAGE, -r["sessions"], r["code"]))
    return rows


def village_row(conn: Connection, township_code: str, village_code: str) -> dict[str, Any]:
    if village_code == NO_VILLAGE:
        return {"code": NO_VILLAGE, "name": ""}
    row = (
        conn.execute(
            select(village.c.code, village.c.name).where(
                village.c.code == village_code, village.c.township_code == township_code
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise WebError(404, "error.not_found")
    return dict(row)


def sessions_in(
    conn: Connection, filters: Filters, township_code: str, village_code: str
) -> list[dict[str, Any]]:
    """The sessions of one village (or of none: NO_VILLAGE) in the period, newest first."""
    start, end = filters.bounds
    registered = registered_at_session()
    village_where = (
        session.c.village_code.is_(None)
        if village_code == NO_VILLAGE
        else session.c.village_code == village_code
    )
    query = (
        select(
            session.c.id,
            session.c.title,
            session.c.kind,
            session.c.topic,
            session.c.starts_at,
            session.c.place_name,
            session.c.headcount_unregistered,
            registered.label("registered"),
            device.c.name.label("device_name"),
        )
        .select_from(session.outerjoin(device, device.c.id == session.c.created_by_device))
        .where(
            session.c.township_code == township_code,
            village_where,
            session.c.starts_at >= start,
            session.c.starts_at < end,
        )
        .order_by(session.c.starts_at.desc(), session.c.id)
        .limit(SESSION_LIST_LIMIT)
    )
    rows = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["participant_times"] = int(item["registered"]) + int(item["headcount_unregistered"])
        rows.append(item)
    return rows


def session_detail(conn: Connection, admin: Admin, session_id: str) -> dict[str, Any]:
    """One session with its township, village, laptop, attendees and materials shown.

    404 when it does not exist or lies outside the admin's townships.
    """
    row = (
        conn.execute(
            select(
                session,
                township.c.name.label("township_name"),
                village.c.name.label("village_name"),
                device.c.name.label("device_name"),
            )
            .select_from(
                session.join(township, township.c.code == session.c.township_code)
                .outerjoin(village, village.c.code == session.c.village_code)
                .outerjoin(device, device.c.id == session.c.created_by_device)
            )
            .where(session.c.id == session_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise WebError(404, "error.not_found")
    check_township(admin, row["township_code"])
    detail = dict(row)
    detail["attendees"] = attendees(conn, session_id)
    detail["registered"] = sum(
        1 for a in detail["attendees"] if a["status"] in ATTENDED_STATUSES
    )
    detail["participant_times"] = detail["registered"] + int(detail["headcount_unregistered"])
    detail["materials"] = [
        dict(m)
        for m in conn.execute(
            select(
                session_material.c.material_id,
                session_material.c.shown_at,
                session_material.c.by,
                material.c.title,
                material.c.language,
            )
            .select_from(
                session_material.outerjoin(
                    material, material.c.id == session_material.c.material_id
                )
            )
            .where(session_material.c.session_id == session_id)
            .order_by(session_material.c.shown_at, session_material.c.id)
        ).mappings()
    ]
    return detail


def attendees(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    """The people marked at a session (not those whose mark was removed), by time of mark."""
    vill = village.alias("pv")
    query = (
        select(
            person.c.id,
            person.c.name,
            person.c.gender,
            person.c.ethnicity,
            person.c.birth_year,
            person.c.political_status,
            person.c.phone,
            vill.c.name.label("village_name"),
            organisation.c.name.label("organisation_name"),
            attendance.c.status,
            attendance.c.at,
        )
        .select_from(
            attendance.join(person, person.c.id == attendance.c.person_id)
            .outerjoin(vill, vill.c.code == person.c.village_code)
            .outerjoin(organisation, organisation.c.id == person.c.organisation_id)
        )
        .where(
            and_(attendance.c.session_id == session_id, attendance.c.status.in_(ATTENDED_STATUSES))
        )
        .order_by(attendance.c.at, person.c.name)
    )
    return [dict(r) for r in conn.execute(query).mappings()]

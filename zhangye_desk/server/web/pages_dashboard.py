"""The dashboard (GET /): the four headline figures (场次, 人次, 人数, 参与率) for a period,
one grouping (township / organisation / session kind / topic / month) as a chart and a table,
and the drill-down: township → village → sessions → one session. ``/api/stats`` gives the same
figures as JSON. Every view is limited to the admin's townships (``queries.parse_filters``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ...core.vocab import SESSION_KINDS
from ..db import read_transaction
from .i18n import gettext, request_language
from .queries import (
    BY_CHOICES,
    NO_VILLAGE,
    SESSION_LIST_LIMIT,
    Filters,
    PeriodDep,
    period_figures,
    request_filters,
    scoped_statistics,
    session_detail,
    sessions_in,
    stats_cache,
    township_row,
    townships,
    village_row,
    villages_of,
)
from .render import render
from .security import AdminDep, check_township

router = APIRouter()

HEADLINE = ("sessions", "participant_times", "unique_participants", "participation_rate")
COLUMNS = (
    "sessions",
    "participant_times",
    "registered_participant_times",
    "unregistered_headcount",
    "unique_participants",
    "party_members",
    "party_members_attended",
    "participation_rate",
)


def row_label(lang: str, by: str, row: dict[str, Any]) -> str:
    """What a statistics row is called on the page and in exports."""
    key = row["key"]
    if by == "kind":
        return gettext(lang, f"kind.{key}") if f"kind.{key}" in _KIND_IDS else key
    if by == "organisation" and not key:
        return gettext(lang, "group.no_organisation")
    if by == "topic" and not key:
        return gettext(lang, "group.no_topic")
    return str(row.get("label") or key)


_KIND_IDS = {f"kind.{k}" for k in SESSION_KINDS}


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    admin: AdminDep,
    values: PeriodDep,
) -> HTMLResponse:
    lang = request_language(request)
    filters, figures = period_figures(request, admin, values)
    with read_transaction(request.app.state.engine) as conn:
        choices = townships(conn, admin)
    rows = [{**row, "label": row_label(lang, filters.by, row)} for row in figures["rows"]]
    chart = {
        "labels": [row["label"] for row in rows],
        "sessions": [row["sessions"] for row in rows],
        "participant_times": [row["participant_times"] for row in rows],
        "names": [gettext(lang, "dash.chart_sessions"), gettext(lang, "dash.chart_times")],
        "line": filters.by == "month",
    }
    return render(
        request,
        "dashboard.html",
        filters=filters,
        totals=figures["totals"],
        rows=rows,
        chart=chart,
        headline=HEADLINE,
        columns=COLUMNS,
        by_choices=BY_CHOICES,
        townships=choices,
        county_wide=len(choices) > 1,
    )


@router.get("/api/stats")
def stats_json(
    request: Request,
    admin: AdminDep,
    values: PeriodDep,
) -> JSONResponse:
    """The dashboard's figures as JSON (same scope rules as the page)."""
    lang = request_language(request)
    filters, figures = period_figures(request, admin, values)
    return JSONResponse(
        {
            "from": filters.date_from.isoformat(),
            "to": filters.date_to.isoformat(),
            "township": filters.township_code,
            "by": filters.by,
            "totals": figures["totals"],
            "rows": [{**r, "label": row_label(lang, filters.by, r)} for r in figures["rows"]],
        }
    )


def _township_period(
    request: Request, admin: Any, conn: Any, code: str, values: dict[str, str]
) -> tuple[Filters, dict[str, Any]]:
    """The period of a township's drill-down page (its township from the path), and the
    township."""
    period = {"from": values["from"], "to": values["to"], "township": code}
    return request_filters(request, admin, conn, period), township_row(conn, code)


@router.get("/townships/{code}", response_class=HTMLResponse)
def township_page(
    request: Request,
    code: str,
    admin: AdminDep,
    values: PeriodDep,
) -> HTMLResponse:
    check_township(admin, code)
    with read_transaction(request.app.state.engine) as conn:
        filters, town = _township_period(request, admin, conn, code, values)
        totals = scoped_statistics(conn, filters, None, stats_cache(request))["totals"]
        villages = villages_of(conn, filters, code)
    return render(
        request,
        "township.html",
        filters=filters,
        town=town,
        totals=totals,
        headline=HEADLINE,
        villages=villages,
    )


@router.get("/townships/{code}/villages/{village_code}", response_class=HTMLResponse)
def village_page(
    request: Request,
    code: str,
    village_code: str,
    admin: AdminDep,
    values: PeriodDep,
) -> HTMLResponse:
    check_township(admin, code)
    with read_transaction(request.app.state.engine) as conn:
        filters, town = _township_period(request, admin, conn, code, values)
        vill = village_row(conn, code, village_code)
        sessions = sessions_in(conn, filters, code, village_code)
    return render(
        request,
        "village.html",
        filters=filters,
        town=town,
        village=vill,
        no_village=village_code == NO_VILLAGE,
        sessions=sessions,
        limited=len(sessions) >= SESSION_LIST_LIMIT,
        limit=SESSION_LIST_LIMIT,
    )


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: str, admin: AdminDep) -> HTMLResponse:
    with read_transaction(request.app.state.engine) as conn:
        detail = session_detail(conn, admin, session_id)
    return render(request, "session.html", s=detail)

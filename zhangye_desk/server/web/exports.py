"""Exports: the statistics of a period as .xlsx (one sheet per grouping plus the totals) or
.csv (one grouping), and a session's sign-in sheet (签到表) as .xlsx or .csv.

Headers are in the request's language (Chinese by default); CSV starts with a UTF-8 BOM so
that Excel reads Chinese correctly; .xlsx columns are as wide as their longest text (CJK
characters count two). Every export has the same scope rules as the pages.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..db import read_transaction
from .i18n import gettext, request_language
from .pages_dashboard import COLUMNS, row_label
from .queries import (
    BY_CHOICES,
    Filters,
    PeriodDep,
    StatsCache,
    period_figures,
    request_filters,
    scoped_statistics_many,
    session_detail,
    stats_cache,
    townships,
)
from .render import CST, cst_time, render
from .security import AdminDep

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
BOM = "\ufeff"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
THIN = Side(style="thin", color="999999")


def display_width(text: str) -> int:
    """Columns a text takes in an Excel cell: CJK (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _download(content: bytes, filename: str, media_type: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write_table(
    sheet: Worksheet,
    title: str,
    subtitle: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    percent_columns: Sequence[int] = (),
    bold_last: bool = False,
) -> None:
    """Title row, subtitle row, header row (bold, filled), the rows; widths from the texts."""
    width = len(headers)
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(row=2, column=1, value=subtitle)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for column, text in enumerate(headers, 1):
        cell = sheet.cell(row=3, column=column, value=text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=THIN)
    for offset, values in enumerate(rows, 1):
        for column, value in enumerate(values, 1):
            cell = sheet.cell(row=3 + offset, column=column, value=value)
            if column in percent_columns:
                cell.number_format = "0.0%"
            if bold_last and offset == len(rows):
                cell.font = Font(bold=True)
                cell.border = Border(top=THIN)
    for column in range(1, width + 1):
        texts = [str(headers[column - 1])] + [
            "" if row[column - 1] is None else str(row[column - 1]) for row in rows
        ]
        longest = max(display_width(t) for t in texts)
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, 8), 60)
    sheet.freeze_panes = sheet.cell(row=4, column=2)


def _period(lang: str, filters: Filters) -> str:
    return gettext(
        lang, "dash.period", start=filters.date_from.isoformat(), end=filters.date_to.isoformat()
    )


def _stats_table(lang: str, by: str, figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = [gettext(lang, f"group.{by}")] + [gettext(lang, f"col.{c}") for c in COLUMNS]
    rows = [[row_label(lang, by, r)] + [r[c] for c in COLUMNS] for r in figures["rows"]]
    rows.append([gettext(lang, "col.totals")] + [figures["totals"][c] for c in COLUMNS])
    return headers, rows


def _scope_name(conn: Any, admin: Any, filters: Filters, lang: str) -> str:
    if filters.township_code is None:
        return gettext(lang, "dash.all_townships")
    for t in townships(conn, admin):
        if t["code"] == filters.township_code:
            return str(t["name"])
    return filters.township_code


def stats_workbook(
    conn: Any,
    admin: Any,
    filters: Filters,
    lang: str,
    now: float,
    cache: StatsCache | None = None,
    groupings: Sequence[str] = BY_CHOICES,
) -> bytes:
    """The period's statistics: one sheet per grouping, each ending with the totals."""
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    scope = _scope_name(conn, admin, filters, lang)
    generated = datetime.fromtimestamp(now, tz=CST).strftime("%Y-%m-%d %H:%M")
    exported = gettext(lang, "export.generated", at=generated)
    subtitle = f"{scope}　{_period(lang, filters)}　{exported}"
    rate_column = 2 + COLUMNS.index("participation_rate")
    every = scoped_statistics_many(conn, filters, groupings, cache)
    for by in groupings:
        headers, rows = _stats_table(lang, by, every[by])
        sheet = workbook.create_sheet(gettext(lang, f"by.{by}")[:31])
        _write_table(
            sheet,
            f"{gettext(lang, 'dash.title')}（{gettext(lang, f'by.{by}')}）",
            subtitle,
            headers,
            rows,
            percent_columns=(rate_column,),
            bold_last=True,
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _file_stem(lang: str, filters: Filters) -> str:
    return (
        f"{gettext(lang, 'export.stats_file')}_{filters.date_from.isoformat()}_"
        f"{filters.date_to.isoformat()}"
    )


@router.get("/exports", response_class=HTMLResponse)
def exports_page(
    request: Request,
    admin: AdminDep,
    values: PeriodDep,
) -> HTMLResponse:
    with read_transaction(request.app.state.engine) as conn:
        filters = request_filters(
            request, admin, conn, {**values, "by": ""}
        )
        choices = townships(conn, admin)
    return render(
        request,
        "exports.html",
        filters=filters,
        townships=choices,
        county_wide=len(choices) > 1,
        by_choices=BY_CHOICES,
    )


@router.get("/exports/stats.xlsx")
def export_stats_xlsx(
    request: Request,
    admin: AdminDep,
    values: PeriodDep,
) -> Response:
    """Every grouping (one sheet each), or only ``by`` (the dashboard's current tab)."""
    lang = request_language(request)
    with read_transaction(request.app.state.engine) as conn:
        filters = request_filters(request, admin, conn, values)
        one_grouping = bool(values["by"].strip())
        groupings = [filters.by] if one_grouping else list(BY_CHOICES)
        content = stats_workbook(
            conn,
            admin,
            filters,
            lang,
            request.app.state.clock(),
            stats_cache(request),
            groupings,
        )
    stem = _file_stem(lang, filters)
    if one_grouping:
        stem += f"_{gettext(lang, f'group.{filters.by}')}"
    return _download(content, stem + ".xlsx", XLSX)


@router.get("/exports/stats.csv")
def export_stats_csv(
    request: Request,
    admin: AdminDep,
    values: PeriodDep,
) -> Response:
    lang = request_language(request)
    filters, figures = period_figures(request, admin, values)
    headers, rows = _stats_table(lang, filters.by, figures)
    # CSV has no number formats: the rate as a fraction with four decimals.
    rate = 1 + COLUMNS.index("participation_rate")
    for row in rows:
        row[rate] = "" if row[rate] is None else f"{row[rate]:.4f}"
    name = f"{_file_stem(lang, filters)}_{gettext(lang, f'group.{filters.by}')}.csv"
    return _download(_csv([headers, *rows]), name, CSV)


def sign_in_sheet(detail: dict[str, Any], lang: str) -> tuple[list[str], list[list[Any]]]:
    headers = [
        gettext(lang, key)
        for key in (
            "person.number",
            "person.name",
            "person.gender",
            "person.ethnicity",
            "person.birth_year",
            "person.village",
            "person.organisation",
            "person.political_status",
            "person.status",
            "person.marked_at",
            "person.signature",
        )
    ]
    rows: list[list[Any]] = []
    for number, a in enumerate(detail["attendees"], 1):
        gender = a["gender"]
        rows.append(
            [
                number,
                a["name"],
                gettext(lang, f"gender.{gender}") if gender in ("M", "F") else (gender or ""),
                a["ethnicity"] or "",
                a["birth_year"] if a["birth_year"] is not None else "",
                a["village_name"] or "",
                a["organisation_name"] or "",
                gettext(lang, f"political.{a['political_status']}"),
                gettext(lang, f"status.{a['status']}"),
                cst_time(a["at"]),
                "",
            ]
        )
    return headers, rows


def _session_subtitle(detail: dict[str, Any], lang: str) -> str:
    parts = [
        cst_time(detail["starts_at"]),
        detail["township_name"],
        detail["village_name"] or "",
        detail["place_name"] or "",
        gettext(lang, f"kind.{detail['kind']}"),
    ]
    if detail["lecturers"]:
        parts.append(f"{gettext(lang, 'session.lecturers')}：{detail['lecturers']}")
    parts.append(
        f"{gettext(lang, 'col.participant_times')}：{detail['participant_times']}"
        f"（{gettext(lang, 'session.headcount')} {detail['headcount_unregistered']}）"
    )
    return "　".join(p for p in parts if p)


def _sheet_name(detail: dict[str, Any], lang: str, suffix: str) -> str:
    day = cst_time(detail["starts_at"], "%Y-%m-%d")
    title = "".join(ch for ch in detail["title"] if ch not in '\\/:*?"<>|')[:40]
    return f"{gettext(lang, 'export.sign_in_file')}_{day}_{title}{suffix}"


@router.get("/exports/sessions/{session_id}/sign-in.xlsx")
def export_sign_in_xlsx(request: Request, session_id: str, admin: AdminDep) -> Response:
    lang = request_language(request)
    with read_transaction(request.app.state.engine) as conn:
        detail = session_detail(conn, admin, session_id)
    headers, rows = sign_in_sheet(detail, lang)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = gettext(lang, "export.sign_in_file")[:31]
    _write_table(
        sheet,
        f"{detail['title']} {gettext(lang, 'export.sign_in_file')}",
        _session_subtitle(detail, lang),
        headers,
        rows,
    )
    # Room to sign by hand.
    sheet.column_dimensions[get_column_letter(len(headers))].width = 16
    sheet.print_title_rows = "3:3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), _sheet_name(detail, lang, ".xlsx"), XLSX)


@router.get("/exports/sessions/{session_id}/sign-in.csv")
def export_sign_in_csv(request: Request, session_id: str, admin: AdminDep) -> Response:
    lang = request_language(request)
    with read_transaction(request.app.state.engine) as conn:
        detail = session_detail(conn, admin, session_id)
    headers, rows = sign_in_sheet(detail, lang)
    return _download(_csv([headers, *rows]), _sheet_name(detail, lang, ".csv"), CSV)

"""The review pages: the conflict queue (hard conflicts decided field by field, edits after a
deletion, attendance disagreements; each with the person's history) and the quarantine (ops a
laptop sent that the server could not apply: re-apply once fixed, or dismiss with a note).

What "resolve" means is documented in ``server/admin.py`` and docs/decisions.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ...core.outbox import OP_TYPES
from ...core.vocab import POLITICAL_STATUSES
from .. import admin as service
from ..db import read_transaction
from .admin_forms import admin_action, scope_of
from .i18n import gettext, request_language
from .render import flash, redirect, render
from .security import Admin, AdminDep, EditorDep, WebError

router = APIRouter()

# Quarantine reasons with a text of their own (admin.quarantine.reason.<reason>).
QUARANTINE_REASONS: tuple[str, ...] = (
    "unknown_session",
    "unknown_person",
    "township_mismatch",
    "session_closed",
    "already_exists",
    "invalid",
    "unknown_type",
)


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _now(request: Request) -> int:
    return int(request.app.state.clock())


def _item_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise WebError(404, "error.not_found")
    return int(text)


# --- conflicts --------------------------------------------------------------------------------


@router.get("/admin/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, admin: AdminDep, resolved: str = "") -> HTMLResponse:
    with read_transaction(_engine(request)) as conn:
        items = service.list_conflicts(conn, scope_of(admin), resolved=bool(resolved))
        names = service.directory_names(conn)
    return render(
        request,
        "admin/conflicts.html",
        items=items,
        resolved=bool(resolved),
        statuses=POLITICAL_STATUSES,
        names=names,
    )


@router.post("/admin/conflicts/{item_id}/resolve")
async def conflict_resolve(request: Request, item_id: str, admin: EditorDep) -> Response:
    number = _item_id(item_id)
    form = await request.form()
    choices = {
        key.removeprefix("choice."): str(value)
        for key, value in form.multi_items()
        if key.startswith("choice.")
    }
    note = str(form.get("note") or "")
    # The write runs in the thread pool like every plain route's.
    response: Response = await run_in_threadpool(_resolve, request, admin, number, choices, note)
    return response


def _resolve(
    request: Request, admin: Admin, number: int, choices: dict[str, str], note: str
) -> Response:
    with admin_action(request) as conn:
        service.resolve_conflict(
            conn, scope_of(admin), number, choices, note=note, now=_now(request)
        )
    response = redirect("/admin/conflicts")
    flash(response, "admin.conflicts.resolved")
    return response


@router.post("/admin/conflicts/{item_id}/dismiss")
def conflict_dismiss(
    request: Request, item_id: str, admin: EditorDep, note: Annotated[str, Form()] = ""
) -> Response:
    number = _item_id(item_id)
    with admin_action(request) as conn:
        service.dismiss_review_item(conn, scope_of(admin), number, note=note, now=_now(request))
    response = redirect("/admin/conflicts")
    flash(response, "admin.conflicts.dismissed")
    return response


# --- quarantine -------------------------------------------------------------------------------


@router.get("/admin/quarantine", response_class=HTMLResponse)
def quarantine_page(
    request: Request, admin: AdminDep, resolved: str = "", device: str = ""
) -> HTMLResponse:
    scope = scope_of(admin)
    with read_transaction(_engine(request)) as conn:
        items = service.list_quarantine(
            conn, scope, resolved=bool(resolved), device_id=device[:64] or None
        )
    return render(
        request,
        "admin/quarantine.html",
        items=items,
        resolved=bool(resolved),
        device=device,
        reasons=QUARANTINE_REASONS,
        optypes=OP_TYPES,
    )


@router.post("/admin/quarantine/{item_id}/retry")
def quarantine_retry(request: Request, item_id: str, admin: EditorDep) -> Response:
    number = _item_id(item_id)
    with admin_action(request) as conn:
        result = service.retry_quarantined(conn, scope_of(admin), number, now=_now(request))
    response = redirect("/admin/quarantine")
    if result.applied:
        flash(response, "admin.quarantine.reapplied")
    else:
        reason = result.reason if result.reason in QUARANTINE_REASONS else "invalid"
        flash(
            response,
            "admin.quarantine.still_refused",
            kind="error",
            reason=gettext(request_language(request), f"admin.quarantine.reason.{reason}"),
            detail=result.detail or "",
        )
    return response


@router.post("/admin/quarantine/{item_id}/dismiss")
def quarantine_dismiss(
    request: Request, item_id: str, admin: EditorDep, note: Annotated[str, Form()] = ""
) -> Response:
    number = _item_id(item_id)
    with admin_action(request) as conn:
        service.dismiss_quarantined(conn, scope_of(admin), number, note=note, now=_now(request))
    response = redirect("/admin/quarantine")
    flash(response, "admin.quarantine.dismissed")
    return response

"""The laptops page: enrolled laptops with their last sync, clock offset, ops received and
open quarantined items; making an enrolment code (shown once, as text and as a QR code holding
the server's address and the code: ``admin.enrol_link``); revoking a laptop.

The code is shown on the page the POST answers (not after a redirect): only its hash is
stored, so it cannot be shown again later.
"""

from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from .. import admin as service
from ..db import read_transaction, write_transaction
from ..errors import ServiceError
from .admin_forms import admin_action, error_text, parse_int, scope_of
from .i18n import gettext, request_language
from .render import flash, redirect, render
from .security import Admin, AdminDep, EditorDep

router = APIRouter()

HOUR_CHOICES: tuple[int, ...] = (1, 24, 72, 168)
DEFAULT_HOURS = 24
# A laptop whose clock is off by more than this is flagged on the page (seconds).
CLOCK_WARNING_S = 120


def _engine(request: Request) -> Any:
    return request.app.state.engine


def server_address(request: Request) -> str:
    """The address the admin's browser reached the server at: the one a laptop on the same
    network uses too."""
    return str(request.base_url).rstrip("/")


def qr_svg(text: str) -> Markup:
    """``text`` as an inline SVG QR code (segno; no image files, no network)."""
    svg = segno.make(text, error="m").svg_inline(scale=5, border=2, title="QR")
    return Markup(svg)  # segno's own markup: it escapes the title it writes


def _page(
    request: Request,
    admin: Admin,
    *,
    enrolment: service.NewEnrolment | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = scope_of(admin)
    now = int(request.app.state.clock())
    with read_transaction(_engine(request)) as conn:
        devices = service.list_devices(conn, scope)
        codes = service.list_enrol_codes(conn, scope, now=now)
        townships = service.townships(conn, scope)
    link = qr = None
    if enrolment is not None:
        link = service.enrol_link(server_address(request), enrolment.code)
        qr = qr_svg(link)
    return render(
        request,
        "admin/devices.html",
        status_code=status_code,
        devices=devices,
        codes=codes,
        townships=townships,
        enrolment=enrolment,
        link=link,
        qr=qr,
        server=server_address(request),
        errors=errors or [],
        hours=HOUR_CHOICES,
        default_hours=DEFAULT_HOURS,
        clock_warning_s=CLOCK_WARNING_S,
        now=now,
    )


@router.get("/admin/devices", response_class=HTMLResponse)
def devices_page(request: Request, admin: AdminDep) -> HTMLResponse:
    return _page(request, admin)


@router.post("/admin/devices/enrol", response_class=HTMLResponse)
def devices_enrol(
    request: Request,
    admin: EditorDep,
    township: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
) -> HTMLResponse:
    lang = request_language(request)
    try:
        valid_hours = parse_int(hours, default=DEFAULT_HOURS) or DEFAULT_HOURS
    except ValueError:
        valid_hours = 0
    if valid_hours not in HOUR_CHOICES:
        errors = [gettext(lang, "error.bad_choice")]
        return _page(request, admin, errors=errors, status_code=400)
    try:
        with write_transaction(_engine(request)) as conn:
            enrolment = service.create_enrolment(
                conn,
                scope_of(admin),
                township,
                ttl_s=valid_hours * 3600,
                now=int(request.app.state.clock()),
            )
    except ServiceError as exc:
        status = 403 if exc.code == "forbidden" else 400
        return _page(request, admin, errors=[error_text(lang, exc)], status_code=status)
    return _page(request, admin, enrolment=enrolment)


@router.post("/admin/devices/{device_id}/revoke")
def devices_revoke(request: Request, device_id: str, admin: EditorDep) -> Response:
    with admin_action(request) as conn:
        changed = service.revoke_device(
            conn, scope_of(admin), device_id[:64], now=int(request.app.state.clock())
        )
    response = redirect("/admin/devices")
    flash(response, "admin.devices.revoked" if changed else "admin.devices.already_revoked")
    return response

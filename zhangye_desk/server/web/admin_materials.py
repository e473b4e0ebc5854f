"""The materials page: what laptops receive (title, size, language, priority, which townships),
uploading a file (stored content-addressed and published at once: laptops download by
priority after their records have synced) and retiring one (laptops stop offering it; the
file stays for the sessions that showed it).

A county admin publishes to every township or one; a township admin only to their own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from .. import admin as service
from ..db import read_transaction, write_transaction
from ..errors import ServiceError
from .admin_forms import (
    MAX_MATERIAL_BYTES,
    admin_action,
    error_text,
    parse_int,
    scope_of,
    temporary_upload,
    uploads_dir,
)
from .i18n import gettext, request_language
from .render import flash, redirect, render
from .security import Admin, AdminDep, EditorDep

router = APIRouter()

ALL_TOWNSHIPS = "all"


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _page(
    request: Request,
    admin: Admin,
    *,
    retired: bool = False,
    errors: list[str] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    scope = scope_of(admin)
    with read_transaction(_engine(request)) as conn:
        materials = service.list_materials(conn, scope, retired=retired)
        townships = service.townships(conn, scope)
    return render(
        request,
        "admin/materials.html",
        status_code=400 if errors else 200,
        materials=materials,
        townships=townships,
        retired=retired,
        errors=errors or [],
        form=form
        or {
            "title": "",
            "topic": "",
            "language": "zh",
            "priority": "0",
            "township": "",
            "draft": "",
        },
        languages=service.MATERIAL_LANGUAGES,
        max_priority=service.MAX_MATERIAL_PRIORITY,
        max_mb=MAX_MATERIAL_BYTES // (1024 * 1024),
    )


@router.get("/admin/materials", response_class=HTMLResponse)
def materials_page(request: Request, admin: AdminDep, retired: str = "") -> HTMLResponse:
    return _page(request, admin, retired=bool(retired))


@router.post("/admin/materials/upload", response_class=HTMLResponse)
def materials_upload(
    request: Request,
    admin: EditorDep,
    upload: Annotated[UploadFile | None, File()] = None,
    title: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "0",
    township: Annotated[str, Form()] = "",
    draft: Annotated[str, Form()] = "",
) -> Response:
    lang = request_language(request)
    form = {
        "title": title,
        "topic": topic,
        "language": language,
        "priority": priority,
        "township": township,
        "draft": draft,
    }
    errors = []
    if upload is None or not upload.filename:
        errors.append(gettext(lang, "admin.materials.no_file"))
    if not title.strip():
        errors.append(gettext(lang, "admin.err.field.title"))
    try:
        level = parse_int(priority, default=0)
    except ValueError:
        errors.append(gettext(lang, "admin.err.field.priority"))
        level = 0
    if errors or upload is None:
        return _page(request, admin, errors=errors, form=form)
    target = None if township in ("", ALL_TOWNSHIPS) else township
    try:
        with (
            temporary_upload(uploads_dir(request), upload, f"material-{admin.id}") as path,
            write_transaction(_engine(request)) as conn,
        ):
            row = service.upload_material(
                conn,
                scope_of(admin),
                request.app.state.settings.files_dir,
                path,
                title=title,
                file_name=upload.filename,
                topic=topic.strip() or None,
                language=language or None,
                priority=level or 0,
                township_code=target,
                publish=not draft,
                now=int(request.app.state.clock()),
            )
    except ServiceError as exc:
        return _page(request, admin, errors=[error_text(lang, exc)], form=form)
    response = redirect("/admin/materials")
    if not row["created"]:
        flash(response, "admin.materials.already", title=row["title"])
    elif row["published"]:
        flash(response, "admin.materials.published", title=row["title"])
    else:
        flash(response, "admin.materials.drafted", title=row["title"])
    return response


@router.post("/admin/materials/{material_id}/publish")
def materials_publish(request: Request, material_id: str, admin: EditorDep) -> Response:
    with admin_action(request) as conn:
        row = service.publish_draft(
            conn, scope_of(admin), material_id[:64], now=int(request.app.state.clock())
        )
    response = redirect("/admin/materials")
    flash(response, "admin.materials.published", title=row["title"])
    return response


@router.post("/admin/materials/{material_id}/retire")
def materials_retire(request: Request, material_id: str, admin: EditorDep) -> Response:
    with admin_action(request) as conn:
        service.retire_material(
            conn, scope_of(admin), material_id[:64], now=int(request.app.state.clock())
        )
    response = redirect("/admin/materials")
    flash(response, "admin.materials.retired")
    return response

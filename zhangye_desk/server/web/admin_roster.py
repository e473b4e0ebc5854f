"""The roster pages: the people list, roster import with a preview, one person (edit and
history) and likely duplicates (merge, or "two different people").

Import is two steps. ``POST /admin/roster/preview`` stores the uploaded file under a random
token (in the files folder's ``.uploads``, named after the admin) and shows every problem, or
what importing would do; nothing is written. ``POST /admin/roster/import`` with that token
checks the same file again and imports it, all or nothing. Reads and writes go through
``server/admin.py`` with the admin's township scope.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from ...core.vocab import GENDERS, POLITICAL_STATUSES
from .. import admin as service
from ..db import read_transaction, write_transaction
from ..errors import NotFound, ServiceError
from ..service import PERSON_FIELDS
from .admin_forms import (
    MAX_ROSTER_BYTES,
    admin_action,
    clean_old_uploads,
    error_text,
    find_upload,
    parse_int,
    save_upload,
    scope_of,
    uploads_dir,
)
from .i18n import gettext, request_language
from .render import flash, redirect, render
from .security import Admin, AdminDep, EditorDep, WebError

router = APIRouter()

PAGE_SIZE = 50
ROSTER_SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv", ".xls", ".xlsm")


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _now(request: Request) -> int:
    return int(request.app.state.clock())


def _prefix(admin: Admin) -> str:
    return f"roster-{admin.id}"


# --- the people list and import ---------------------------------------------------------------


@router.get("/admin/roster", response_class=HTMLResponse)
def roster_page(
    request: Request, admin: AdminDep, q: str = "", township: str = "", page: str = "1"
) -> HTMLResponse:
    scope = scope_of(admin)
    try:
        number = max(1, parse_int(page, default=1) or 1)
    except ValueError:
        number = 1
    with read_transaction(_engine(request)) as conn:
        townships = service.townships(conn, scope)
        if township and not scope.allows(township):
            raise WebError(404, "error.not_found")
        people, total = service.list_people(
            conn,
            scope,
            query=q[:64],
            township_code=township or None,
            offset=(number - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "admin/roster.html",
        people=people,
        total=total,
        townships=townships,
        q=q,
        township=township,
        page=number,
        pages=pages,
    )


def _render_preview(
    request: Request, preview: service.RosterPreview, file_name: str, token: str | None
) -> HTMLResponse:
    lang = request_language(request)
    problems = [
        {"row": p.row, "column": p.column, "text": p.message(lang)} for p in preview.problems
    ]
    return render(
        request,
        "admin/roster_preview.html",
        status_code=200 if preview.ok else 400,
        preview=preview,
        problems=problems,
        file_name=file_name,
        token=token if preview.ok else None,
    )


@router.post("/admin/roster/preview", response_class=HTMLResponse)
def roster_preview(
    request: Request,
    admin: EditorDep,
    roster: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    if roster is None or not roster.filename:
        raise WebError(400, "admin.roster.no_file")
    folder = uploads_dir(request)
    clean_old_uploads(folder)
    path, token = save_upload(folder, roster, _prefix(admin))
    if path.stat().st_size > MAX_ROSTER_BYTES:
        path.unlink()
        raise WebError(413, "admin.roster.too_large", mb=MAX_ROSTER_BYTES // (1024 * 1024))
    # The preview runs the import in a savepoint it rolls back: a write transaction.
    with write_transaction(_engine(request)) as conn:
        preview = service.preview_roster(conn, scope_of(admin), path)
    if not preview.ok:
        path.unlink(missing_ok=True)
    return _render_preview(request, preview, roster.filename, token)


@router.post("/admin/roster/import", response_class=HTMLResponse)
def roster_import(
    request: Request,
    admin: EditorDep,
    token: Annotated[str, Form()] = "",
    file_name: Annotated[str, Form()] = "",
) -> Response:
    path = find_upload(uploads_dir(request), _prefix(admin), token)
    if path is None:
        raise WebError(400, "admin.roster.upload_gone")
    with write_transaction(_engine(request)) as conn:
        result = service.import_roster(conn, scope_of(admin), path)
    if not result.ok:
        path.unlink(missing_ok=True)
        return _render_preview(request, result, file_name[:200], None)
    path.unlink(missing_ok=True)
    response = redirect("/admin/roster")
    flash(
        response,
        "admin.roster.imported",
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
        duplicates=result.likely_duplicates,
    )
    return response


# --- one person -------------------------------------------------------------------------------


def _person_page(
    request: Request,
    admin: Admin,
    person_id: str,
    *,
    errors: list[str] | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    scope = scope_of(admin)
    with read_transaction(_engine(request)) as conn:
        try:
            person = service.get_person(conn, scope, person_id)
        except NotFound:
            raise WebError(404, "error.not_found") from None
        township_code = (values or person).get("township_code") or person["township_code"]
        if not scope.allows(township_code):
            township_code = person["township_code"]
        places = service.township_places(conn, scope, township_code)
        townships = service.townships(conn, scope)
        names = service.directory_names(conn)
    form = {name: person[name] for name in PERSON_FIELDS}
    form.update(values or {})
    return render(
        request,
        "admin/person.html",
        status_code=400 if errors else 200,
        person=person,
        form=form,
        errors=errors or [],
        townships=townships,
        places=places,
        genders=GENDERS,
        statuses=POLITICAL_STATUSES,
        names=names,
    )


@router.get("/admin/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: str, admin: AdminDep) -> HTMLResponse:
    return _person_page(request, admin, person_id)


async def _person_form(request: Request) -> dict[str, str]:
    """The person form's fields (``PERSON_FIELDS``), each as typed ("" when left out)."""
    form = await request.form()
    values = {name: form.get(name) for name in PERSON_FIELDS}
    return {name: value if isinstance(value, str) else "" for name, value in values.items()}


@router.post("/admin/people/{person_id}", response_class=HTMLResponse)
def person_save(
    request: Request,
    person_id: str,
    admin: EditorDep,
    raw: Annotated[dict[str, str], Depends(_person_form)],
    version: Annotated[str, Form()] = "",
) -> Response:
    lang = request_language(request)
    fields: dict[str, Any] = {k: (v.strip() or None) for k, v in raw.items()}
    try:
        expected = parse_int(version)
        year = fields["birth_year"]
        if year is not None:
            fields["birth_year"] = parse_int(year)
    except ValueError:
        msg = gettext(lang, "admin.err.field.birth_year")
        return _person_page(request, admin, person_id, errors=[msg], values=fields)
    try:
        with write_transaction(_engine(request)) as conn:
            result = service.edit_person(
                conn, scope_of(admin), person_id, fields, version=expected, now=_now(request)
            )
    except NotFound as exc:
        if exc.field == "id":
            raise WebError(404, "error.not_found") from None
        return _person_page(
            request, admin, person_id, errors=[error_text(lang, exc)], values=fields
        )
    except ServiceError as exc:
        return _person_page(
            request, admin, person_id, errors=[error_text(lang, exc)], values=fields
        )
    response = redirect(f"/admin/people/{person_id}")
    if result["changed"]:
        flash(response, "admin.person.saved", version=result["version"])
    else:
        flash(response, "admin.person.unchanged")
    return response


# --- likely duplicates ------------------------------------------------------------------------


@router.get("/admin/duplicates", response_class=HTMLResponse)
def duplicates_page(request: Request, admin: AdminDep) -> HTMLResponse:
    with read_transaction(_engine(request)) as conn:
        pairs = service.list_duplicates(conn, scope_of(admin))
    return render(request, "admin/duplicates.html", pairs=pairs, statuses=POLITICAL_STATUSES)


@router.post("/admin/duplicates/merge")
def duplicates_merge(
    request: Request,
    admin: EditorDep,
    loser: Annotated[str, Form()] = "",
    winner: Annotated[str, Form()] = "",
) -> Response:
    try:
        with write_transaction(_engine(request)) as conn:
            service.merge_duplicates(conn, scope_of(admin), loser, winner, now=_now(request))
    except NotFound:
        raise WebError(404, "error.not_found") from None
    except ServiceError as exc:
        response = redirect("/admin/duplicates")
        text = error_text(request_language(request), exc)
        flash(response, "admin.err.flash", kind="error", text=text)
        return response
    response = redirect("/admin/duplicates")
    flash(response, "admin.duplicates.merged")
    return response


@router.post("/admin/duplicates/{item_id}/dismiss")
def duplicates_dismiss(
    request: Request,
    item_id: str,
    admin: EditorDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    if not item_id.isdigit():
        raise WebError(404, "error.not_found")
    with admin_action(request) as conn:
        service.dismiss_duplicate(conn, scope_of(admin), int(item_id), note=note, now=_now(request))
    response = redirect("/admin/duplicates")
    flash(response, "admin.duplicates.dismissed")
    return response

"""The county office's web pages, served by the sync server's app (issue 7).

``install(app, settings)`` mounts ``/static`` and includes the routers of every page module.
``server/app.py`` answers errors outside the routes (an unknown address, a body over the limit)
with ``http_error_page``/``too_large_page`` for a browser path (``is_page``) and with the sync
protocol's JSON for ``/v1/`` and ``/api/``.
Conventions for page modules: README.md in this folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from ..settings import Settings
from . import (
    admin_devices,
    admin_materials,
    admin_review,
    admin_roster,
    exports,
    pages_auth,
    pages_dashboard,
)
from .admin_forms import UPLOAD_TOO_LARGE
from .i18n import gettext, request_language
from .queries import StatsCache
from .render import redirect, render
from .security import LoginRequired, WebError, is_api

STATIC = Path(__file__).parent / "static"
_ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "too_many_requests"}

ROUTERS = (
    pages_auth.router,
    pages_dashboard.router,
    exports.router,
    admin_roster.router,
    admin_review.router,
    admin_materials.router,
    admin_devices.router,
)


def is_page(path: str) -> bool:
    """Whether ``path`` is for a browser: everything but the sync protocol (JSON as
    docs/protocol.md says) and the pages' own JSON (``/api/``). A ``/v1/`` anywhere in the
    path is a laptop's: one given a wrong address (``https://host/wrong``) asks for
    ``/wrong/v1/sync/info`` and must hear "not the sync server", not see a page it would take
    for a captive portal's."""
    return not (f"{path}/".startswith("/api/") or "/v1/" in f"{path}/")


def http_error_page(request: Request, status: int, headers: Mapping[str, str] | None) -> Response:
    """The error page (in the browser's language) for an HTTP error outside our routes' own
    handling: no such page (404), a method the page does not take (405) …"""
    lang = request_language(request)
    if status == 404:
        message = gettext(lang, "error.no_page")
    else:
        message = gettext(lang, "error.http", status=status)
    response = render(request, "error.html", status_code=status, message=message)
    response.headers.update(headers or {})
    return response


def too_large_page(request: Request, limit: int) -> Response:
    """413 for a form whose body is larger than ``limit``: the upload's own advice for the two
    upload routes (``admin_forms.UPLOAD_TOO_LARGE``), a general text elsewhere."""
    msgid = UPLOAD_TOO_LARGE.get(request.url.path, "error.too_large")
    message = gettext(request_language(request), msgid, mb=limit // (1024 * 1024))
    return render(request, "error.html", status_code=413, message=message)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the web pages to the server ``app``."""
    del settings  # everything is read from app.state per request
    app.state.web_stats_cache = StatsCache()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            detail = gettext(request_language(request), "login.expired")
            return JSONResponse({"error": "unauthorized", "detail": detail}, status_code=401)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.method != "GET":
            target = "/"
        expired = "&expired=1" if exc.expired else ""
        return redirect(f"/login?next={quote(target, safe='')}{expired}")

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        message = gettext(request_language(request), exc.msgid, **exc.kw)
        if is_api(request):
            code = _ERROR_CODES.get(exc.status, "bad_request")
            return JSONResponse({"error": code, "detail": message}, status_code=exc.status)
        return render(request, "error.html", status_code=exc.status, message=message)

"""The county office's web pages, served by the sync server's app (issue 7).

``install(app, settings)`` mounts ``/static`` and includes the routers of every page module.
Conventions for page modules: README.md in this folder.
"""

from __future__ import annotations

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

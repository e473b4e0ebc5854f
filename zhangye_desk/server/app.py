"""The app factory: ``create_app(settings)`` builds one FastAPI app with its own engine.

No import-time globals: the engine, settings, clock and push slots live on ``app.state`` and
reach routes through ``deps.py``. Every error leaves as ``{"protocol": 1, "error": code,
"detail": …}`` (docs/protocol.md): our ``ProtocolError``, FastAPI's validation errors (400
bad_request), unknown routes (404), a database kept busy too long (SQLite's write lock, or every
pooled connection: 503 busy with ``Retry-After``) and bugs (500 internal, logged, no details
sent); a browser's unknown page or a method a page does not take gets the web pages' error page
instead (everything outside ``/v1/`` and ``/api/``, ``web.is_page``). A request whose
declared body is larger than ``max_request_bytes`` (or an upload route's own limit) is refused
with 413 before it is read, for a browser as a page saying what to do; a
push body without a length is counted while it is read (``api_sync``). At most
``push_concurrency`` pushes are decoded and applied at a time (``app.state.push_slots``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from . import api_sync, dbadmin, files, web
from .db import WriterBusy, create_engine_for
from .errors import PROTOCOL, ProtocolError
from .settings import Settings
from .web.admin_forms import UPLOAD_LIMITS

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def error_response(exc: ProtocolError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


class BodySizeLimit:
    """Refuse a request whose Content-Length exceeds the limit with 413, unread (pure ASGI, so
    nothing is buffered first). ``larger`` raises the limit for a few exact paths (the admin
    pages' uploads: a roster, a lecture video)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            limit = self.larger.get(scope["path"], self.max_bytes)
            for name, value in scope["headers"]:
                if name == b"content-length":
                    declared = int(value) if value.isdigit() else -1
                    if declared > limit and web.is_page(scope["path"]):
                        page = web.too_large_page(Request(scope), limit)
                        await page(scope, receive, send)
                        return
                    if declared < 0 or declared > limit:
                        exc = ProtocolError(
                            413 if declared >= 0 else 400,
                            "too_large" if declared >= 0 else "bad_request",
                            f"the body may have at most {limit} bytes",
                        )
                        await error_response(exc)(scope, receive, send)
                        return
        await self.app(scope, receive, send)


def _install_error_handlers(app: FastAPI, settings: Settings) -> None:
    @app.exception_handler(ProtocolError)
    async def _protocol(_request: Request, exc: ProtocolError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg')}"
            for error in exc.errors()
        )
        return error_response(ProtocolError(400, "bad_request", problems or "bad request"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if web.is_page(request.url.path):
            return web.http_error_page(request, exc.status_code, exc.headers)
        code = _STATUS_CODES.get(exc.status_code, "error")
        return error_response(
            ProtocolError(exc.status_code, code, str(exc.detail), headers=exc.headers)
        )

    @app.exception_handler(WriterBusy)
    @app.exception_handler(PoolTimeout)
    async def _writer_busy(request: Request, exc: Exception) -> JSONResponse:
        # Our write queue, or every pooled connection, stayed taken too long: come back later.
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            ProtocolError(
                503,
                "busy",
                "the database is busy; try again shortly",
                headers={"Retry-After": str(settings.busy_retry_after_s)},
            )
        )

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> JSONResponse:
        if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
            log.warning("database busy on %s %s", request.method, request.url.path)
            return error_response(
                ProtocolError(
                    503,
                    "busy",
                    "the database is busy; try again shortly",
                    headers={"Retry-After": str(settings.busy_retry_after_s)},
                )
            )
        log.exception("database error on %s %s", request.method, request.url.path)
        return error_response(ProtocolError(503, "unavailable", "the database is unavailable"))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(ProtocolError(500, "internal", "internal server error"))


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], float] = time.time,
    check_schema: bool = True,
) -> FastAPI:
    """Build the server app. The database must be initialised (``dbadmin.init_db``).

    ``engine`` lets a test share one; otherwise the app makes its own from ``settings`` and
    disposes of it when the app shuts down. ``clock`` gives the server time (tests move it).
    Raises ``dbadmin.SchemaError`` when the database is not at this server's schema.
    """
    own_engine = engine is None
    engine = create_engine_for(settings.db_url) if engine is None else engine
    if check_schema:
        state = dbadmin.schema_state(engine)
        if not state.up_to_date:
            if own_engine:
                engine.dispose()
            raise dbadmin.SchemaError(
                f"the database schema is {state.current or 'empty'}, this server needs "
                f"{state.head}: run `zhangye-server init-db` (new) or `migrate` (upgrade)"
            )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own_engine:
            engine.dispose()

    app = FastAPI(
        title="Zhangye Desk server",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock
    app.state.protocol = PROTOCOL
    # Pushes applied at once (the others wait in the event loop, holding no thread or
    # connection): SQLite has one writer, so one applies while the next one decodes.
    app.state.push_slots = asyncio.Semaphore(
        settings.push_concurrency or (2 if engine.dialect.name == "sqlite" else 4)
    )
    _install_error_handlers(app, settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes, larger=UPLOAD_LIMITS)
    app.include_router(api_sync.router)
    app.include_router(files.router)
    web.install(app, settings)
    return app

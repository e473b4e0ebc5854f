"""Who is asking: password sign-in, server-side sessions, CSRF, login rate limiting, roles.

- **Sessions** live in the database (``web_session``), so several workers agree: the cookie
  ``zd_session`` holds a random token, only its sha256 is stored. HttpOnly, SameSite=Lax, Secure
  when the request came over https. A session ends after ``SESSION_IDLE_S`` without a request or
  ``SESSION_MAX_S`` after sign-in, or at sign-out; a disabled admin's sessions stop at once.
- **CSRF**: every session has its own random token. ``current_admin`` checks it on every request
  that is not GET/HEAD/OPTIONS — form field ``csrf_token`` or header ``X-CSRF-Token`` — so a page
  module cannot forget. The sign-in form (no session yet) uses a double-submit cookie.
- **Rate limiting**: failed sign-ins are stored (``login_failure``) and counted per name and per
  client address over ``RATE_WINDOW_S``; past the limit the password is not even checked.
- **Roles**: county (everything), township (their township only), viewer (reads only; limited to
  a township if the account has one). ``township_scope`` gives the township codes an admin may
  see (None = all); ``check_township`` answers 404 outside them (never data).

Pages get HTML (a redirect to /login, an error page); routes under ``/api/`` get JSON
(``{"error": …, "detail": …}`` with 401/403/404). The exception handlers are in ``__init__``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy import Engine, delete, func, select, update
from starlette.concurrency import run_in_threadpool

from ..auth import verify_admin
from ..db import admin_user, login_failure, read_transaction, web_session, write_transaction

SESSION_COOKIE = "zd_session"
LOGIN_CSRF_COOKIE = "zd_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_IDLE_S = 12 * 3600
SESSION_MAX_S = 7 * 24 * 3600
# A session's last_seen_at is written at most this often (a page view stays a read).
TOUCH_INTERVAL_S = 60
RATE_WINDOW_S = 15 * 60
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_CLIENT = 30
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLES_THAT_EDIT = frozenset({"county", "township"})


@dataclass(frozen=True)
class Admin:
    """The signed-in admin of this request."""

    id: int
    name: str
    role: str
    township_code: str | None
    csrf_token: str
    token_hash: str

    @property
    def can_edit(self) -> bool:
        return self.role in ROLES_THAT_EDIT

    @property
    def is_county(self) -> bool:
        return self.role == "county"


class LoginRequired(Exception):
    """No valid session: pages redirect to /login, JSON answers 401."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


class WebError(Exception):
    """An error shown to the user: ``msgid`` from the catalogue, formatted with ``kw``."""

    def __init__(self, status: int, msgid: str, **kw: Any) -> None:
        super().__init__(msgid)
        self.status = status
        self.msgid = msgid
        self.kw = kw


class RateLimited(Exception):
    def __init__(self, minutes: int) -> None:
        super().__init__("rate limited")
        self.minutes = minutes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _now(request: Request) -> int:
    clock: Callable[[], float] = request.app.state.clock
    return int(clock())


# --- sign-in and sessions --------------------------------------------------------------------


def sign_in(engine: Engine, name: str, password: str, client: str, now: int) -> str | None:
    """A new session token if the password is right, None if not (the failure is counted).

    Raises RateLimited, without checking the password, once the name or the client has too
    many recent failures.
    """
    name = name.strip()
    since = now - RATE_WINDOW_S
    with read_transaction(engine) as conn:
        by_name = conn.execute(
            select(func.count())
            .select_from(login_failure)
            .where(login_failure.c.name == name, login_failure.c.at > since)
        ).scalar_one()
        by_client = conn.execute(
            select(func.count())
            .select_from(login_failure)
            .where(login_failure.c.client == client, login_failure.c.at > since)
        ).scalar_one()
    if by_name >= MAX_FAILURES_PER_NAME or by_client >= MAX_FAILURES_PER_CLIENT:
        raise RateLimited(RATE_WINDOW_S // 60)
    with read_transaction(engine) as conn:
        found = verify_admin(conn, name, password) if name and password else None
    with write_transaction(engine) as conn:
        # Housekeeping: forget old failures and ended sessions.
        conn.execute(delete(login_failure).where(login_failure.c.at <= since))
        conn.execute(delete(web_session).where(web_session.c.expires_at <= now))
        if found is None:
            conn.execute(login_failure.insert().values(name=name, client=client, at=now))
            return None
        conn.execute(delete(login_failure).where(login_failure.c.name == name))
        token = secrets.token_urlsafe(32)
        conn.execute(
            web_session.insert().values(
                token_hash=hash_token(token),
                admin_id=found["id"],
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_IDLE_S,
            )
        )
        conn.execute(
            update(admin_user).where(admin_user.c.id == found["id"]).values(last_login_at=now)
        )
    return token


def sign_out(engine: Engine, token_hash: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(delete(web_session).where(web_session.c.token_hash == token_hash))


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def _load_session(engine: Engine, token_hash: str, now: int) -> Admin | None:
    with read_transaction(engine) as conn:
        row = conn.execute(
            select(
                admin_user.c.id,
                admin_user.c.name,
                admin_user.c.role,
                admin_user.c.township_code,
                web_session.c.csrf_token,
                web_session.c.created_at,
                web_session.c.last_seen_at,
            )
            .select_from(web_session.join(admin_user, admin_user.c.id == web_session.c.admin_id))
            .where(
                web_session.c.token_hash == token_hash,
                web_session.c.expires_at > now,
                admin_user.c.disabled_at.is_(None),
            )
        ).first()
    if row is None:
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL_S:
        with write_transaction(engine) as conn:
            conn.execute(
                update(web_session)
                .where(web_session.c.token_hash == token_hash)
                .values(
                    last_seen_at=now,
                    expires_at=min(row.created_at + SESSION_MAX_S, now + SESSION_IDLE_S),
                )
            )
    return Admin(
        id=int(row.id),
        name=row.name,
        role=row.role,
        township_code=row.township_code,
        csrf_token=row.csrf_token,
        token_hash=token_hash,
    )


async def submitted_csrf(request: Request) -> str:
    """The CSRF token the request carries: the header, else the form field ("" if none)."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette keeps it: the route reads the same form
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def tokens_match(submitted: str, expected: str) -> bool:
    return bool(submitted) and hmac.compare_digest(submitted.encode(), expected.encode())


# --- dependencies ----------------------------------------------------------------------------


async def current_admin(request: Request) -> Admin:
    """The signed-in admin; checks the CSRF token of every POST/PUT/PATCH/DELETE.

    No or an ended session: LoginRequired (pages → /login, /api/ → 401). A wrong or missing
    CSRF token: WebError 403 ``error.csrf``.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    admin = await run_in_threadpool(
        _load_session, _engine(request), hash_token(token), _now(request)
    )
    if admin is None:
        raise LoginRequired(expired=True)
    request.state.admin = admin
    if request.method not in SAFE_METHODS:
        if not tokens_match(await submitted_csrf(request), admin.csrf_token):
            raise WebError(403, "error.csrf")
    return admin


AdminDep = Annotated[Admin, Depends(current_admin)]


def require_editor(admin: AdminDep) -> Admin:
    """County or township admin; a viewer gets 403."""
    if not admin.can_edit:
        raise WebError(403, "error.forbidden")
    return admin


def require_county(admin: AdminDep) -> Admin:
    """County admin only; anyone else gets 403."""
    if not admin.is_county:
        raise WebError(403, "error.forbidden")
    return admin


EditorDep = Annotated[Admin, Depends(require_editor)]
CountyDep = Annotated[Admin, Depends(require_county)]


def township_scope(admin: Admin) -> frozenset[str] | None:
    """The township codes ``admin`` may see; None means every township."""
    if admin.role == "county":
        return None
    if admin.township_code is None:  # a county-wide viewer
        return None
    return frozenset({admin.township_code})


def check_township(admin: Admin, code: str | None) -> None:
    """404 unless ``admin`` may see township ``code`` (None: a record of no township, which
    only county-wide accounts may see)."""
    scope = township_scope(admin)
    if scope is not None and code not in scope:
        raise WebError(404, "error.not_found")

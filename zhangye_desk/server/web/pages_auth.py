"""Sign in (GET/POST /login) and sign out (POST /logout)."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from .render import flash, redirect, render
from .security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    AdminDep,
    RateLimited,
    WebError,
    _engine,
    _now,
    clear_session_cookie,
    client_address,
    set_session_cookie,
    sign_in,
    sign_out,
    tokens_match,
)

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //): no open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(
    request: Request, *, error: str | None = None, status_code: int = 200, name: str = "",
    **kw: object,
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        login_csrf=token,
        error=error,
        error_kw=kw,
        name=name,
        next=_safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    expired = request.query_params.get("expired") == "1"
    return _login_page(request, error="login.expired" if expired else None)


@router.post("/login")
async def login_submit(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002 - the form field's name
) -> Response:
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise WebError(403, "error.csrf")
    try:
        token = await run_in_threadpool(
            sign_in, _engine(request), name, password, client_address(request), _now(request)
        )
    except RateLimited as exc:
        return _login_page(
            request, error="login.rate_limited", status_code=429, name=name, minutes=exc.minutes
        )
    if token is None:
        return _login_page(request, error="login.failed", status_code=401, name=name)
    response = redirect(_safe_next(next))
    set_session_cookie(request, response, token)
    return response


@router.post("/logout")
async def logout(request: Request, admin: AdminDep) -> Response:
    await run_in_threadpool(sign_out, _engine(request), admin.token_hash)
    response = redirect("/login")
    clear_session_cookie(response)
    flash(response, "login.signed_out")
    return response

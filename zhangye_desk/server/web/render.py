"""HTML rendering: one Jinja2 environment (autoescaped, strict about undefined names) and
``render(request, template, **ctx)``, which adds what every page needs:

``admin`` (or None), ``lang``, ``_`` (``_("msgid", **kw)`` in the request's language),
``csrf_token`` (put it in every form: ``<input type="hidden" name="csrf_token" value="{{
csrf_token }}">``), ``nav`` (the menu with the current item marked), ``flash`` (a message left by
the previous request, see ``flash``) and ``path``.

Flash messages: after a successful POST, redirect (303) and call ``flash(response, msgid,
kind="ok"|"error", **kw)`` on the redirect; the next page shows it once. Form errors are not
flashed: re-render the form with status 400 and the errors in the context.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .i18n import LANG_COOKIE, LANGUAGES, MESSAGES, gettext, request_language

TEMPLATES = Path(__file__).parent / "templates"
FLASH_COOKIE = "zd_flash"
CST = timezone(timedelta(hours=8))

# Every page: nothing loaded from elsewhere (no CDN), no framing (clickjacking), forms only
# to this site. Inline scripts and styles stay allowed for the admin pages' small handlers.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# (href, msgid): the menu of base.html, in order.
NAV: tuple[tuple[str, str], ...] = (
    ("/", "nav.stats"),
    ("/exports", "nav.exports"),
    ("/admin/roster", "nav.roster"),
    ("/admin/duplicates", "nav.duplicates"),
    ("/admin/conflicts", "nav.conflicts"),
    ("/admin/materials", "nav.materials"),
    ("/admin/devices", "nav.devices"),
    ("/admin/quarantine", "nav.quarantine"),
)


def cst_time(epoch: float | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An epoch as China Standard Time; "" for None."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, tz=UTC).astimezone(CST).strftime(fmt)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def number(value: int | float | None) -> str:
    return "—" if value is None else f"{value:,}"


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["cst_time"] = cst_time
environment.filters["percent"] = percent
environment.filters["number"] = number


def _switch_language(request: Request, lang: str) -> str:
    """This page in ``lang``: the same path and query with ``lang`` replaced."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*query, ("lang", lang)])


def _active(path: str, href: str) -> bool:
    return path == "/" if href == "/" else path == href or path.startswith(href + "/")


def _read_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()).decode("utf-8"))
        msgid, kind, kw = data["m"], data["k"], data.get("kw", {})
    except (ValueError, KeyError, TypeError):
        return None
    if msgid not in MESSAGES or kind not in ("ok", "error") or not isinstance(kw, dict):
        return None
    return {"msgid": msgid, "kind": kind, "kw": kw}


def flash(response: Response, msgid: str, kind: str = "ok", **kw: Any) -> None:
    """Show ``msgid`` (formatted with ``kw``) once on the next page this browser opens."""
    if msgid not in MESSAGES:
        raise KeyError(msgid)
    data = json.dumps({"m": msgid, "k": kind, "kw": kw}, ensure_ascii=False)
    value = base64.urlsafe_b64encode(data.encode("utf-8")).decode()
    response.set_cookie(FLASH_COOKIE, value, max_age=120, path="/", httponly=True, samesite="lax")


def context(request: Request, **ctx: Any) -> dict[str, Any]:
    lang = request_language(request)
    admin = getattr(request.state, "admin", None)
    path = request.url.path
    flash_data = _read_flash(request)
    return {
        "request": request,
        "admin": admin,
        "lang": lang,
        "other_lang": "en" if lang == "zh_CN" else "zh_CN",
        "switch_language": _switch_language(request, "en" if lang == "zh_CN" else "zh_CN"),
        "_": partial(gettext, lang),
        "csrf_token": admin.csrf_token if admin is not None else "",
        "nav": [
            {"href": href, "label": gettext(lang, msgid), "active": _active(path, href)}
            for href, msgid in NAV
        ],
        "flash": flash_data,
        "path": path,
        **ctx,
    }


def render(
    request: Request, template: str, /, *, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """The ``template`` rendered with ``ctx`` plus the common context (module docstring)."""
    values = context(request, **ctx)
    html = environment.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    remember_language(request, response)
    if values["flash"] is not None or FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def remember_language(request: Request, response: Response) -> None:
    lang = request.query_params.get("lang")
    if lang in LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/", samesite="lax")


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a POST the browser GETs ``url``."""
    return RedirectResponse(url, status_code=303)

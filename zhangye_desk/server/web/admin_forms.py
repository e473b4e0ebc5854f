"""Pieces the administration pages share: the admin's ``admin.Scope``, Chinese texts for the
service layer's errors, uploads saved to a temporary file, and form value parsing.

The service functions (``server/admin.py``) raise ``ServiceError`` with an English message and
a ``code``/``field``; pages show ``error_text(lang, exc)`` instead, a catalogue text chosen by
code first, then field (``server/error_texts.py``, shared with the command line), so a user
never sees the English message.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi import Request, UploadFile
from sqlalchemy import Connection

from .. import admin as service
from ..db import write_transaction
from ..error_texts import describe
from ..errors import NotFound, ServiceError
from .i18n import request_language
from .security import Admin, WebError, township_scope

# A roster of the whole county is a few MB as .xlsx; lecture videos are large. The app's body
# limit (server/app.py, BodySizeLimit) is raised to these for the two upload routes only.
MAX_ROSTER_BYTES = 20 * 1024 * 1024
MAX_MATERIAL_BYTES = 2 * 1024 * 1024 * 1024
UPLOAD_LIMITS: dict[str, int] = {
    "/admin/roster/preview": MAX_ROSTER_BYTES,
    "/admin/materials/upload": MAX_MATERIAL_BYTES,
}
# What the page refused for being larger says (with ``mb``): the limit and what to do instead.
UPLOAD_TOO_LARGE: dict[str, str] = {
    "/admin/roster/preview": "admin.roster.too_large",
    "/admin/materials/upload": "admin.materials.too_large",
}
UPLOAD_FOLDER = ".uploads"
# A roster preview's file waits this long for its "import" button.
UPLOAD_KEEP_S = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def scope_of(admin: Admin) -> service.Scope:
    return service.Scope.of(admin.name, township_scope(admin))


def error_text(lang: str, exc: ServiceError) -> str:
    """The text for a service error (``server/error_texts.py``: by code, then by field)."""
    return describe(lang, exc)


@contextlib.contextmanager
def admin_action(request: Request) -> Iterator[Connection]:
    """The write transaction of an admin button whose refusal is a page of its own: something
    not there (or outside the admin's townships) is the 404 page, a refusal for the role the
    403 page, any other refusal the 400 page with the Chinese text (``error_text``)."""
    try:
        with write_transaction(request.app.state.engine) as conn:
            yield conn
    except NotFound:
        raise WebError(404, "error.not_found") from None
    except service.Forbidden as exc:
        text = error_text(request_language(request), exc)
        raise WebError(403, "admin.err.flash", text=text) from None
    except ServiceError as exc:
        text = error_text(request_language(request), exc)
        raise WebError(400, "admin.err.flash", text=text) from None


def uploads_dir(request: Request) -> Path:
    folder = Path(request.app.state.settings.files_dir) / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clean_old_uploads(folder: Path, now: float | None = None) -> None:
    limit = (time.time() if now is None else now) - UPLOAD_KEEP_S
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()


def save_upload(folder: Path, upload: UploadFile, prefix: str) -> tuple[Path, str]:
    """Copy an uploaded file to ``folder/<prefix>-<token><suffix>``; returns (path, token)."""
    token = secrets.token_urlsafe(18)
    suffix = Path(upload.filename or "").suffix.lower()[:10]
    if not re.fullmatch(r"\.[a-z0-9]*", suffix or "."):
        suffix = ""
    path = folder / f"{prefix}-{token}{suffix}"
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1024 * 1024)
    return path, token


def find_upload(folder: Path, prefix: str, token: str) -> Path | None:
    """The file ``save_upload`` stored under ``token`` (None for a malformed or stale one)."""
    if not _TOKEN.match(token):
        return None
    found = sorted(folder.glob(f"{prefix}-{token}*"))
    return found[0] if found else None


@contextlib.contextmanager
def temporary_upload(folder: Path, upload: UploadFile, prefix: str) -> Iterator[Path]:
    path, _token = save_upload(folder, upload, prefix)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def parse_int(value: str, *, default: int | None = None) -> int | None:
    """A whole number a form sent ("" → ``default``); ValueError otherwise."""
    text = value.strip()
    if not text:
        return default
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise ValueError(value)
    return int(text)

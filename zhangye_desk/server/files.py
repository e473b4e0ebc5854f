"""Material files: the content-addressed store and ``GET /v1/files/{sha256}``.

A file lives at ``<files_dir>/<sha256[:2]>/<sha256>``; its name is its content, so it never
changes and its strong ETag is ``"<sha256>"``. Downloads resume: ``Range: bytes=N-`` (or
``N-M``, ``-N``) answers 206 with ``Content-Range``; with ``If-Range`` naming another ETag the
whole file comes back (200); a range past the end answers 416. A device may fetch a file only
if a published material visible to its township has that hash (404 otherwise, without telling
whether the bytes exist).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Engine, or_, select

from ..core.ids import new_id
from .db import material, read_transaction
from .deps import DeviceDep, EngineDep, SettingsDep
from .errors import ProtocolError

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

router = APIRouter()


def content_path(files_dir: Path, sha256: str) -> Path:
    return Path(files_dir) / sha256[:2] / sha256


def store_file(files_dir: Path, source: Path) -> tuple[str, int]:
    """Copy ``source`` into the store under its sha256 (hashing while copying, fsync, then an
    atomic rename, so a crash never leaves a half file under a content name). Returns
    (sha256, size)."""
    files_dir.mkdir(parents=True, exist_ok=True)
    temporary = files_dir / f".incoming-{new_id()}"
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as src, temporary.open("wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        sha256 = digest.hexdigest()
        target = content_path(files_dir, sha256)
        if target.is_file() and target.stat().st_size == size:
            return sha256, size
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)
        return sha256, size
    finally:
        temporary.unlink(missing_ok=True)


def _visible_mime(engine: Engine, sha256: str, township_code: str) -> str | None:
    with read_transaction(engine) as conn:
        return conn.execute(
            select(material.c.mime)
            .where(
                material.c.sha256 == sha256,
                material.c.published.is_(True),
                or_(material.c.township_code.is_(None), material.c.township_code == township_code),
            )
            .order_by(material.c.created_at)
            .limit(1)
        ).scalar()


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """``(first, last)`` inclusive for a satisfiable single byte range; None to send the whole
    file (no header, or one we ignore as RFC 9110 allows: other units, several ranges, bad
    syntax); ``"unsatisfiable"`` for 416."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # a suffix: the last N bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


def _read(path: Path, first: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(first)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:  # the file shrank under us: never send bytes that are not there
                raise OSError(f"{path} is shorter than expected")
            remaining -= len(chunk)
            yield chunk


@router.api_route("/v1/files/{sha256}", methods=["GET", "HEAD"])
def get_file(
    sha256: str,
    request: Request,
    device: DeviceDep,
    engine: EngineDep,
    settings: SettingsDep,
    range_header: Annotated[str | None, Header(alias="range")] = None,
    if_range: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    if not _SHA256.match(sha256):
        raise ProtocolError(404, "not_found", "no such file")
    mime = _visible_mime(engine, sha256, device.township_code)
    path = content_path(settings.files_dir, sha256)
    if mime is None or not path.is_file():
        if mime is not None:
            log.error("material file %s is missing from %s", sha256, settings.files_dir)
        raise ProtocolError(404, "not_found", "no such file")
    size = path.stat().st_size
    etag = f'"{sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable",
    }
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    wanted = parse_range(range_header, size)
    # If-Range: only a strong match of our ETag allows a partial answer; a date or another
    # ETag means "the file you had may differ: send it all".
    if wanted is not None and if_range is not None and if_range.strip() != etag:
        wanted = None
    if wanted == "unsatisfiable":
        raise ProtocolError(
            416,
            "range_not_satisfiable",
            f"the file has {size} bytes",
            headers={**headers, "Content-Range": f"bytes */{size}"},
        )
    status = 200
    first, length = 0, size
    if isinstance(wanted, tuple):
        first, last = wanted
        length = last - first + 1
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=mime)
    return StreamingResponse(
        _read(path, first, length), status_code=status, headers=headers, media_type=mime
    )

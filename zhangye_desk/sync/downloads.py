"""Resumable, verified downloads of material files (protocol.md, GET /v1/files/{sha256}).

Files are content-addressed. A download writes ``<materials>/<sha256>.part`` and, beside it,
``<sha256>.part.json`` with the *verified offset* (bytes flushed and fsync'd) and the ETag the
bytes came with. A later attempt (after a cut, a crash or a cancelled sync) truncates the part
file to that offset, re-hashes what is there and asks for the rest with ``Range`` +
``If-Range``; a ``200`` instead of ``206`` means the server's file changed, so it starts again
from 0. Only when the sha256 of the whole file equals the manifest's is it moved into place
(``os.replace``) as ``<sha256><ext>``; a mismatch (a flipped byte) discards the file and fetches
it once more before giving up. Free disk space is checked before any byte is written.

This module knows files and HTTP only; the engine records ``file_state`` in the store.
Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import mimetypes
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3

from .errors import DiskFull, SyncError, TransientError
from .http import SyncHttp, parse_reply

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
# Flush, fsync and record the offset this often: what a cut or a crash can cost us.
CHECKPOINT_BYTES = 256 * 1024
# Keep this much disk free beyond the file itself (the store, its WAL and backups need room).
RESERVE_BYTES = 20 * 1024 * 1024
HASH_RETRIES = 1  # a file whose bytes do not match is fetched again this many times

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
# Only Python's built-in table (as core.materials), so names do not depend on the machine.
_MIME = mimetypes.MimeTypes(filenames=())


class DownloadCorrupt(SyncError):
    """The file's bytes did not match its sha256, twice; nothing was kept."""

    code = "download_corrupt"


class FileMissing(SyncError):
    """The server has no file for this hash (404)."""

    code = "download_missing"


@dataclass(frozen=True)
class Wanted:
    """One file to fetch: its hash, size and media type (from the materials manifest)."""

    sha256: str
    size: int
    mime: str = "application/octet-stream"

    @property
    def file_name(self) -> str:
        return self.sha256 + extension_for(self.mime)


def extension_for(mime: str) -> str:
    return _MIME.guess_extension(mime, strict=False) or ""


def part_paths(folder: Path, sha256: str) -> tuple[Path, Path]:
    return folder / f"{sha256}.part", folder / f"{sha256}.part.json"


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform (Windows)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_meta(meta: Path) -> dict[str, Any]:
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_meta(meta: Path, offset: int, etag: str | None) -> None:
    tmp = meta.with_name(meta.name + ".tmp")
    tmp.write_text(json.dumps({"offset": offset, "etag": etag}), encoding="utf-8")
    os.replace(tmp, meta)


def _hash_prefix(path: Path, length: int) -> hashlib._Hash:
    digest = hashlib.sha256()
    remaining = length
    with path.open("rb") as handle:
        while remaining > 0:
            chunk = handle.read(min(1024 * 1024, remaining))
            if not chunk:
                break
            digest.update(chunk)
            remaining -= len(chunk)
    return digest


def _hash_file(path: Path) -> str:
    return _hash_prefix(path, path.stat().st_size).hexdigest()


def verified_bytes(folder: Path, sha256: str) -> int:
    """How much of a file an earlier, interrupted download already holds (0 if none): the
    download queue shows it, and the free-space check does not count it again."""
    part, meta = part_paths(folder, sha256)
    if not part.is_file():
        return 0
    offset = _read_meta(meta).get("offset")
    return offset if isinstance(offset, int) and offset >= 0 else 0


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def check_free_space(folder: Path, needed: int, reserve: int = RESERVE_BYTES) -> None:
    """Raise DiskFull unless ``needed`` bytes (plus a reserve) are free under ``folder``."""
    free = shutil.disk_usage(folder).free
    if free < needed + reserve:
        raise DiskFull(
            f"{needed} bytes needed for a download, {free} free", needed=needed, free=free
        )


class _Part:
    """The ``.part`` file and its recorded verified offset."""

    def __init__(self, folder: Path, wanted: Wanted) -> None:
        self.path, self.meta = part_paths(folder, wanted.sha256)
        self.wanted = wanted
        recorded = _read_meta(self.meta)
        offset = recorded.get("offset") if self.path.exists() else 0
        self.offset = offset if isinstance(offset, int) and 0 <= offset <= wanted.size else 0
        etag = recorded.get("etag")
        self.etag = etag if isinstance(etag, str) else None
        # Bytes past the recorded offset were never fsync'd and checked: drop them.
        with self.path.open("ab") as handle:
            handle.truncate(self.offset)
        self.digest = _hash_prefix(self.path, self.offset)

    def restart(self, etag: str | None = None) -> None:
        self.offset = 0
        self.etag = etag
        self.digest = hashlib.sha256()
        with self.path.open("wb"):
            pass
        _write_meta(self.meta, 0, etag)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.meta.unlink(missing_ok=True)


def _content_range_start(value: str | None) -> int | None:
    match = _CONTENT_RANGE.match(value or "")
    return int(match.group(1)) if match else None


def download(
    http: SyncHttp,
    folder: Path,
    wanted: Wanted,
    *,
    check: Callable[[], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    reserve: int = RESERVE_BYTES,
) -> Path:
    """Fetch one file into ``folder`` (resuming a ``.part``); return its final path.

    Raises DiskFull, FileMissing, DownloadCorrupt, or the HTTP client's NoNetwork/ServerBusy
    once its retries are spent. Cancellation (``check`` raising) leaves the part file and its
    verified offset for the next sync.
    """
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / wanted.file_name
    if final.exists():
        if final.stat().st_size == wanted.size and _hash_file(final) == wanted.sha256:
            return final  # already here (e.g. moved into place just before a crash)
        final.unlink()
    part = _Part(folder, wanted)
    check_free_space(folder, wanted.size - part.offset, reserve)
    hash_retries = HASH_RETRIES
    while True:
        if check is not None:
            check()
        try:
            complete = _fetch_rest(http, part, check=check, on_progress=on_progress)
        except TransientError as exc:
            http.retry_or_raise(exc)
            continue
        if not complete or part.offset < wanted.size:
            # The reply ended before the file did: resume from what we have.
            http.retry_or_raise(TransientError(f"file ended early at {part.offset}"))
            continue
        http.backoff.reset()
        if part.offset == wanted.size and part.digest.hexdigest() == wanted.sha256:
            os.replace(part.path, final)
            _fsync_dir(folder)
            part.meta.unlink(missing_ok=True)
            return final
        # The right length and the wrong bytes (or the wrong length): never keep them.
        log.warning("download of %s did not match its sha256; discarding it", wanted.sha256)
        part.discard()
        if hash_retries <= 0:
            raise DownloadCorrupt(f"{wanted.sha256}: bytes did not match the sha256 twice")
        hash_retries -= 1
        part = _Part(folder, wanted)


def _fetch_rest(
    http: SyncHttp,
    part: _Part,
    *,
    check: Callable[[], None] | None,
    on_progress: Callable[[int], None] | None,
) -> bool:
    """One GET for the bytes after ``part.offset``; True when the server sent the whole rest.

    Network failures raise TransientError after the bytes received so far are recorded.
    """
    wanted = part.wanted
    # identity: a range of a gzip'd representation would not be a range of the file.
    headers = {"Accept-Encoding": "identity"}
    if part.offset > 0:
        headers["Range"] = f"bytes={part.offset}-"
        headers["If-Range"] = part.etag or f'"{wanted.sha256}"'
    response = http.raw("GET", f"/v1/files/{wanted.sha256}", headers=headers, stream=True)
    with response:
        status = response.status_code
        if status == 416:
            # Nothing after our offset: either we have it all (verify) or our part is wrong.
            if part.offset != wanted.size:
                part.restart()
            return part.offset == wanted.size
        if status == 404:
            _ = response.content
            raise FileMissing(f"the server has no file {wanted.sha256}")
        if status not in (200, 206):
            _ = response.content
            parse_reply(response)  # raises the typed error (401, 429/503 Retry-After …)
            raise TransientError(f"file download answered HTTP {status}", status=status)
        etag = response.headers.get("ETag")
        if status == 200 or _content_range_start(response.headers.get("Content-Range")) != (
            part.offset
        ):
            # A whole file (If-Range did not match: the file changed) or a range we did not
            # ask for: start again from 0 with these bytes.
            if part.offset:
                log.info("server sent the whole file %s again; restarting it", wanted.sha256)
            part.restart(etag)
            if status == 206:
                # Ask again from 0 rather than trust a stray range.
                raise TransientError("the server sent a range we did not ask for")
        elif etag:
            part.etag = etag
        try:
            _stream_into(response, part, check=check, on_progress=on_progress)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise DiskFull(str(exc), needed=wanted.size - part.offset, free=0) from exc
            raise TransientError(f"download cut at {part.offset} ({type(exc).__name__})") from exc
    return True


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives: ``read1`` hands over whatever came before a cut, where
    ``iter_content`` would drop the last partial chunk (up to 64 KiB to fetch again)."""
    raw = response.raw
    while True:
        chunk = raw.read1(CHUNK, decode_content=False)
        if not chunk:
            return
        yield chunk


def _stream_into(
    response: requests.Response,
    part: _Part,
    *,
    check: Callable[[], None] | None,
    on_progress: Callable[[int], None] | None,
) -> None:
    unsynced = 0
    with part.path.open("ab") as handle:

        def checkpoint() -> None:
            handle.flush()
            os.fsync(handle.fileno())
            _write_meta(part.meta, part.offset, part.etag)

        try:
            for chunk in _chunks(response):
                handle.write(chunk)
                part.digest.update(chunk)
                part.offset += len(chunk)
                unsynced += len(chunk)
                if unsynced >= CHECKPOINT_BYTES:
                    checkpoint()
                    unsynced = 0
                    if on_progress is not None:
                        on_progress(part.offset)
                    if check is not None:
                        check()  # a safe point: everything so far is recorded
        finally:
            # Also on a cut or a cancel: what arrived intact is kept for the resume.
            checkpoint()
    if on_progress is not None:
        on_progress(part.offset)


def wanted_from_manifest(material: Mapping[str, Any]) -> Wanted:
    return Wanted(
        sha256=str(material["sha256"]),
        size=int(material["size"]),
        mime=str(material.get("mime") or "application/octet-stream"),
    )

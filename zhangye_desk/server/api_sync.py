"""The sync protocol's routes (docs/protocol.md): enrol, info, state, push, pull.

Routes only translate HTTP to the functions in ``auth``, ``apply`` and ``feed`` and back; every
route except enrolment and info depends on ``current_device``. JSON replies of 500 bytes or
more are gzip-compressed for clients that accept it (a push reply of 1,000 results or a pull
page of people shrinks five to fifty times, which matters at 64 kbit/s); file bytes never are
(``files.py``: ranges must stay byte-exact).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from . import feed
from .apply import Batch, WireError, apply_push, decode_batch, replica_state
from .auth import Device, EnrolError, enrol_device
from .db import read_transaction, write_transaction
from .deps import ClockDep, DeviceDep, EngineDep, PushSlotsDep, SettingsDep
from .errors import PROTOCOL, ProtocolError
from .settings import Settings

router = APIRouter()

FEATURES = ("gzip", "range", "snapshot")
GZIP_MIN_BYTES = 500


def json_response(request: Request, data: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Vary": "Accept-Encoding"}
    if len(body) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class EnrolRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    replica_id: str | None = Field(default=None, max_length=64)


@router.post("/v1/devices", status_code=201)
def enrol(body: EnrolRequest, request: Request, engine: EngineDep, clock: ClockDep) -> Response:
    now = clock()
    try:
        with write_transaction(engine) as conn:
            enrolment = enrol_device(
                conn, body.code, body.name, replica_id=body.replica_id, now=int(now)
            )
            epoch = feed.server_epoch(conn)
    except EnrolError as exc:
        raise ProtocolError(403, exc.code, exc.detail) from None
    return json_response(
        request,
        {
            "protocol": PROTOCOL,
            "device_id": enrolment.device_id,
            "secret": enrolment.secret,
            "township_code": enrolment.township_code,
            "township_name": enrolment.township_name,
            "server_epoch": epoch,
            "server_time": now,
        },
        status=201,
    )


@router.get("/v1/sync/info")
def info(request: Request, engine: EngineDep, settings: SettingsDep, clock: ClockDep) -> Response:
    with read_transaction(engine) as conn:
        epoch = feed.server_epoch(conn)
    return json_response(
        request,
        {
            "protocol": PROTOCOL,
            "protocol_min": PROTOCOL,
            "protocol_max": PROTOCOL,
            "features": list(FEATURES),
            "max_request_bytes": settings.max_request_bytes,
            "server_time": clock(),
            "server_epoch": epoch,
        },
    )


@router.get("/v1/sync/state")
def state(
    request: Request,
    device: DeviceDep,
    engine: EngineDep,
    replica_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> Response:
    with read_transaction(engine) as conn:
        return json_response(request, replica_state(conn, replica_id, device))


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it grows past ``limit`` (chunked uploads have no
    Content-Length for the middleware to check)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(413, "too_large", f"the body may have at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(raw: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ProtocolError(400, "bad_request", f"the gzip body is damaged: {exc}") from None
    if len(data) > limit:
        raise ProtocolError(413, "too_large", f"the body unpacks to more than {limit} bytes")
    if not decompressor.eof or decompressor.unused_data:
        # A cut (or padded) body must never be half-applied.
        raise ProtocolError(400, "bad_request", "the gzip body is incomplete")
    return data


def _decode(raw: bytes, gzipped: bool, max_decoded_bytes: int) -> Batch:
    data = _gunzip(raw, max_decoded_bytes) if gzipped else raw
    try:
        payload = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(400, "bad_request", f"the body is not JSON: {exc}") from None
    try:
        return decode_batch(payload)
    except WireError as exc:
        raise ProtocolError(400, "bad_request", str(exc)) from None


def _push(
    engine: Engine,
    device: Device,
    raw: bytes,
    gzipped: bool,
    settings: Settings,
    clock: Callable[[], float],
) -> dict[str, Any]:
    """Decode and apply one push body (in a worker thread: both take CPU, apply blocks)."""
    batch = _decode(raw, gzipped, settings.max_decoded_bytes)
    return apply_push(engine, device, batch, now=clock())


@router.post("/v1/sync/push")
async def push(
    request: Request,
    device: DeviceDep,
    engine: EngineDep,
    settings: SettingsDep,
    clock: ClockDep,
    slots: PushSlotsDep,
) -> Response:
    raw = await _read_body(request, settings.max_request_bytes)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("gzip", "identity", ""):
        raise ProtocolError(415, "unsupported_media_type", f"unknown encoding {encoding!r}")
    # Waiting here costs no thread and no connection; the body stays compressed meanwhile.
    async with slots:
        reply = await run_in_threadpool(
            _push, engine, device, raw, encoding == "gzip", settings, clock
        )
    return json_response(request, reply)


@router.get("/v1/sync/pull")
def pull(
    request: Request,
    device: DeviceDep,
    engine: EngineDep,
    settings: SettingsDep,
    cursor: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int | None, Query(ge=1)] = None,
    snapshot: Annotated[int, Query(ge=0, le=1)] = 0,
    after: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    size = min(limit or settings.pull_page_default, settings.pull_page_max)
    with read_transaction(engine) as conn:
        try:
            if snapshot or feed.is_snapshot_token(cursor):
                page = feed.snapshot(
                    conn, after=after or cursor, limit=size, township_code=device.township_code
                )
            else:
                page = feed.pull(
                    conn, cursor=cursor, limit=size, township_code=device.township_code
                )
        except feed.CursorExpired as exc:
            raise ProtocolError(
                410, "cursor_expired", str(exc), extra={"server_epoch": feed.server_epoch(conn)}
            ) from None
        except feed.BadCursor as exc:
            raise ProtocolError(400, "bad_request", str(exc)) from None
    return json_response(request, {"protocol": PROTOCOL, **page})

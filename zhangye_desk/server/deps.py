"""FastAPI dependencies: the app's settings, engine and clock, and the calling device.

Everything comes from ``request.app.state`` (set by ``create_app``), never from module
globals, so several apps (tests, workers) can live in one process. ``current_device`` checks
the ``Authorization: Bearer <device_id>.<secret>`` header on every route that needs a device.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from .auth import AuthError, Device, authenticate, touch_device
from .db import read_transaction, write_transaction
from .errors import ProtocolError
from .settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_clock(request: Request) -> Callable[[], float]:
    clock: Callable[[], float] = request.app.state.clock
    return clock


def get_push_slots(request: Request) -> asyncio.Semaphore:
    slots: asyncio.Semaphore = request.app.state.push_slots
    return slots


TOUCH_INTERVAL_S = 60

SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ClockDep = Annotated[Callable[[], float], Depends(get_clock)]
PushSlotsDep = Annotated[asyncio.Semaphore, Depends(get_push_slots)]


def current_device(
    engine: EngineDep,
    clock: ClockDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Device:
    """The enrolled, unrevoked device making the request, or 401 unauthorized / revoked."""
    try:
        with read_transaction(engine) as conn:
            device = authenticate(conn, authorization)
    except AuthError as exc:
        raise ProtocolError(
            401, exc.code, exc.detail, headers={"WWW-Authenticate": "Bearer"}
        ) from None
    now = int(clock())
    # At most one write a minute per device, so a pull stays a read.
    if device.last_seen_at is None or now - device.last_seen_at >= TOUCH_INTERVAL_S:
        with write_transaction(engine) as conn:
            touch_device(conn, device.id, now=now)
    return device


DeviceDep = Annotated[Device, Depends(current_device)]

"""Identifiers and timestamps: UUIDv7 strings made where a record is created, epoch seconds."""

from __future__ import annotations

import time

import uuid6


def new_id() -> str:
    """A UUIDv7 string: unique across laptops, roughly ordered by creation time."""
    return str(uuid6.uuid7())


def now() -> int:
    """The device clock in epoch seconds (never used to order or resolve anything on the server)."""
    return int(time.time())

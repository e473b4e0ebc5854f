"""Identifiers and timestamps: UUIDv7 strings made where a record is created, epoch seconds.

``uuid6`` is imported on the first ``new_id`` call: it loads ``importlib.metadata`` (about
15 ms), which opening the store for reading does not need.
"""

from __future__ import annotations

import time


def new_id() -> str:
    """A UUIDv7 string: unique across laptops, roughly ordered by creation time."""
    import uuid6  # see the module docstring

    return str(uuid6.uuid7())


def now() -> int:
    """The device clock in epoch seconds (never used to order or resolve anything on the server)."""
    return int(time.time())

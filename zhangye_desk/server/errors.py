"""Errors the server answers with, and errors its service functions raise.

``ProtocolError`` is what a route raises to answer ``{"protocol": 1, "error": code, "detail":
…}`` with a status (docs/protocol.md lists the codes); ``app.py`` renders it. ``ServiceError``
is raised by the functions the CLI and the admin pages call (a bad value, an unknown township);
its ``code`` and ``field`` let them show a specific message. Nothing here imports FastAPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROTOCOL = 1


class ProtocolError(Exception):
    """An answer other than 2xx on the sync API (the client acts on ``code``)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL, "error": self.code, "detail": self.detail, **self.extra}


class ServiceError(ValueError):
    """A request an admin or the CLI made that the data does not allow (message says why)."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.field = field
        if code is not None:
            self.code = code


class NotFound(ServiceError):
    code = "not_found"

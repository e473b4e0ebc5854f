"""The HTTP client of the sync engine: one ``requests.Session``, timeouts and our own retries.

Every call has a connect timeout and a *stall* timeout (the longest wait for the next byte,
``requests``' read timeout), so a link that silently stops delivering is given up on and
retried instead of hanging the sync. Failed attempts are retried by ``Backoff``: exponential
delays with full jitter (a uniform wait between 0 and the current ceiling, so laptops that lost
the link together do not come back together), at least ``Retry-After`` on 429/503, and a budget
of consecutive failures before the sync gives up with a typed error.

A reply counts only if it is ``application/json`` and carries a ``protocol`` field (protocol.md,
"Common rules"): a captive portal's ``200 text/html`` or a redirect is ``CaptivePortal``, a cut
or unparsable body is a failed attempt; nothing is acknowledged on such a reply.

Requests are kept lean for a 64 kbit/s link: no ``Accept``, no ``Connection``, a short
``User-Agent``; one kept-alive connection. The device secret is only ever put in the
``Authorization`` header and never logged. Nothing here imports Qt or knows the store.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import requests

from .. import __version__
from . import tls
from .errors import (
    CaptivePortal,
    NoNetwork,
    ProtocolMismatch,
    Revoked,
    ServerBusy,
    SyncError,
    TransientError,
    Unauthorized,
)
from .wire import PROTOCOL

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 15.0
# Base stall timeout; a push adds time for its body to crawl up a slow link (see stall_for).
STALL_TIMEOUT_S = 30.0
SLOWEST_LINK_BYTES_PER_S = 4000.0  # half of 64 kbit/s
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = f"zd/{__version__}"


@dataclass
class Backoff:
    """Exponential backoff with full jitter and a budget of consecutive failures.

    ``wait(failures)`` sleeps a uniform random time in ``[0, min(cap, base·2^(failures-1))]``
    (at least ``retry_after`` when the server asked for it); after ``max_failures`` failures in
    a row the caller gives up. A success resets the count (``reset``).
    """

    base_s: float = 0.5
    cap_s: float = 30.0
    max_failures: int = 8
    max_retry_after_s: float = 300.0
    rng: Callable[[], float] = random.random
    sleep: Callable[[float], None] = time.sleep
    failures: int = 0

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * 2 ** max(failures - 1, 0))
        delay = self.rng() * ceiling
        if retry_after is not None:
            # The server said when: wait at least that long (bounded: a bogus header must not
            # park the sync for a day).
            delay = max(delay, min(retry_after, self.max_retry_after_s))
        return delay

    def failed(self, retry_after: float | None = None) -> bool:
        """Count a failure; sleep and return True to retry, or False when the budget is spent."""
        self.failures += 1
        if self.failures >= self.max_failures:
            return False
        self.sleep(self.delay(self.failures, retry_after))
        return True

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True)
class Reply:
    """A parsed JSON reply (any status the caller accepts) and its headers."""

    status: int
    data: dict[str, Any]
    headers: Mapping[str, str]

    @property
    def error(self) -> str | None:
        value = self.data.get("error")
        return value if isinstance(value, str) else None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_json(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def parse_reply(response: requests.Response) -> Reply:
    """Validate a reply per protocol.md; raise CaptivePortal/TransientError/ProtocolMismatch."""
    status = response.status_code
    if 300 <= status < 400:
        raise CaptivePortal(f"redirected ({status}) to {response.headers.get('Location', '?')}")
    if not _is_json(response):
        kind = response.headers.get("Content-Type", "")
        if not kind:
            # No content type at all: the reply was cut inside its headers (a portal page
            # says what it is). A failed attempt; nothing counts.
            raise TransientError(f"HTTP {status} without headers (cut)", status=status)
        if status in RETRY_STATUSES:
            raise TransientError(
                f"HTTP {status} ({kind or 'no content type'})",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status < 400 or "html" in kind.lower():
            # A proxy or portal answered in our server's place: nothing we sent counts.
            raise CaptivePortal(f"HTTP {status} with {kind or 'no content type'}, not our server")
        raise TransientError(f"HTTP {status} with {kind or 'no content type'}", status=status)
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        # A body cut short (or garbled) by the link: a failed attempt, retried as it was.
        raise TransientError(f"HTTP {status}: unreadable JSON ({exc})", status=status) from exc
    if not isinstance(data, dict) or "protocol" not in data:
        if status < 400:
            raise CaptivePortal(f"HTTP {status}: JSON without a protocol field, not our server")
        raise TransientError(f"HTTP {status}: JSON without a protocol field", status=status)
    if data["protocol"] != PROTOCOL:
        raise ProtocolMismatch(
            f"server answered protocol {data['protocol']!r}, we speak {PROTOCOL}"
        )
    reply = Reply(status=status, data=data, headers=response.headers)
    if status == 401:
        if reply.error == "revoked":
            raise Revoked("the server revoked this device")
        raise Unauthorized("the server does not accept this device's credentials")
    if status in RETRY_STATUSES:
        raise TransientError(
            f"HTTP {status} {reply.error or ''}".strip(),
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    return reply


def stall_for(body_bytes: int, base: float = STALL_TIMEOUT_S) -> float:
    """Stall timeout for a request with a body: the body may still be crawling up the link."""
    return base + body_bytes / SLOWEST_LINK_BYTES_PER_S


class SyncHttp:
    """One server, one session, one kept-alive connection; every call with timeouts.

    ``call`` makes one request with retries and returns the parsed reply for any status the
    protocol defines (2xx/4xx); ``once`` is a single attempt (the push loop retries itself so
    it can shrink its batch between attempts).
    """

    def __init__(
        self,
        base_url: str,
        *,
        device_id: str | None = None,
        secret: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        stall_timeout: float = STALL_TIMEOUT_S,
        backoff: Backoff | None = None,
        check: Callable[[], None] | None = None,
        ca_file: Path | None | Literal["default"] = "default",
    ) -> None:
        self.base_url = normalise_url(base_url)
        self.connect_timeout = connect_timeout
        self.stall_timeout = stall_timeout
        self.backoff = backoff or Backoff()
        self._check = check
        self.session = requests.Session()
        # Lean headers: each byte costs 125 µs at 64 kbit/s. urllib3 would add its own
        # User-Agent unless told; HTTP/1.1 keeps the connection alive without a header.
        self.session.headers.clear()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept-Encoding"] = "gzip"
        self.session.trust_env = False  # no proxy or .netrc surprises from the environment
        # HTTPS: the OS trust store plus an optional county CA (sync/tls.py).
        county_ca = tls.county_ca_file() if ca_file == "default" else ca_file
        tls.use_system_trust(self.session, county_ca)
        self._auth = f"Bearer {device_id}.{secret}" if device_id and secret else None

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SyncHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return self.base_url + path

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self._auth is not None:
            headers["Authorization"] = self._auth
        return headers

    def raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        stall: float | None = None,
    ) -> requests.Response:
        """One HTTP exchange; network failures become TransientError (or CertificateError)."""
        timeout = (self.connect_timeout, stall if stall is not None else self.stall_timeout)
        try:
            return self.session.request(
                method,
                self.url(path),
                params=params,
                data=data,
                headers=self.headers(headers),
                timeout=timeout,
                allow_redirects=False,  # a portal's redirect must not be followed
                stream=stream,
            )
        except requests.exceptions.SSLError as exc:
            # CertificateClockError when the laptop's clock makes the certificate look invalid.
            raise tls.certificate_error(exc) from exc
        except requests.exceptions.RequestException as exc:
            # A stall (read timeout), a reset, a refused connect, a cut reply, anything else.
            raise TransientError(f"{method} {path}: {type(exc).__name__}") from exc

    def once(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One attempt, parsed and validated (raises TransientError to be retried)."""
        stall = stall_for(len(data), self.stall_timeout) if data else self.stall_timeout
        response = self.raw(method, path, params=params, data=data, headers=headers, stall=stall)
        try:
            # .content reads the whole body here, inside the stall timeout; a cut body raises.
            _ = response.content
        except (requests.exceptions.RequestException, OSError) as exc:
            raise TransientError(f"{method} {path}: reply cut ({type(exc).__name__})") from exc
        finally:
            response.close()
        return parse_reply(response)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        before_retry: Callable[[TransientError], None] | None = None,
    ) -> Reply:
        """``once`` with retries (Backoff); gives up with NoNetwork or ServerBusy."""
        while True:
            self.check()
            try:
                reply = self.once(method, path, params=params, data=data, headers=headers)
            except TransientError as exc:
                self.retry_or_raise(exc)
                if before_retry is not None:
                    before_retry(exc)
                continue
            self.backoff.reset()
            return reply

    def retry_or_raise(self, exc: TransientError) -> None:
        """After a failed attempt: wait (backoff, Retry-After) or raise the user-facing error."""
        log.info("sync attempt failed: %s", exc)
        if self.backoff.failed(exc.retry_after):
            return
        if exc.status in (429, 503):
            raise ServerBusy(str(exc)) from exc
        raise NoNetwork(str(exc)) from exc

    def check(self) -> None:
        if self._check is not None:
            self._check()


def normalise_url(url: str) -> str:
    """``https://host/`` → ``https://host``; refuse anything that is not http(s)."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SyncError(f"not an http(s) URL: {url!r}")
    return url


__all__ = [
    "Backoff",
    "Reply",
    "SyncHttp",
    "normalise_url",
    "parse_reply",
    "parse_retry_after",
    "stall_for",
]

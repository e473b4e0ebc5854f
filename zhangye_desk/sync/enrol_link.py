"""Enrolment links: a server address and a code in one line a cadre can paste (or scan).

The county's web page shows, for each new enrolment code, a link (and the same text as a QR
code) in either form (docs/protocol.md, "Enrolment links")::

    zhangye://enrol?server=https%3A%2F%2Fsync.example.gov.cn&code=K7QH-2M9D-XW4P
    https://sync.example.gov.cn/enrol?code=K7QH-2M9D-XW4P

In the second form the server is the link's scheme, host, port and any path before
``/enrol``. ``parse_link`` returns the two parts or raises ``BadAddress`` /
``BadEnrolLink``; ``check_address`` checks a typed address. Codes are compared the way the
server does (case, spaces and dashes do not matter), so only their length is checked here.
Nothing here imports Qt or talks to the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from .errors import SyncError

SCHEME = "zhangye"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_SEPARATORS = re.compile(r"[\s\-]+")


class BadAddress(SyncError):
    """What was typed as the server address is not an http(s) address."""

    code = "bad_address"


class BadEnrolLink(SyncError):
    """A pasted enrolment link is not one (no code, unknown form)."""

    code = "bad_enrol_link"


@dataclass(frozen=True)
class EnrolLink:
    server: str
    code: str


def normalise_code(code: str) -> str:
    """``k7qh 2m9d-xw4p`` → ``K7QH2M9DXW4P`` (what the user typed, for a length check)."""
    return _SEPARATORS.sub("", code).upper()


def looks_like_code(code: str) -> bool:
    cleaned = normalise_code(code)
    return len(cleaned) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in cleaned)


def check_address(address: str) -> str:
    """A typed server address as the engine wants it (``https://host[:port][/path]``).

    A bare host name gets ``https://``; anything else that is not http(s) with a host raises
    BadAddress.
    """
    text = address.strip().rstrip("/")
    if not text:
        raise BadAddress("no server address")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
        raise BadAddress(f"not a server address: {address!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise BadAddress(f"bad port in {address!r}") from exc
    return text


def parse_link(link: str) -> EnrolLink:
    """The server address and code of an enrolment link (either form, see the docstring)."""
    text = link.strip()
    parts = urlsplit(text)
    query = parse_qs(parts.query)
    codes = query.get("code") or []
    if not codes or not codes[0].strip():
        raise BadEnrolLink("the link has no enrolment code")
    code = codes[0].strip()
    if parts.scheme == SCHEME:
        if (parts.netloc or parts.path.strip("/")) != "enrol":
            raise BadEnrolLink(f"unknown link {parts.netloc or parts.path!r}")
        servers = query.get("server") or []
        if not servers:
            raise BadEnrolLink("the link has no server address")
        return EnrolLink(check_address(servers[0]), code)
    if parts.scheme in ("http", "https"):
        path = parts.path.rstrip("/")
        if not path.endswith("/enrol"):
            raise BadEnrolLink("the link does not point at an enrolment page")
        base = f"{parts.scheme}://{parts.netloc}{path[: -len('/enrol')]}"
        return EnrolLink(check_address(base), code)
    raise BadEnrolLink("not an enrolment link")


def make_link(server: str, code: str) -> str:
    """The ``zhangye://`` form, for the county web page and the tests."""
    return f"{SCHEME}://enrol?server={quote(server, safe='')}&code={quote(code, safe='')}"

"""Enrolment codes, device secrets, revocation, and admin passwords.

- An **enrolment code** is 12 characters from an alphabet without look-alikes (no 0/O, 1/I),
  shown as ``XXXX-XXXX-XXXX`` (60 random bits). Only its sha256 is stored; it is single-use,
  expires, and enrols a laptop into one township. Typing is forgiving: case, spaces and dashes
  do not matter.
- A **device secret** is ``secrets.token_urlsafe(32)``, handed out once at enrolment; the
  server stores its sha256 and compares in constant time. A revoked device answers 401
  ``revoked``, but only to a caller who knows the secret: a guesser learns nothing.
- **Admin passwords** (the web pages, later) are argon2id hashes.

Nothing secret is ever logged or stored in clear. Functions take a connection inside the
caller's transaction and never open one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from ..core.ids import new_id
from ..core.ids import now as epoch_now
from .db import ADMIN_ROLES, admin_user, device, enrol_code, township
from .errors import NotFound, ServiceError

log = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
CODE_GROUP = 4
MAX_DEVICE_NAME = 200


class AuthError(Exception):
    """A request without a valid device credential (``code``: unauthorized | revoked)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class EnrolError(Exception):
    """An enrolment code that cannot be used (``code``: code_unknown | code_used |
    code_expired)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Device:
    """An authenticated laptop."""

    id: str
    township_code: str
    name: str
    last_seen_at: int | None = None


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    secret: str
    township_code: str
    township_name: str


# --- enrolment codes -------------------------------------------------------------------------


def normalise_code(text: str) -> str:
    """What the user typed, without case, spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def code_hash(text: str) -> str:
    return hashlib.sha256(normalise_code(text).encode("ascii", "replace")).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def create_enrol_code(
    conn: Connection,
    township_code: str,
    ttl_s: int,
    *,
    now: int | None = None,
    created_by: str | None = None,
) -> str:
    """Make a single-use code that enrols one laptop into ``township_code``; returns it.

    The code is shown once: only its hash is stored. Raises NotFound for an unknown township.
    """
    if (
        conn.execute(select(township.c.code).where(township.c.code == township_code)).first()
        is None
    ):
        raise NotFound(f"unknown township {township_code!r}", field="township")
    if ttl_s <= 0:
        raise ServiceError("an enrolment code must live for a positive time", field="expires")
    at = epoch_now() if now is None else now
    code = new_code()
    conn.execute(
        enrol_code.insert().values(
            code_hash=code_hash(code),
            township_code=township_code,
            created_at=at,
            expires_at=at + ttl_s,
            created_by=created_by,
        )
    )
    log.info("enrolment code made for township %s, valid %d s", township_code, ttl_s)
    return code


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def enrol_device(
    conn: Connection, code: str, name: str, *, replica_id: str | None = None, now: int
) -> Enrolment:
    """Use ``code`` to enrol a laptop: a new device id and secret (returned once).

    Raises EnrolError. The code is consumed with a conditional UPDATE, so two laptops racing
    with one code cannot both succeed. A laptop whose reply was lost may ask again with the
    same code and ``replica_id`` while the code has not expired: it gets the same device with a
    new secret (the old one stops working), so a cut reply never burns the code.
    """
    row = conn.execute(select(enrol_code).where(enrol_code.c.code_hash == code_hash(code))).first()
    if row is None:
        raise EnrolError("code_unknown", "no such enrolment code")
    expired = row.expires_at <= now
    if row.used_at is not None:
        same_laptop = bool(replica_id) and row.replica_id == replica_id
        if same_laptop and not expired and row.device_id is not None:
            return _enrol_again(conn, row.device_id, row.township_code)
        raise EnrolError("code_used", "the enrolment code was already used")
    if expired:
        raise EnrolError("code_expired", "the enrolment code has expired")
    device_id = new_id()
    secret = secrets.token_urlsafe(32)
    conn.execute(
        device.insert().values(
            id=device_id,
            township_code=row.township_code,
            name=name.strip()[:MAX_DEVICE_NAME] or device_id,
            secret_hash=hash_secret(secret),
            enrolled_at=now,
            last_seen_at=now,
        )
    )
    claimed = conn.execute(
        update(enrol_code)
        .where(enrol_code.c.id == row.id, enrol_code.c.used_at.is_(None))
        .values(used_at=now, device_id=device_id, replica_id=replica_id)
    ).rowcount
    if claimed != 1:
        raise EnrolError("code_used", "the enrolment code was already used")
    log.info("device %s enrolled into township %s", device_id, row.township_code)
    return Enrolment(device_id, secret, row.township_code, _township_name(conn, row.township_code))


def _township_name(conn: Connection, code: str) -> str:
    return str(conn.execute(select(township.c.name).where(township.c.code == code)).scalar_one())


def _enrol_again(conn: Connection, device_id: str, township_code: str) -> Enrolment:
    revoked = conn.execute(select(device.c.revoked_at).where(device.c.id == device_id)).scalar()
    if revoked is not None:
        raise EnrolError("code_used", "the enrolment code was already used")
    secret = secrets.token_urlsafe(32)
    conn.execute(
        update(device).where(device.c.id == device_id).values(secret_hash=hash_secret(secret))
    )
    log.info("device %s asked again for its enrolment (a lost reply): new secret", device_id)
    return Enrolment(device_id, secret, township_code, _township_name(conn, township_code))


def revoke_device(conn: Connection, device_id: str, *, now: int | None = None) -> bool:
    """Revoke a laptop: its next request answers 401 ``revoked``. False if already revoked;
    NotFound for an unknown device."""
    if conn.execute(select(device.c.id).where(device.c.id == device_id)).first() is None:
        raise NotFound(f"unknown device {device_id!r}", field="device")
    changed = conn.execute(
        update(device)
        .where(device.c.id == device_id, device.c.revoked_at.is_(None))
        .values(revoked_at=epoch_now() if now is None else now)
    ).rowcount
    if changed:
        log.info("device %s revoked", device_id)
    return bool(changed)


def parse_authorization(header: str | None) -> tuple[str, str] | None:
    """``Bearer <device_id>.<secret>`` → (device_id, secret), or None if malformed."""
    if not header:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    device_id, sep, secret = credentials.strip().partition(".")
    if not sep or not device_id or not secret:
        return None
    return device_id, secret


def authenticate(conn: Connection, header: str | None) -> Device:
    """The device a request's Authorization header proves; raises AuthError. Read-only."""
    parsed = parse_authorization(header)
    if parsed is None:
        raise AuthError("unauthorized", "missing or malformed Authorization header")
    device_id, secret = parsed
    row = conn.execute(select(device).where(device.c.id == device_id)).first()
    # Compare against a dummy hash for unknown devices too: the answer time tells nothing.
    stored = row.secret_hash if row is not None else "0" * 64
    if not hmac.compare_digest(stored, hash_secret(secret)) or row is None:
        raise AuthError("unauthorized", "unknown device or wrong secret")
    if row.revoked_at is not None:
        raise AuthError("revoked", "this device was revoked; enrol it again with a new code")
    return Device(row.id, row.township_code, row.name, row.last_seen_at)


def touch_device(conn: Connection, device_id: str, *, now: int) -> None:
    """Record that the device was seen (the admin pages list when each laptop last synced)."""
    conn.execute(update(device).where(device.c.id == device_id).values(last_seen_at=now))


# --- admin users -----------------------------------------------------------------------------

_hasher = PasswordHasher()


def create_admin(
    conn: Connection,
    name: str,
    password: str,
    *,
    role: str = "county",
    township_code: str | None = None,
    now: int | None = None,
) -> int:
    """Add an admin user with an argon2id password hash; returns the user's id."""
    name = name.strip()
    if not name:
        raise ServiceError("the admin name must not be empty", field="name", code="admin_name")
    if role not in ADMIN_ROLES:
        raise ServiceError(f"role must be one of {', '.join(ADMIN_ROLES)}", field="role")
    if len(password) < 8:
        raise ServiceError("the password must have at least 8 characters", field="password")
    if role == "township" and township_code is None:
        raise ServiceError("a township admin needs a township", field="township")
    if conn.execute(select(admin_user.c.id).where(admin_user.c.name == name)).first():
        raise ServiceError(f"an admin called {name!r} exists already", field="name", code="exists")
    result = conn.execute(
        admin_user.insert().values(
            name=name,
            password_hash=_hasher.hash(password),
            role=role,
            township_code=township_code,
            created_at=epoch_now() if now is None else now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def verify_admin(conn: Connection, name: str, password: str) -> dict[str, object] | None:
    """The admin's id, name, role and township if the password is right, else None."""
    row = conn.execute(
        select(admin_user).where(
            admin_user.c.name == name.strip(), admin_user.c.disabled_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return {"id": row.id, "name": row.name, "role": row.role, "township_code": row.township_code}

"""HTTPS for the sync client: the operating system's trust store, plus an optional county CA.

Certificates are verified with ``truststore`` (Windows' certificate store, the Debian/UOS/Kylin
``ca-certificates`` folder), not with a CA bundle shipped inside the app that would go stale
on a laptop that is updated once a year. A county that runs its own certificate authority
adds its root certificate (PEM) in one of these places, first found wins:

1. the file named by the ``ZHANGYE_DESK_CA_FILE`` environment variable;
2. ``county-ca.pem`` in the data folder in use: the one the sync engine works on (given with
   ``--data-dir``, chosen at the first start, or ``ZHANGYE_DESK_DATA_DIR``), else the default;
3. ``county-ca.pem`` beside the packaged executable (the install or portable folder, so an
   IT admin can ship it with the app).

It is trusted *in addition to* the system's roots, never instead of them.

A certificate that fails only because it is not yet valid or has expired is, on a laptop that
spent weeks in the pasture, nearly always the laptop's clock: ``certificate_error`` turns it
into ``CertificateClockError`` so the user is told to set the date, not to call the county.
Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import os
import re
import ssl
import sys
from pathlib import Path
from typing import Any

import requests
import truststore
from requests.adapters import HTTPAdapter

from ..paths import data_paths, is_frozen
from .errors import CertificateClockError, CertificateError

log = logging.getLogger(__name__)

CA_FILE_ENV = "ZHANGYE_DESK_CA_FILE"
COUNTY_CA_FILENAME = "county-ca.pem"

# "Not yet valid" / "expired" as each verifier reports it:
# OpenSSL (Linux) X509_V_ERR_CERT_NOT_YET_VALID / _HAS_EXPIRED; Windows CERT_E_EXPIRED
# (0x800B0101, "not within its validity period"); macOS errSecCertificateExpired/NotValidYet.
CLOCK_VERIFY_CODES = frozenset({9, 10, 0x800B0101, -67818, -67819})
CLOCK_MESSAGE = re.compile(
    r"expired|not yet valid|validity period|not within its validity", re.IGNORECASE
)


def county_ca_file(data_dir: Path | None = None) -> Path | None:
    """The county CA file to trust besides the system's roots, or None (see the docstring).
    ``data_dir``: the data folder in use (None: the default one)."""
    configured = os.environ.get(CA_FILE_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            # A setting that points nowhere must not silently fall back: say so in the log,
            # and verification will fail for a county certificate, which the user is told.
            log.warning("%s=%s is not a file: system certificates only", CA_FILE_ENV, path)
            return None
        return path
    folder = data_paths().root if data_dir is None else Path(data_dir)
    candidates = [folder / COUNTY_CA_FILENAME]
    if is_frozen():
        candidates.append(Path(sys.executable).resolve().parent / COUNTY_CA_FILENAME)
    for path in candidates:
        if path.is_file():
            return path
    return None


def ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A client context that verifies against the OS trust store (and ``ca_file``)."""
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
        log.info("trusting the county CA in %s besides the system certificates", ca_file)
    return context


class TrustStoreAdapter(HTTPAdapter):
    """``requests`` transport that uses one ``truststore`` context for every HTTPS pool.

    ``requests`` would otherwise load certifi's bundle into each connection (``cert_verify``);
    trust comes from the context alone.
    """

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, False, cert)  # clears certifi's paths …
        if url.lower().startswith("https") and verify:
            conn.cert_reqs = "CERT_REQUIRED"  # … and verification stays on, by the context


def use_system_trust(session: requests.Session, ca_file: Path | None = None) -> None:
    """Mount the trust-store adapter on ``session`` for every ``https://`` URL."""
    session.mount("https://", TrustStoreAdapter(ssl_context(ca_file)))


def _verification_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The ``SSLCertVerificationError`` behind a requests/urllib3 error, if there is one."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return None


def is_clock_problem(error: ssl.SSLCertVerificationError) -> bool:
    """True when the certificate was refused for its dates (not yet valid, or expired)."""
    code = getattr(error, "verify_code", None)
    if isinstance(code, int) and {code, code & 0xFFFFFFFF} & CLOCK_VERIFY_CODES:
        return True
    message = str(getattr(error, "verify_message", "") or "") + " " + str(error)
    return bool(CLOCK_MESSAGE.search(message))


def certificate_error(exc: BaseException) -> CertificateError:
    """The typed error for a failed TLS handshake (the clock, or anything else)."""
    verification = _verification_error(exc)
    if verification is not None and is_clock_problem(verification):
        reason = getattr(verification, "verify_message", None) or str(verification)
        return CertificateClockError(f"certificate dates refused ({reason}): check the clock")
    reason = getattr(verification, "verify_message", None) if verification else None
    return CertificateError(f"TLS: {reason or type(exc).__name__}")

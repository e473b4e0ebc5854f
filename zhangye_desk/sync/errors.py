"""Errors a sync can end with, each with a stable ``code`` the CLI and the window translate.

These are environment errors (DESIGN §11, STYLE 11): no network, a captive portal, a busy
server, a revoked laptop … The message says what happened in English for the log; the user
sees the Chinese text the CLI catalogue (``cli.MESSAGES``) or the window's ``tr()`` keep under
the same code. None of them carries the device secret or an Authorization header.
Nothing here imports Qt.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error a sync or an enrolment can end with."""

    code = "sync_error"


class NoNetwork(SyncError):
    """The server could not be reached (or stopped answering) after every retry."""

    code = "no_network"


class CaptivePortal(SyncError):
    """Something answered that is not our server (an HTML login page, a redirect)."""

    code = "captive_portal"


class ServerBusy(SyncError):
    """The server kept answering 429/503 after every retry."""

    code = "server_busy"


class Unauthorized(SyncError):
    """The server does not know this laptop's credentials (401 unauthorized)."""

    code = "unauthorized"


class Revoked(SyncError):
    """The county revoked this laptop (401 revoked)."""

    code = "revoked"


class NotEnrolled(SyncError):
    """``sync`` before ``enrol``."""

    code = "not_enrolled"


class EnrolCodeRejected(SyncError):
    """The enrolment code is unknown, used or expired (403 code_*)."""

    code = "enrol_code_rejected"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # code_unknown | code_used | code_expired | bad_request


class ProtocolMismatch(SyncError):
    """The server speaks a protocol version this app does not (update one of them)."""

    code = "protocol_mismatch"


class CertificateError(SyncError):
    """The server's TLS certificate could not be verified."""

    code = "certificate_error"


class CertificateClockError(CertificateError):
    """The certificate looks expired or not yet valid because this laptop's clock is far off:
    the user should set the date and time, not call the county."""

    code = "certificate_clock"


class DiskFull(SyncError):
    """Not enough free disk for a download; nothing was written."""

    code = "download_disk_full"

    def __init__(self, message: str, *, needed: int, free: int) -> None:
        super().__init__(message)
        self.needed = needed
        self.free = free


class ServerError(SyncError):
    """The server answered with an error this client does not expect (a bug somewhere)."""

    code = "server_error"

    def __init__(self, message: str, *, status: int, error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error


class SyncAlreadyRunning(SyncError):
    """A second sync was started while one is still running."""

    code = "sync_running"


class TransientError(SyncError):
    """One failed attempt worth retrying (cut connection, stall, garbled reply, 5xx).

    Never reaches the user directly: the retry loop turns the last one into ``NoNetwork``,
    ``ServerBusy`` or ``CaptivePortal``.
    """

    code = "transient"

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status

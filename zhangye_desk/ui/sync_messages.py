"""Plain words for what a sync or an enrolment can end with, each saying what to do.

``sync_error_message(exc, pending=…)`` turns a ``sync.errors`` error (no network, a captive
portal, a revoked laptop, a wrong clock …) into a translated (title, text); ``warning_text``
does the same for a receipt's warnings, ``quarantine_reason`` and ``quarantine_advice`` for
what the server put in quarantine. The wording follows the CLI's catalogue (``cli.MESSAGES``)
so the window and the command line say the same thing. Used by the sync page and the
enrolment dialog; every string is in the frame catalogue (context ``SyncMessages``).
Nothing here runs a sync or touches the store.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from ..sync import errors
from ..sync.enrol_link import BadAddress, BadEnrolLink
from .messages import MessageRow, first_match, translated
from .messages import fill as _fill

MB = 1024 * 1024


def megabytes(size: int) -> str:
    """``12.3 MB`` (one decimal under 100 MB), for sizes shown to the user."""
    value = size / MB
    return f"{value:.1f} MB" if value < 100 else f"{value:.0f} MB"


# Errors whose message has no placeholders, in the order they are tried (a subclass before its
# base: CertificateClockError before CertificateError). Translated in ``first_match``.
_MESSAGES: tuple[MessageRow, ...] = (
    (
        errors.CaptivePortal,
        QT_TRANSLATE_NOOP("SyncMessages", "This network wants you to log in first"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "A login page answered instead of the county server (common on hotel, "
            "township-office and mobile hotspots). Open a web browser, log in to the "
            "network there, then click Sync again. Nothing was counted as uploaded.",
        ),
    ),
    (
        errors.NoNetwork,
        QT_TRANSLATE_NOOP("SyncMessages", "The server cannot be reached"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "There is no network, or the connection keeps dropping. What was already "
            "uploaded is saved on the server, and everything else is kept on this laptop. "
            "Check the network cable, Wi-Fi or mobile hotspot, then click Sync again — it "
            "continues where it stopped.",
        ),
    ),
    (
        errors.ServerBusy,
        QT_TRANSLATE_NOOP("SyncMessages", "The server is busy"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The county server has too much to do right now. Nothing is lost. Wait a few "
            "minutes, then click Sync again.",
        ),
    ),
    (
        errors.Unauthorized,
        QT_TRANSLATE_NOOP("SyncMessages", "The server does not know this laptop"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The server no longer recognises this laptop (it may have been reset). Every "
            "record is still here. Ask the county administrator for a new enrolment code "
            "and enrol again.",
        ),
    ),
    (
        errors.NotEnrolled,
        QT_TRANSLATE_NOOP("SyncMessages", "This laptop is not enrolled yet"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "Before the first sync this laptop must be enrolled with the county server. "
            "Click “Enrol with a server” and enter the address and the enrolment code "
            "(or paste the enrolment link) the county administrator gave you.",
        ),
    ),
    (
        errors.CertificateClockError,
        QT_TRANSLATE_NOOP("SyncMessages", "This laptop's date or time is wrong"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The server's security certificate cannot be checked because this laptop's "
            "date or time is far off. Set the correct date, time and time zone (Beijing "
            "time) in the computer's settings, then try again. Nothing was sent.",
        ),
    ),
    (
        errors.CertificateError,
        QT_TRANSLATE_NOOP("SyncMessages", "The server's certificate is not trusted"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The server's security certificate could not be verified, so nothing was sent "
            "(on some networks another machine pretends to be the server). Check that the "
            "address is exactly the one the county gave you, and try another network. If "
            "it keeps happening, call the county IT staff.",
        ),
    ),
    (
        errors.ProtocolMismatch,
        QT_TRANSLATE_NOOP("SyncMessages", "A newer version is needed"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The server and this app speak different versions of the sync protocol. "
            "Install the latest Zhangye Desk (ask the county for the installer); your "
            "records are kept.",
        ),
    ),
    (
        errors.SyncAlreadyRunning,
        QT_TRANSLATE_NOOP("SyncMessages", "A sync is already running"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "Another sync of this data folder is still running (maybe from the command "
            "line). Wait for it to finish, then try again.",
        ),
    ),
    (
        BadAddress,
        QT_TRANSLATE_NOOP("SyncMessages", "The server address is not valid"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The address should look like https://sync.example.gov.cn (as printed on the "
            "paper from the county). Check it for typing mistakes and try again.",
        ),
    ),
    (
        BadEnrolLink,
        QT_TRANSLATE_NOOP("SyncMessages", "This is not an enrolment link"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The pasted text is not a complete enrolment link. Copy the whole link from "
            "the county's page (it starts with zhangye:// or https:// and contains "
            "code=), or type the address and the code instead.",
        ),
    ),
)


def sync_error_message(exc: BaseException, *, pending: int = 0) -> tuple[str, str]:
    """A translated (title, text) for an error a sync or an enrolment ended with.

    ``pending``: how many changes this laptop still holds unsent (said when they are kept).
    """
    if isinstance(exc, errors.Revoked):
        text = QCoreApplication.translate(
            "SyncMessages",
            "The county administrator has stopped this laptop from syncing (for example "
            "because it was reported lost or replaced). The %1 changes not yet sent are kept "
            "on this laptop, together with every other record: nothing is deleted.\n\n"
            "Call the county administrator. Once they give you a new enrolment code, enrol "
            "again (Sync page › Enrol with a server) and the kept changes are sent.",
        )
        return (
            QCoreApplication.translate("SyncMessages", "This laptop was stopped by the county"),
            _fill(text, pending),
        )
    if isinstance(exc, errors.EnrolCodeRejected):
        return enrol_code_message(exc.reason)
    if isinstance(exc, errors.DiskFull):
        text = QCoreApplication.translate(
            "SyncMessages",
            "There is not enough free space on this laptop's disk: %1 are needed, %2 are "
            "free. Nothing was written and no record is affected.\n\n"
            "Free some space (delete videos you no longer need, empty the Recycle Bin) or "
            "defer large videos in the download queue, then try again.",
        )
        return (
            QCoreApplication.translate("SyncMessages", "The disk is too full for the download"),
            _fill(text, megabytes(exc.needed), megabytes(exc.free)),
        )
    if isinstance(exc, errors.ServerError) and exc.status == 404:
        return (
            QCoreApplication.translate("SyncMessages", "That is not the county sync server"),
            QCoreApplication.translate(
                "SyncMessages",
                "Something answered at this address, but it is not a Zhangye sync server. "
                "Check the address against the paper from the county and try again.",
            ),
        )
    known = first_match(exc, "SyncMessages", _MESSAGES)
    if known is not None:
        return known
    return (
        QCoreApplication.translate("SyncMessages", "The server answered with an error"),
        QCoreApplication.translate(
            "SyncMessages",
            "The sync stopped because the server answered in a way this app does not expect. "
            "Every record is kept on this laptop. Try again later; if it keeps happening, tell "
            "the county IT staff the details below.",
        ),
    )


# A refused enrolment code by the server's reason ("" for any other: a code it does not know).
_ENROL_CODE_MESSAGES: dict[str, tuple[object, object]] = {
    "code_used": (
        QT_TRANSLATE_NOOP("SyncMessages", "This enrolment code was already used"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "Each code enrols one laptop only, and this one has been used. Ask the county "
            "administrator for a new code.",
        ),
    ),
    "code_expired": (
        QT_TRANSLATE_NOOP("SyncMessages", "This enrolment code has expired"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "Enrolment codes are valid for a few days only. Ask the county administrator for "
            "a new code.",
        ),
    ),
    "": (
        QT_TRANSLATE_NOOP("SyncMessages", "The enrolment code is not right"),
        QT_TRANSLATE_NOOP(
            "SyncMessages",
            "The server does not know this code. Check it against the paper (the letters O "
            "and I are never used: type 0 or 1 is a mistake too), or ask the county "
            "administrator for a new code.",
        ),
    ),
}


def enrol_code_message(reason: str) -> tuple[str, str]:
    """A wrong, used or expired enrolment code (the server's ``403 code_*``)."""
    title, text = _ENROL_CODE_MESSAGES.get(reason, _ENROL_CODE_MESSAGES[""])
    return translated("SyncMessages", title, text)


def warning_text(warning: dict[str, Any]) -> str | None:
    """A receipt warning in words, or None for warnings the user need not see."""
    code = warning.get("code")
    if code == "clock_offset":
        minutes = max(round(abs(int(warning.get("seconds") or 0)) / 60), 1)
        text = QCoreApplication.translate(
            "SyncMessages",
            "This laptop's clock is about %1 minutes off the server's. Please set the correct "
            "date and time in the computer's settings; the sync itself is not affected, but "
            "session times recorded here may look wrong.",
        )
        return _fill(text, minutes)
    if code == "server_restored":
        return QCoreApplication.translate(
            "SyncMessages",
            "The server was restored from a backup; this laptop sent everything it holds "
            "again (the server removes duplicates).",
        )
    if code == "downloads_incomplete":
        return QCoreApplication.translate(
            "SyncMessages",
            "The connection dropped during the downloads. The records are synced; the "
            "material files continue with the next sync (what was downloaded is kept).",
        )
    if code == "download_disk_full":
        text = QCoreApplication.translate(
            "SyncMessages",
            "The disk is too full for the next material file (%1 needed, %2 free). Free some "
            "space or defer large videos; the records are synced.",
        )
        needed, free = int(warning.get("needed") or 0), int(warning.get("free") or 0)
        return _fill(text, megabytes(needed), megabytes(free))
    return None


def person_field(name: str) -> str:
    """A person field's name as the roster shows it (for conflicts the server reported)."""
    names = {
        "name": QCoreApplication.translate("SyncMessages", "name"),
        "gender": QCoreApplication.translate("SyncMessages", "gender"),
        "ethnicity": QCoreApplication.translate("SyncMessages", "ethnicity"),
        "birth_year": QCoreApplication.translate("SyncMessages", "year of birth"),
        "township_code": QCoreApplication.translate("SyncMessages", "township"),
        "village_code": QCoreApplication.translate("SyncMessages", "village"),
        "organisation_id": QCoreApplication.translate("SyncMessages", "party organisation"),
        "political_status": QCoreApplication.translate("SyncMessages", "political status"),
        "phone": QCoreApplication.translate("SyncMessages", "phone"),
    }
    return names.get(name, name)


def person_fields(names: list[str]) -> str:
    """``电话、村`` / ``phone, village``."""
    separator = QCoreApplication.translate("SyncMessages", ", ")
    return separator.join(person_field(name) for name in names)


def quarantine_reason(reason: str) -> str:
    """What the server's quarantine reason code means."""
    texts = {
        "township_mismatch": QCoreApplication.translate(
            "SyncMessages", "The session belongs to another township than this laptop"
        ),
        "unknown_session": QCoreApplication.translate(
            "SyncMessages", "The server does not have the session this record belongs to"
        ),
        "unknown_person": QCoreApplication.translate(
            "SyncMessages", "The server does not have this person"
        ),
        "session_closed": QCoreApplication.translate(
            "SyncMessages", "The session was already closed on the server"
        ),
        "already_exists": QCoreApplication.translate(
            "SyncMessages", "The server already has a different record with the same number"
        ),
        "invalid": QCoreApplication.translate(
            "SyncMessages", "A value in the record was not accepted"
        ),
        "conflict": QCoreApplication.translate(
            "SyncMessages", "Someone else changed the same details of this person"
        ),
    }
    return texts.get(
        reason, QCoreApplication.translate("SyncMessages", "The server could not apply it")
    )


def quarantine_advice(reason: str) -> str:
    """What the user can do about an issue of this kind."""
    if reason == "conflict":
        return QCoreApplication.translate(
            "SyncMessages",
            "The server kept the other value and yours is in the person's history. Check the "
            "person on the Roster page; if your value is right, tell the county administrator.",
        )
    if reason in ("township_mismatch", "unknown_person", "unknown_session"):
        return QCoreApplication.translate(
            "SyncMessages",
            "Nothing is lost: the county administrator sees this record and will sort it out. "
            "Tell them which session it is if they ask.",
        )
    return QCoreApplication.translate(
        "SyncMessages",
        "Nothing is lost: the record is kept on the server for the county administrator to "
        "check. You do not need to enter it again.",
    )

"""Translated names for the codes stored in the database (core/vocab.py).

Every page shows kinds, statuses and political statuses through these functions, so each
label is translated once. Unknown codes are shown as they are rather than hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


# Written out as QCoreApplication.translate("labels", …) each time: lupdate only sees literal
# calls, not a wrapper function.
def session_kind(code: str | None) -> str:
    names = {
        "tent": QCoreApplication.translate("labels", "Tent classroom"),
        "horseback": QCoreApplication.translate("labels", "Horseback classroom"),
        "study": QCoreApplication.translate("labels", "Group study"),
        "party_lecture": QCoreApplication.translate("labels", "Party lecture"),
        "party_day": QCoreApplication.translate("labels", "Party day"),
        "mobile": QCoreApplication.translate("labels", "Mobile lecture"),
    }
    return names.get(code or "", code or "")


def attendance_status(code: str | None) -> str:
    names = {
        "present": QCoreApplication.translate("labels", "Present"),
        "late": QCoreApplication.translate("labels", "Late"),
        "left_early": QCoreApplication.translate("labels", "Left early"),
        "removed": QCoreApplication.translate("labels", "Removed"),
    }
    return names.get(code or "", code or "")


def political_status(code: str | None) -> str:
    names = {
        "member": QCoreApplication.translate("labels", "Party member"),
        "probationary": QCoreApplication.translate("labels", "Probationary member"),
        "activist": QCoreApplication.translate("labels", "Activist"),
        "masses": QCoreApplication.translate("labels", "Masses"),
    }
    return names.get(code or "", code or "")


def session_state(code: str | None) -> str:
    names = {
        "open": QCoreApplication.translate("labels", "Open"),
        "closed": QCoreApplication.translate("labels", "Closed"),
    }
    return names.get(code or "", code or "")


def gender(code: str | None) -> str:
    names = {
        "M": QCoreApplication.translate("labels", "Male"),
        "F": QCoreApplication.translate("labels", "Female"),
    }
    return names.get(code or "", "")


def file_state(code: str | None) -> str:
    names = {
        "absent": QCoreApplication.translate("labels", "Not downloaded"),
        "partial": QCoreApplication.translate("labels", "Downloading"),
        "present": QCoreApplication.translate("labels", "On disk"),
    }
    return names.get(code or "", code or "")


def language(code: str | None) -> str:
    names = {
        "zh": QCoreApplication.translate("labels", "Chinese"),
        "bo": QCoreApplication.translate("labels", "Tibetan"),
        "mn": QCoreApplication.translate("labels", "Mongolian"),
        "ybe": QCoreApplication.translate("labels", "Western Yugur"),
        "yuy": QCoreApplication.translate("labels", "Eastern Yugur"),
        "mul": QCoreApplication.translate("labels", "Several languages"),
        "en": QCoreApplication.translate("labels", "English"),
    }
    return names.get(code or "", code or "")

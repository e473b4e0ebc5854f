"""Stable codes stored in the database and sent on the wire.

Labels for people live in the UI (``tr()``) and the CLI catalogue; codes never change.
"""

from __future__ import annotations

# Session kinds, first-class ones first (DESIGN §1).
SESSION_KINDS: tuple[str, ...] = (
    "tent",  # 帐篷课堂
    "horseback",  # 马背课堂
    "study",  # 集中学习
    "party_lecture",  # 专题党课
    "party_day",  # 主题党日
    "mobile",  # 流动宣讲
)

# Political status (政治面貌).
POLITICAL_STATUSES: tuple[str, ...] = ("member", "probationary", "activist", "masses")
# Who counts as a Party member for the participation rate (decisions.md: 预备党员 included).
PARTY_MEMBER_STATUSES: tuple[str, ...] = ("member", "probationary")

# Attendance event statuses; "removed" cancels an earlier mark.
ATTENDANCE_STATUSES: tuple[str, ...] = ("present", "late", "left_early", "removed")
ATTENDED_STATUSES: tuple[str, ...] = ("present", "late", "left_early")

SESSION_STATES: tuple[str, ...] = ("open", "closed")
ORGANISATION_KINDS: tuple[str, ...] = (
    "committee",
    "general_branch",
    "branch",
)  # 党委/党总支/党支部
FILE_STATES: tuple[str, ...] = ("absent", "partial", "present")
GENDERS: tuple[str, ...] = ("M", "F")
# A person's fields as laptops edit them, the wire carries them and the server stores them.
PERSON_FIELDS: tuple[str, ...] = (
    "name",
    "gender",
    "ethnicity",
    "birth_year",
    "township_code",
    "village_code",
    "organisation_id",
    "political_status",
    "phone",
)


def sql_in(values: tuple[str, ...]) -> str:
    """Render codes as a SQL literal list for CHECK constraints and filters (codes are ours)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"

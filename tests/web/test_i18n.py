"""Every text of the web pages exists in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

from zhangye_desk.core.vocab import (
    ATTENDANCE_STATUSES,
    POLITICAL_STATUSES,
    SESSION_KINDS,
    SESSION_STATES,
)
from zhangye_desk.server.db import ADMIN_ROLES
from zhangye_desk.server.web import i18n
from zhangye_desk.server.web.pages_dashboard import COLUMNS
from zhangye_desk.server.web.queries import BY_CHOICES

WEB = Path(i18n.__file__).parent
TEMPLATE_CALL = re.compile(r"""\b_\(\s*["']([^"']+)["']""")
LITERAL = re.compile(r"""["']([a-z_]+\.[A-Za-z0-9_.]+)["']""")


def _complete(msgid: str) -> bool:
    texts = i18n.MESSAGES.get(msgid, {})
    return all(texts.get(lang, "").strip() for lang in i18n.LANGUAGES)


def test_every_msgid_in_templates_has_both_languages() -> None:
    used = {
        msgid
        for template in WEB.glob("templates/**/*.html")
        for msgid in TEMPLATE_CALL.findall(template.read_text(encoding="utf-8"))
        if not msgid.endswith(".")  # built from a code: checked below
    }
    assert len(used) > 50
    assert sorted(m for m in used if not _complete(m)) == []


def test_every_msgid_in_the_code_has_both_languages() -> None:
    prefixes = {key.split(".")[0] for key in i18n.MESSAGES}
    used = {
        literal
        for module in WEB.glob("*.py")
        for literal in LITERAL.findall(module.read_text(encoding="utf-8"))
        if literal.split(".")[0] in prefixes
        and not literal.endswith(".")
        and not literal.endswith((".html", ".py", ".css", ".js"))  # file names
    }
    assert {"error.not_found", "login.failed", "error.csrf"} <= used
    assert sorted(m for m in used if not _complete(m)) == []


def test_codes_shown_through_the_catalogue_have_texts() -> None:
    families = {
        "kind": SESSION_KINDS,
        "status": ATTENDANCE_STATUSES,
        "political": POLITICAL_STATUSES,
        "state": SESSION_STATES,
        "role": ADMIN_ROLES,
        "by": BY_CHOICES,
        "group": BY_CHOICES,
        "col": COLUMNS,
        "gender": ("M", "F"),
    }
    missing = [
        f"{family}.{code}"
        for family, codes in families.items()
        for code in codes
        if not _complete(f"{family}.{code}")
    ]
    assert missing == []


def test_placeholders_agree_between_languages() -> None:
    field = re.compile(r"\{(\w+)\}")
    wrong = [
        msgid
        for msgid, texts in i18n.MESSAGES.items()
        if len({frozenset(field.findall(text)) for text in texts.values()}) > 1
    ]
    assert wrong == []


def test_unknown_language_falls_back_to_chinese() -> None:
    assert i18n.gettext("zh_CN", "nav.stats") == "统计"
    assert i18n.gettext("en", "nav.stats") == "Statistics"

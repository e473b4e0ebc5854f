"""What a ``ServiceError`` says to a person, Chinese first: one catalogue for the web pages and
the ``zhangye-server`` command line.

The service functions (``service``, ``admin``, ``auth``) raise ``ServiceError`` with an English
message for the log and a ``code``/``field``; ``describe(lang, exc)`` picks the text by code
first (unless it is the generic ``invalid``), then by field, so nobody sees the English
message. The web pages hold these texts as ``admin.err.<key>`` (``web/i18n_admin.py`` merges
``TEXTS``); tests/server/test_error_texts.py checks that every error the service functions can
raise has one. Nothing here imports FastAPI.
"""

from __future__ import annotations

import logging

from .errors import ServiceError

log = logging.getLogger(__name__)

# key ("<code>" or "field.<field>") -> (Chinese, English)
TEXTS: dict[str, tuple[str, str]] = {
    # --- by code ---
    "generic": (
        "提交的内容不正确，没有做任何修改。请检查后再试；如果一直这样，请联系县里的信息技术人员。",
        "The request is not valid; nothing was changed. Check it and try again; if it keeps "
        "happening, tell the county IT staff.",
    ),
    "stale": (
        "这条记录刚被别人修改过。请查看最新内容后再修改。",
        "Someone changed this record meanwhile. Look at the latest version and try again.",
    ),
    "deleted": ("此人已被删除或合并，不能再修改。", "This person was deleted or merged."),
    "forbidden": (
        "只能处理您管理的乡镇的内容；全县范围的操作请联系县委组织部。",
        "You can only act for your own township; ask the county office for county-wide ones.",
    ),
    "not_found": (
        "找不到这条记录，可能不在您管辖的乡镇。",
        "The record was not found, or it is outside your township.",
    ),
    "resolved": ("这条记录已经处理过了。", "This item was already resolved."),
    "revoked": (
        "发来这条记录的电脑已停用，不能重新应用。请写明原因后不采用。",
        "The laptop that sent it was revoked; it cannot be re-applied. Dismiss it instead.",
    ),
    "note_required": ("请写明不采用的原因。", "Write a short note saying why it is dismissed."),
    "empty": ("文件是空的，请重新选择。", "The file is empty. Choose another."),
    "retired": (
        "这份资料已停用，不能再发布。请重新上传。",
        "This material was retired; upload it again.",
    ),
    "same_person": (
        "不能把一个人合并到他自己。请选择另一条记录作为要保留的人员。",
        "A person cannot be merged into themselves. Choose another record to keep.",
    ),
    "choice_missing": (
        "请为每一个有冲突的项目选择要保留的内容，然后再提交。",
        "Choose which value to keep for every conflicting field, then submit again.",
    ),
    "choice_invalid": (
        "所选的内容不属于这条冲突，请刷新页面后重新选择。",
        "That choice is not part of this conflict. Reload the page and choose again.",
    ),
    "admin_name": (
        "管理员用户名不能为空，请填写一个用户名。",
        "The admin's user name must not be empty.",
    ),
    "exists": (
        "已经有一个叫这个名字的管理员，请换一个用户名。",
        "An admin with this user name exists already. Choose another name.",
    ),
    # --- by field ---
    "field.name": (
        "姓名不能为空，最多 64 个字。",
        "The name must not be empty (at most 64 characters).",
    ),
    "field.gender": ("性别请选择“男”或“女”。", "Choose male or female."),
    "field.ethnicity": ("民族最多 20 个字。", "Ethnicity: at most 20 characters."),
    "field.birth_year": (
        "出生年份请填写 1900 年至今年之间的四位数字，如 1985。",
        "Birth year: four digits between 1900 and this year, e.g. 1985.",
    ),
    "field.political_status": ("请选择政治面貌。", "Choose a political status."),
    "field.phone": (
        "联系电话只能包含数字（可带“-”），最多 24 位。",
        "The phone number may only contain digits (at most 24).",
    ),
    "field.township_code": ("请选择乡镇。", "Choose a township."),
    "field.village_code": (
        "所选的村不属于所选乡镇，请重新选择村。",
        "The village is not in that township.",
    ),
    "field.organisation_id": (
        "找不到所选的党组织，请重新选择。",
        "The Party organisation was not found.",
    ),
    "field.title": ("请填写标题（最多 200 字）。", "Write a title (at most 200)."),
    "field.topic": ("主题最多 100 字，请缩短。", "The topic may have at most 100 characters."),
    "field.priority": (
        "优先级请填写 0–100 之间的整数。",
        "Priority must be a whole number from 0 to 100.",
    ),
    "field.language": ("请选择资料的语言。", "Choose the material's language."),
    "field.note": ("备注最多 500 字。", "The note may have at most 500 characters."),
    "field.township": ("请选择乡镇。", "Choose a township."),
    "field.ttl": ("请选择有效时间。", "Choose how long the code is valid."),
    "field.expires": (
        "有效时间必须大于零，例如 7d（7 天）。",
        "The code must be valid for some time, e.g. 7d.",
    ),
    "field.winner": (
        "要保留的人员已被删除或合并，请刷新页面。",
        "The person to keep was deleted or merged; reload the page.",
    ),
    "field.loser": (
        "要合并的人员已被合并过，请刷新页面。",
        "That person was already merged; reload the page.",
    ),
    "field.id": (
        "这条记录无法识别，请刷新页面后重试。",
        "This record is not recognised; reload the page.",
    ),
    "field.path": (
        "找不到要发布的文件，请检查文件路径。",
        "The file to publish was not found; check the path.",
    ),
    "field.role": (
        "角色只能是 county（县级）、township（乡镇）或 viewer（只读）。",
        "The role must be county, township or viewer.",
    ),
    "field.password": ("密码至少要 8 个字符。", "The password needs at least 8 characters."),
}


def key_for(exc: ServiceError) -> str:
    """The ``TEXTS`` key ``describe`` uses for ``exc`` (``generic`` when none fits)."""
    candidates = [] if exc.code == "invalid" else [exc.code]
    if exc.field:
        candidates.append(f"field.{exc.field}")
    for key in candidates:
        if key in TEXTS:
            return key
    return "generic"


def describe(lang: str, exc: ServiceError) -> str:
    """The text for ``exc`` in ``lang`` ("zh_CN" unless "en")."""
    key = key_for(exc)
    if key == "generic":
        # A text is missing for this error: the person sees the general one, the log says why.
        log.warning("no text for service error %r (code %s, field %s)", exc, exc.code, exc.field)
    zh, en = TEXTS[key]
    return en if lang == "en" else zh

"""The web pages' translation catalogue: Chinese first (zh_CN, the default), English available.

``MESSAGES`` maps a msgid (a short dotted English key) to its texts per language; H7b's pages
keep theirs in ``i18n_admin.ADMIN_MESSAGES``, merged here. ``gettext(lang, msgid, **kw)`` formats
the text with ``str.format``; an unknown msgid is a bug (KeyError), caught by
tests/web/test_i18n.py, which also checks that every msgid used in templates and code has both
languages. The language comes from ``?lang=`` (remembered in a cookie) or the cookie.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from .i18n_admin import ADMIN_MESSAGES

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LANG_COOKIE = "zd_lang"

MESSAGES: dict[str, dict[str, str]] = {
    # --- frame ---
    "app.title": {"zh_CN": "张掖流动课堂 · 县委组织部", "en": "Zhangye Desk · County office"},
    "nav.stats": {"zh_CN": "统计", "en": "Statistics"},
    "nav.exports": {"zh_CN": "导出", "en": "Exports"},
    "nav.roster": {"zh_CN": "花名册", "en": "Roster"},
    "nav.duplicates": {"zh_CN": "重复人员", "en": "Duplicates"},
    "nav.conflicts": {"zh_CN": "冲突审核", "en": "Conflicts"},
    "nav.materials": {"zh_CN": "资料", "en": "Materials"},
    "nav.devices": {"zh_CN": "笔记本电脑", "en": "Laptops"},
    "nav.quarantine": {"zh_CN": "隔离记录", "en": "Quarantine"},
    "nav.logout": {"zh_CN": "退出", "en": "Sign out"},
    "nav.language": {"zh_CN": "English", "en": "中文"},
    "role.county": {"zh_CN": "县级管理员", "en": "County admin"},
    "role.township": {"zh_CN": "乡镇管理员", "en": "Township admin"},
    "role.viewer": {"zh_CN": "只读用户", "en": "Viewer"},
    "common.all": {"zh_CN": "全部", "en": "All"},
    "common.back": {"zh_CN": "返回", "en": "Back"},
    "common.none": {"zh_CN": "无", "en": "None"},
    "common.apply": {"zh_CN": "查询", "en": "Apply"},
    "common.download": {"zh_CN": "下载", "en": "Download"},
    "common.unknown": {"zh_CN": "未知", "en": "Unknown"},
    # --- sign in ---
    "login.title": {"zh_CN": "登录", "en": "Sign in"},
    "login.name": {"zh_CN": "用户名", "en": "User name"},
    "login.password": {"zh_CN": "密码", "en": "Password"},
    "login.submit": {"zh_CN": "登录", "en": "Sign in"},
    "login.failed": {
        "zh_CN": "用户名或密码不对，请重新输入。",
        "en": "The user name or password is wrong. Please try again.",
    },
    "login.rate_limited": {
        "zh_CN": "登录失败次数太多，请 {minutes} 分钟后再试。",
        "en": "Too many failed sign-ins. Please try again in {minutes} minutes.",
    },
    "login.expired": {
        "zh_CN": "登录已过期，请重新登录。",
        "en": "Your sign-in has expired. Please sign in again.",
    },
    "login.signed_out": {"zh_CN": "已退出。", "en": "You have signed out."},
    # --- errors ---
    "error.title": {"zh_CN": "出错了", "en": "Something went wrong"},
    "error.forbidden": {
        "zh_CN": "您的账号没有这项操作的权限。如需办理，请联系县委组织部管理员。",
        "en": "Your account may not do this. Ask a county administrator if you need it.",
    },
    "error.not_found": {
        "zh_CN": "找不到这个页面或记录，可能不在您管辖的乡镇。",
        "en": "This page or record was not found, or it is outside your township.",
    },
    "error.no_page": {
        "zh_CN": "没有这个页面。请检查网址是否输入正确，或回到首页重新进入。",
        "en": "There is no such page. Check the address, or start again from the home page.",
    },
    "error.http": {
        "zh_CN": "这个页面不能这样打开（错误 {status}）。请回到首页，用页面上的链接和按钮操作。",
        "en": "This page cannot be opened this way (error {status}). Go back to the home page "
        "and use its links and buttons.",
    },
    "error.too_large": {
        "zh_CN": "提交的内容太大（最多 {mb} MB），没有保存。请减少内容后再提交。",
        "en": "What was sent is too large (at most {mb} MB) and was not saved. Send less at "
        "once.",
    },
    "error.csrf": {
        "zh_CN": "表单已失效，请刷新页面后重新提交。",
        "en": "The form has expired. Reload the page and submit it again.",
    },
    "error.bad_request": {
        "zh_CN": "提交的内容不正确：{detail}",
        "en": "The request is not valid: {detail}",
    },
    "error.bad_date": {
        "zh_CN": "日期格式不对，请按 2026-03-01 的格式填写。",
        "en": "The date is not valid. Write it like 2026-03-01.",
    },
    "error.date_order": {
        "zh_CN": "结束日期早于开始日期，请调整。",
        "en": "The end date is before the start date.",
    },
    "error.bad_choice": {
        "zh_CN": "选择的项目不存在，请重新选择。",
        "en": "That choice does not exist. Please choose again.",
    },
    # --- vocabulary ---
    "kind.tent": {"zh_CN": "帐篷课堂", "en": "Tent classroom"},
    "kind.horseback": {"zh_CN": "马背课堂", "en": "Horseback classroom"},
    "kind.study": {"zh_CN": "集中学习", "en": "Group study"},
    "kind.party_lecture": {"zh_CN": "专题党课", "en": "Party lecture"},
    "kind.party_day": {"zh_CN": "主题党日", "en": "Party day"},
    "kind.mobile": {"zh_CN": "流动宣讲", "en": "Mobile lecture"},
    "status.present": {"zh_CN": "出席", "en": "Present"},
    "status.late": {"zh_CN": "迟到", "en": "Late"},
    "status.left_early": {"zh_CN": "早退", "en": "Left early"},
    "status.removed": {"zh_CN": "已撤销", "en": "Removed"},
    "political.member": {"zh_CN": "中共党员", "en": "Party member"},
    "political.probationary": {"zh_CN": "预备党员", "en": "Probationary member"},
    "political.activist": {"zh_CN": "入党积极分子", "en": "Activist"},
    "political.masses": {"zh_CN": "群众", "en": "Non-member"},
    "gender.M": {"zh_CN": "男", "en": "Male"},
    "gender.F": {"zh_CN": "女", "en": "Female"},
    "state.open": {"zh_CN": "进行中", "en": "Open"},
    "state.closed": {"zh_CN": "已结束", "en": "Closed"},
    # --- statistics ---
    "by.township": {"zh_CN": "按乡镇", "en": "By township"},
    "by.organisation": {"zh_CN": "按党组织", "en": "By organisation"},
    "by.kind": {"zh_CN": "按课堂类型", "en": "By session kind"},
    "by.topic": {"zh_CN": "按主题", "en": "By topic"},
    "by.month": {"zh_CN": "按月份", "en": "By month"},
    "group.township": {"zh_CN": "乡镇", "en": "Township"},
    "group.organisation": {"zh_CN": "党组织", "en": "Organisation"},
    "group.kind": {"zh_CN": "课堂类型", "en": "Session kind"},
    "group.topic": {"zh_CN": "主题", "en": "Topic"},
    "group.month": {"zh_CN": "月份", "en": "Month"},
    "group.village": {"zh_CN": "村", "en": "Village"},
    "group.no_organisation": {"zh_CN": "未填党组织", "en": "No organisation"},
    "group.no_topic": {"zh_CN": "未填主题", "en": "No topic"},
    "group.no_village": {"zh_CN": "未填村", "en": "No village"},
    "col.sessions": {"zh_CN": "场次", "en": "Sessions"},
    "col.participant_times": {"zh_CN": "人次", "en": "Participant-times"},
    "col.registered_participant_times": {"zh_CN": "登记人次", "en": "Registered"},
    "col.unregistered_headcount": {"zh_CN": "未登记人次", "en": "Unregistered"},
    "col.unique_participants": {"zh_CN": "人数", "en": "Participants"},
    "col.party_members": {"zh_CN": "党员数", "en": "Party members"},
    "col.party_members_attended": {"zh_CN": "参学党员数", "en": "Members attended"},
    "col.participation_rate": {"zh_CN": "参与率", "en": "Participation rate"},
    "col.totals": {"zh_CN": "合计", "en": "Total"},
    "dash.title": {"zh_CN": "学习统计", "en": "Attendance statistics"},
    "dash.from": {"zh_CN": "开始日期", "en": "From"},
    "dash.to": {"zh_CN": "结束日期", "en": "To"},
    "dash.township": {"zh_CN": "乡镇", "en": "Township"},
    "dash.all_townships": {"zh_CN": "全县", "en": "Whole county"},
    "dash.period": {"zh_CN": "{start} 至 {end}", "en": "{start} to {end}"},
    "dash.chart_sessions": {"zh_CN": "场次", "en": "Sessions"},
    "dash.chart_times": {"zh_CN": "人次", "en": "Participant-times"},
    "dash.no_rows": {"zh_CN": "这段时间没有记录。", "en": "Nothing recorded in this period."},
    "dash.drill_hint": {
        "zh_CN": "点击乡镇名称查看各村和每一场课堂。",
        "en": "Click a township to see its villages and every session.",
    },
    "dash.export_xlsx": {"zh_CN": "导出 Excel", "en": "Export Excel"},
    "dash.export_csv": {"zh_CN": "导出 CSV", "en": "Export CSV"},
    "drill.villages": {"zh_CN": "各村情况", "en": "Villages"},
    "drill.sessions": {"zh_CN": "课堂列表", "en": "Sessions"},
    "drill.limited": {
        "zh_CN": "只显示最近的 {count} 场，请缩短时间段查看更早的课堂。",
        "en": "Only the latest {count} are shown; narrow the period to see earlier ones.",
    },
    "session.when": {"zh_CN": "时间", "en": "When"},
    "session.title": {"zh_CN": "课堂名称", "en": "Title"},
    "session.kind": {"zh_CN": "类型", "en": "Kind"},
    "session.topic": {"zh_CN": "主题", "en": "Topic"},
    "session.starts": {"zh_CN": "开始时间", "en": "Starts"},
    "session.ends": {"zh_CN": "结束时间", "en": "Ends"},
    "session.township": {"zh_CN": "乡镇", "en": "Township"},
    "session.village": {"zh_CN": "村", "en": "Village"},
    "session.place": {"zh_CN": "地点", "en": "Place"},
    "session.coordinates": {"zh_CN": "坐标", "en": "Coordinates"},
    "session.lecturers": {"zh_CN": "宣讲人", "en": "Lecturers"},
    "session.headcount": {"zh_CN": "未登记人数", "en": "Unregistered headcount"},
    "session.notes": {"zh_CN": "备注", "en": "Notes"},
    "session.state": {"zh_CN": "状态", "en": "State"},
    "session.laptop": {"zh_CN": "记录电脑", "en": "Laptop"},
    "session.recorded_at": {"zh_CN": "电脑上创建时间", "en": "Created on the laptop"},
    "session.synced_at": {"zh_CN": "同步到服务器时间", "en": "Synced to the server"},
    "session.attendees": {"zh_CN": "签到人员（{count} 人）", "en": "Attendees ({count})"},
    "session.materials": {"zh_CN": "播放的资料", "en": "Materials shown"},
    "session.no_materials": {"zh_CN": "没有播放资料。", "en": "No materials were shown."},
    "session.no_attendees": {"zh_CN": "没有登记的签到。", "en": "No one was registered."},
    "session.unknown_material": {
        "zh_CN": "（电脑上自行添加的资料）", "en": "(added on the laptop)"
    },
    "session.sign_in_xlsx": {"zh_CN": "下载签到表 Excel", "en": "Sign-in sheet (Excel)"},
    "session.sign_in_csv": {"zh_CN": "下载签到表 CSV", "en": "Sign-in sheet (CSV)"},
    "person.name": {"zh_CN": "姓名", "en": "Name"},
    "person.gender": {"zh_CN": "性别", "en": "Gender"},
    "person.ethnicity": {"zh_CN": "民族", "en": "Ethnicity"},
    "person.birth_year": {"zh_CN": "出生年份", "en": "Born"},
    "person.village": {"zh_CN": "村", "en": "Village"},
    "person.organisation": {"zh_CN": "党组织", "en": "Organisation"},
    "person.political_status": {"zh_CN": "政治面貌", "en": "Political status"},
    "person.status": {"zh_CN": "签到情况", "en": "Attendance"},
    "person.marked_at": {"zh_CN": "签到时间", "en": "Marked at"},
    "person.signature": {"zh_CN": "本人签名", "en": "Signature"},
    "person.number": {"zh_CN": "序号", "en": "No."},
    "material.title": {"zh_CN": "资料名称", "en": "Title"},
    "material.language": {"zh_CN": "语言", "en": "Language"},
    "material.shown_at": {"zh_CN": "播放时间", "en": "Shown at"},
    "material.by": {"zh_CN": "播放人", "en": "By"},
    # --- exports ---
    "export.generated": {"zh_CN": "导出时间 {at}", "en": "Exported {at}"},
    "export.stats_file": {"zh_CN": "学习统计", "en": "statistics"},
    "export.sign_in_file": {"zh_CN": "签到表", "en": "sign-in sheet"},
    "export.stats_heading": {"zh_CN": "统计报表", "en": "Statistics report"},
    "export.stats_hint": {
        "zh_CN": "完整报表按乡镇、党组织、课堂类型、主题、月份各一页，每页最后一行是合计；"
        "也可以只导出其中一种分组。CSV 文件可用 Excel 直接打开。数据多时第一次导出要等一会儿。",
        "en": "The full report has one sheet per grouping (township, organisation, kind, "
        "topic, month), each ending with the totals; or export one grouping. CSV files open "
        "directly in Excel. With much data the first export of a period takes a while.",
    },
    "export.sign_in_heading": {"zh_CN": "签到表", "en": "Sign-in sheets"},
    "export.sign_in_hint": {
        "zh_CN": "每一场课堂的签到表在课堂页面下载：统计 → 乡镇 → 村 → 课堂。",
        "en": "Each session's sign-in sheet is downloaded from its page: "
        "Statistics → township → village → session.",
    },
}
MESSAGES.update(ADMIN_MESSAGES)


def gettext(lang: str, msgid: str, **kw: Any) -> str:
    """The text of ``msgid`` in ``lang`` (zh_CN when missing), formatted with ``kw``."""
    texts = MESSAGES[msgid]
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return text.format(**kw) if kw else text


def request_language(request: Request) -> str:
    """``?lang=`` first, then the cookie, then Chinese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE

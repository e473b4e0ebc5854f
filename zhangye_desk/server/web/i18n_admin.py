"""Texts of the administration pages (roster, duplicates, conflicts, materials, laptops,
quarantine): msgid → {"zh_CN": …, "en": …}, merged into ``i18n.MESSAGES``.

Some msgids are built from a value (``"admin.status." + code``, ``"admin.err.field." + field``):
tests/web/test_admin_pages.py checks that every value those pages can meet has its text.
"""

from __future__ import annotations

from ..error_texts import TEXTS as SERVICE_ERROR_TEXTS


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh_CN": zh, "en": en}


ADMIN_MESSAGES: dict[str, dict[str, str]] = {
    # --- columns, vocabularies ---
    "admin.column.name": _m("姓名", "Name"),
    "admin.column.gender": _m("性别", "Gender"),
    "admin.column.ethnicity": _m("民族", "Ethnicity"),
    "admin.column.birth_year": _m("出生年份", "Birth year"),
    "admin.column.township": _m("乡镇", "Township"),
    "admin.column.village": _m("村（社区）", "Village"),
    "admin.column.organisation": _m("党组织", "Party organisation"),
    "admin.column.political_status": _m("政治面貌", "Political status"),
    "admin.column.phone": _m("联系电话", "Phone"),
    "admin.gender.M": _m("男", "Male"),
    "admin.gender.F": _m("女", "Female"),
    "admin.status.member": _m("党员", "Party member"),
    "admin.status.probationary": _m("预备党员", "Probationary member"),
    "admin.status.activist": _m("入党积极分子", "Activist"),
    "admin.status.masses": _m("群众", "Non-member"),
    "admin.origin.server": _m("管理页面录入", "Entered on these pages"),
    "admin.origin.import": _m("花名册导入", "Roster import"),
    "admin.origin.laptop": _m("笔记本电脑现场登记", "Registered on a laptop"),
    "admin.field.name": _m("姓名", "name"),
    "admin.field.gender": _m("性别", "gender"),
    "admin.field.ethnicity": _m("民族", "ethnicity"),
    "admin.field.birth_year": _m("出生年份", "birth year"),
    "admin.field.township_code": _m("乡镇", "township"),
    "admin.field.village_code": _m("村", "village"),
    "admin.field.organisation_id": _m("党组织", "Party organisation"),
    "admin.field.political_status": _m("政治面貌", "political status"),
    "admin.field.phone": _m("联系电话", "phone"),
    "admin.field.deleted": _m("已删除", "deleted"),
    "admin.field.merged_into": _m("合并到", "merged into"),
    "admin.attendance.present": _m("到场", "present"),
    "admin.attendance.late": _m("迟到", "late"),
    "admin.attendance.left_early": _m("早退", "left early"),
    "admin.attendance.removed": _m("取消签到", "removed"),
    # --- roster list and import ---
    "admin.roster.search": _m("按姓名查找", "Find by name"),
    "admin.roster.count": _m("共 {total} 人", "{total} people"),
    "admin.roster.empty": _m("没有找到人员。", "No people found."),
    "admin.roster.import": _m("导入花名册", "Import a roster"),
    "admin.roster.import_help": _m(
        "选择 Excel（.xlsx）或 CSV 文件。先检查，确认无误后再导入；文件有任何错误都不会导入。",
        "Choose an Excel (.xlsx) or CSV file. It is checked first and imported only when it "
        "has no errors.",
    ),
    "admin.roster.file": _m("花名册文件", "Roster file"),
    "admin.roster.check": _m("检查文件", "Check the file"),
    "admin.roster.no_file": _m("请先选择花名册文件。", "Choose a roster file first."),
    "admin.roster.too_large": _m(
        "文件太大（最多 {mb} MB）。请把花名册分成几个文件导入。",
        "The file is too large (at most {mb} MB). Split the roster into several files.",
    ),
    "admin.materials.too_large": _m(
        "文件太大（最多 {mb} MB），没有上传。请把视频压缩（降低分辨率）或分成几段，再分别上传。",
        "The file is too large (at most {mb} MB) and was not uploaded. Compress the video (a "
        "lower resolution) or split it into parts, then upload them one by one.",
    ),
    "admin.roster.upload_gone": _m(
        "检查过的文件已过期，请重新选择文件检查后再导入。",
        "The checked file has expired. Choose the file and check it again.",
    ),
    "admin.roster.imported": _m(
        "花名册已导入：新增 {added} 人，更新 {updated} 人，{unchanged} 人没有变化，"
        "{duplicates} 人可能重复（请到“重复人员”核对）。",
        "Roster imported: {added} added, {updated} updated, {unchanged} unchanged, "
        "{duplicates} possible duplicates (see Duplicates).",
    ),
    "admin.preview.title": _m("花名册检查结果", "Roster check"),
    "admin.preview.has_errors": _m(
        "文件中有 {count} 处错误，没有导入任何人员。请按下表改正后重新检查。",
        "The file has {count} errors; nothing was imported. Fix them and check it again.",
    ),
    "admin.preview.row": _m("行", "Row"),
    "admin.preview.column": _m("列", "Column"),
    "admin.preview.problem": _m("问题", "Problem"),
    "admin.preview.fix_and_retry": _m(
        "在 Excel 中改正后保存，再选择文件检查。",
        "Correct the file in Excel, save it and check it again.",
    ),
    "admin.preview.clean": _m(
        "文件检查通过，共 {count} 人。还没有导入：请核对后点击“导入”。",
        "The file is clean: {count} people. Nothing is imported yet: check and press Import.",
    ),
    "admin.preview.added": _m("新增 {count} 人", "{count} to add"),
    "admin.preview.updated": _m("更新 {count} 人", "{count} to update"),
    "admin.preview.unchanged": _m("{count} 人没有变化", "{count} unchanged"),
    "admin.preview.duplicates": _m(
        "{count} 人可能与已有人员重复", "{count} may duplicate people on the roster"
    ),
    "admin.preview.import": _m("导入这 {count} 人", "Import these {count} people"),
    "admin.preview.cancel": _m("取消", "Cancel"),
    "admin.preview.rows": _m(
        "检查通过的人员（显示 {shown} / {total} 人）",
        "People without errors ({shown} of {total} shown)",
    ),
    # --- one person ---
    "admin.person.version": _m("（第 {version} 版）", "(version {version})"),
    "admin.person.merged": _m(
        "此人已合并到另一条记录，不能再修改。", "This person was merged into another record."
    ),
    "admin.person.deleted": _m("此人已删除，不能再修改。", "This person was deleted."),
    "admin.person.save": _m("保存", "Save"),
    "admin.person.save_help": _m(
        "保存后，各笔记本电脑下次同步时更新。", "Laptops receive the change at their next sync."
    ),
    "admin.person.origin": _m("来源", "Source"),
    "admin.person.created": _m("登记时间", "Added"),
    "admin.person.updated": _m("最后修改", "Last changed"),
    "admin.person.saved": _m("已保存（第 {version} 版）。", "Saved (version {version})."),
    "admin.person.unchanged": _m("没有修改任何内容。", "Nothing was changed."),
    "admin.history.title": _m("修改记录", "History"),
    "admin.history.version": _m("版本", "Version"),
    "admin.history.outcome": _m("类型", "Kind"),
    "admin.history.fields": _m("修改内容", "Changes"),
    "admin.history.who": _m("修改人", "By"),
    "admin.history.when": _m("时间", "When"),
    "admin.history.laptop": _m("笔记本电脑", "laptop"),
    "admin.outcome.created": _m("新建", "created"),
    "admin.outcome.edited": _m("修改", "edited"),
    "admin.outcome.concurrent": _m("同时修改（已合并）", "concurrent edit (merged)"),
    "admin.outcome.conflict": _m("冲突（未采用）", "conflict (not applied)"),
    "admin.outcome.after_delete": _m("删除后的修改（未采用）", "edit after deletion (not applied)"),
    "admin.outcome.deleted": _m("删除", "deleted"),
    "admin.outcome.merged": _m("合并", "merged"),
    # --- duplicates ---
    "admin.duplicates.help": _m(
        "下列人员姓名、出生年份和乡镇相同，可能是同一个人。合并后，被合并者的签到记录都算在保留者名下。",
        "These people share name, birth year and township and may be one person. After a "
        "merge, the merged person's attendance counts for the one kept.",
    ),
    "admin.duplicates.keep": _m(
        "保留{name}（{created} 登记），合并另一条", "Keep {name} (added {created}), merge the other"
    ),
    "admin.duplicates.distinct": _m("不是同一个人", "Not the same person"),
    "admin.duplicates.none": _m("没有待核对的重复人员。", "No possible duplicates to review."),
    "admin.duplicates.merged": _m(
        "已合并。各笔记本电脑下次同步时更新。", "Merged. Laptops receive it at their next sync."
    ),
    "admin.duplicates.dismissed": _m("已标记为两个不同的人。", "Marked as two different people."),
    # --- review queue ---
    "admin.review.open": _m("待处理", "Open"),
    "admin.review.resolved": _m("已处理", "Resolved"),
    "admin.review.kind.hard_conflict": _m("修改冲突", "Conflicting edits"),
    "admin.review.kind.edit_after_delete": _m("删除后又被修改", "Edited after deletion"),
    "admin.review.kind.attendance_disagreement": _m("签到不一致", "Attendance disagreement"),
    "admin.review.note": _m("备注（可不填）", "Note (optional)"),
    "admin.review.resolved_by": _m("{who} 于 {when} 处理", "Resolved by {who} at {when}"),
    "admin.review.seen": _m("已核实，关闭", "Checked, close it"),
    "admin.review.none": _m("没有需要处理的记录。", "Nothing to review."),
    "admin.conflicts.help": _m(
        "同一项内容在服务器和笔记本电脑上被改成了不同的值。请逐项选择：保留服务器现在的值、"
        "采用笔记本电脑的值，或恢复为修改前的值。",
        "A field was changed to different values on the server and on a laptop. For each "
        "field keep the server's value, take the laptop's, or go back to the value before.",
    ),
    "admin.conflicts.field": _m("项目", "Field"),
    "admin.conflicts.keep": _m("保留服务器现在的值", "Keep the server's value"),
    "admin.conflicts.laptop": _m("采用笔记本电脑的值", "Take the laptop's value"),
    "admin.conflicts.base": _m("恢复为修改前的值", "Go back to the value before"),
    "admin.conflicts.apply": _m("按所选处理", "Apply these choices"),
    "admin.conflicts.after_delete": _m(
        "此人已被删除或合并，之后有笔记本电脑又修改了以下内容（未采用）：",
        "This person was deleted or merged; a laptop later sent these changes (not applied):",
    ),
    "admin.conflicts.attendance": _m(
        "签到状态不一致：服务器为“{current}”，另一台笔记本电脑发来“{incoming}”。",
        "Attendance differs: the server has '{current}', another laptop sent '{incoming}'.",
    ),
    "admin.conflicts.session": _m("查看这场课", "Open the session"),
    "admin.conflicts.resolved": _m(
        "已处理。各笔记本电脑下次同步时更新。", "Resolved. Laptops receive it at their next sync."
    ),
    "admin.conflicts.dismissed": _m("已关闭。", "Closed."),
    # --- quarantine ---
    "admin.quarantine.help": _m(
        "笔记本电脑发来但服务器无法采用的记录。原因排除后（例如补录了人员）点击“重新应用”；"
        "确定不需要的，写明原因后“不采用”。记录本身始终保留。",
        "Records a laptop sent that the server could not use. Once the cause is fixed (for "
        "example the person was added), press Re-apply; otherwise write why and dismiss it. "
        "The record itself is always kept.",
    ),
    "admin.quarantine.when": _m("收到时间", "Received"),
    "admin.quarantine.laptop": _m("笔记本电脑", "Laptop"),
    "admin.quarantine.type": _m("记录类型", "Kind"),
    "admin.quarantine.reason": _m("原因", "Reason"),
    "admin.quarantine.content": _m("内容", "Content"),
    "admin.quarantine.action": _m("处理", "Action"),
    "admin.quarantine.retry": _m("重新应用", "Re-apply"),
    "admin.quarantine.note_hint": _m("不采用的原因", "Why it is not used"),
    "admin.quarantine.dismiss": _m("不采用", "Dismiss"),
    "admin.quarantine.none": _m("没有隔离的记录。", "Nothing in quarantine."),
    "admin.quarantine.reapplied": _m(
        "已重新应用，记录已生效。", "Re-applied: the record now counts."
    ),
    "admin.quarantine.still_refused": _m(
        "仍然无法应用：{reason}（{detail}）。请先排除原因，或写明原因后不采用。",
        "Still cannot be applied: {reason} ({detail}). Fix the cause first, or dismiss it.",
    ),
    "admin.quarantine.dismissed": _m("已标记为不采用。", "Dismissed."),
    "admin.quarantine.reason.unknown_session": _m("找不到这场课", "unknown session"),
    "admin.quarantine.reason.unknown_person": _m("花名册中没有此人", "person not on the roster"),
    "admin.quarantine.reason.township_mismatch": _m(
        "不属于这台电脑的乡镇", "another township's record"
    ),
    "admin.quarantine.reason.session_closed": _m("这场课已结束", "the session was closed"),
    "admin.quarantine.reason.already_exists": _m(
        "已有内容不同的同一记录", "exists with other content"
    ),
    "admin.quarantine.reason.invalid": _m("内容不符合要求", "invalid content"),
    "admin.quarantine.reason.unknown_type": _m("未知的记录类型", "unknown kind of record"),
    "admin.optype.session.create": _m("新建课程", "new session"),
    "admin.optype.session.update": _m("修改课程", "session edit"),
    "admin.optype.session.close": _m("结束课程", "session closed"),
    "admin.optype.attendance.mark": _m("签到", "attendance"),
    "admin.optype.person.create": _m("新增人员", "new person"),
    "admin.optype.person.update": _m("修改人员", "person edit"),
    "admin.optype.material.shown": _m("播放资料", "material shown"),
    # --- materials ---
    "admin.materials.current": _m("正在提供", "Offered"),
    "admin.materials.retired_tab": _m("已停用", "Retired"),
    "admin.materials.title": _m("标题", "Title"),
    "admin.materials.topic": _m("主题", "Topic"),
    "admin.materials.language": _m("语言", "Language"),
    "admin.materials.size": _m("大小", "Size"),
    "admin.materials.priority": _m("优先级", "Priority"),
    "admin.materials.scope": _m("发布范围", "Published to"),
    "admin.materials.published_at": _m("发布时间", "Published"),
    "admin.materials.county_wide": _m("全县", "Whole county"),
    "admin.materials.retired_at": _m("{when} 停用", "retired {when}"),
    "admin.materials.retire": _m("停用", "Retire"),
    "admin.materials.none": _m("没有资料。", "No materials."),
    "admin.materials.upload": _m("上传并发布资料", "Upload and publish"),
    "admin.materials.file": _m("文件（最大 {mb} MB）", "File (at most {mb} MB)"),
    "admin.materials.priority_help": _m(
        "优先级 0–{max}，数字越大，笔记本电脑越先下载。",
        "Priority 0–{max}: laptops download higher numbers first.",
    ),
    "admin.materials.publish": _m("上传并发布", "Upload and publish"),
    "admin.materials.draft": _m("草稿，未发布", "draft, not published"),
    "admin.materials.publish_now": _m("发布", "Publish"),
    "admin.materials.as_draft": _m(
        "先存为草稿，核对后再发布", "Keep it as a draft; publish it after checking"
    ),
    "admin.materials.drafted": _m(
        "“{title}”已上传为草稿，笔记本电脑看不到。核对后点“发布”。",
        "'{title}' is uploaded as a draft; laptops do not see it. Press Publish when ready.",
    ),
    "admin.materials.no_file": _m("请选择要上传的文件。", "Choose a file to upload."),
    "admin.materials.published": _m(
        "“{title}”已发布，笔记本电脑下次同步时下载。",
        "'{title}' is published; laptops download it at their next sync.",
    ),
    "admin.materials.already": _m(
        "同一文件已经发布过（“{title}”），没有重复发布。",
        "The same file is already published ('{title}'); nothing was added.",
    ),
    "admin.materials.retired": _m(
        "已停用。笔记本电脑不再提供，已播放过的记录保留。",
        "Retired. Laptops stop offering it; past sessions keep it.",
    ),
    "admin.lang.zh": _m("汉语", "Chinese"),
    "admin.lang.yuy": _m("裕固语", "Yugur"),
    "admin.lang.bo": _m("藏语", "Tibetan"),
    "admin.lang.mn": _m("蒙古语", "Mongolian"),
    "admin.lang.en": _m("英语", "English"),
    # --- laptops ---
    "admin.devices.new_code": _m("{township}的登记码", "Enrolment code for {township}"),
    "admin.devices.server": _m("服务器地址", "Server address"),
    "admin.devices.expires": _m("有效期至", "Valid until"),
    "admin.devices.code_help": _m(
        "在笔记本电脑的“同步”→“登记到服务器…”中粘贴下面的登记链接，或输入服务器地址和登记码。"
        "用手机扫描二维码也能得到这条链接，方便转给乡镇干部。"
        "登记码只能用一次，只显示这一次，请现在抄下。",
        "On the laptop open Sync → Enrol with a server… and paste the enrolment link below, "
        "or type the server address and the code. A phone that scans the QR code gets the same "
        "link, to pass on to the township. The code works once and is shown only now.",
    ),
    "admin.devices.name": _m("电脑名称", "Laptop"),
    "admin.devices.last_sync": _m("最后同步", "Last sync"),
    "admin.devices.clock": _m("时钟偏差", "Clock offset"),
    "admin.devices.ops": _m("已收记录", "Records received"),
    "admin.devices.quarantined": _m("隔离记录", "Quarantined"),
    "admin.devices.enrolled": _m("登记时间", "Enrolled"),
    "admin.devices.never": _m("从未同步", "Never"),
    "admin.devices.clock_warning": _m(
        "这台电脑的时钟不准，请校准电脑时间。", "This laptop's clock is off: set its time."
    ),
    "admin.devices.offset": _m("{seconds} 秒", "{seconds} s"),
    "admin.devices.revoked_at": _m("{when} 已停用", "revoked {when}"),
    "admin.devices.revoke_confirm": _m(
        "停用后这台电脑不能再同步，确定吗？", "The laptop will no longer sync. Revoke it?"
    ),
    "admin.devices.revoke": _m("停用", "Revoke"),
    "admin.devices.none": _m("还没有登记的笔记本电脑。", "No laptops enrolled yet."),
    "admin.devices.pending": _m("未使用的登记码", "Unused enrolment codes"),
    "admin.devices.created_by": _m("生成人", "Made by"),
    "admin.devices.created": _m("生成时间", "Made"),
    "admin.devices.enrol": _m("登记新电脑", "Enrol a laptop"),
    "admin.devices.enrol_help": _m(
        "生成一个一次性登记码，笔记本电脑用它登记到所选乡镇。",
        "Make a single-use code that enrols one laptop into the township.",
    ),
    "admin.devices.valid_for": _m("有效时间", "Valid for"),
    "admin.devices.hours": _m("{hours} 小时", "{hours} hours"),
    "admin.devices.make_code": _m("生成登记码", "Make a code"),
    "admin.devices.revoked": _m(
        "已停用这台电脑。它下次同步时会提示重新登记。",
        "Revoked. The laptop is asked to enrol again at its next sync.",
    ),
    "admin.devices.already_revoked": _m("这台电脑已经停用。", "This laptop was already revoked."),
    # --- errors from the service layer ---
    "admin.err.flash": _m("{text}", "{text}"),
    # The service layer's errors (admin.err.<code>, admin.err.field.<field>): one catalogue
    # with the command line's, in server/error_texts.py.
    **{f"admin.err.{key}": _m(zh, en) for key, (zh, en) in SERVICE_ERROR_TEXTS.items()},
}

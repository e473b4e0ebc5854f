"""``zhangye-desk`` command line: open the window, or run a command on the local store.

Commands that only touch data never import PySide6, so they start fast and run on a server
without a display. Machine-readable output (``--json``) goes to stdout alone; messages for
people go to stderr, in Chinese by default (``--lang en`` for English).

The plain "open the window" command line (nothing, or only ``--data-dir`` / ``--lang``) is
read by hand, without building the argparse parser, and this module imports neither json nor
datetime until a command needs them: a desktop start pays nothing before its frame is painted
(bench/startup.py, docs/decisions.md "Start-up of the packaged app"). Anything else goes to
argparse, so its help, errors and abbreviations stay as they are.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from . import __version__
from .core.errors import (
    DatabaseCorruptError,
    DatabaseTooNewError,
    StoreError,
)
from .logging_setup import setup_logging
from .paths import DATA_DIR_ENV, DataPaths, data_paths, default_data_dir, demo_server_dir
from .sync.errors import SyncError

if TYPE_CHECKING:
    import argparse

log = logging.getLogger(__name__)

LANGS = ("zh_CN", "en")

# The CLI's message catalogue (the window uses Qt's tr() and .ts files instead).
MESSAGES: dict[str, tuple[str, str]] = {
    "disk_full": (
        "磁盘空间已满，刚才的操作没有保存，已有数据不受影响。请删除一些不需要的文件后重试。",
        "The disk is full. Nothing was saved and existing data is safe. "
        "Free some space and try again.",
    ),
    "database_locked": (
        "另一个张掖流动课堂程序正在使用这个数据文件夹。请先关闭它，然后重试。",
        "Another copy of Zhangye Desk is using this data folder. Close it and try again.",
    ),
    "database_corrupt": (
        "数据文件已损坏，无法打开。文件没有被改动。{backup_hint}",
        "The data file is damaged and cannot be opened. It was not changed. {backup_hint}",
    ),
    "backup_hint": (
        "最近的备份是 {name}，可运行 “zhangye-desk restore --latest” 恢复"
        "（当前文件会先另存一份）。",
        "The latest backup is {name}; run 'zhangye-desk restore --latest' to restore it "
        "(the current file is kept aside first).",
    ),
    "no_backup_hint": (
        "没有找到备份。请联系县里的技术人员。",
        "No backup was found. Please contact the county's IT staff.",
    ),
    "database_too_new": (
        "这个数据文件由更新版本的张掖流动课堂创建，当前版本无法打开。请安装最新版本。数据没有被改动。",
        "This data file was written by a newer version of Zhangye Desk. Install the latest "
        "version to open it. Nothing was changed.",
    ),
    "store_error": ("无法完成操作：{detail}", "Could not complete the operation: {detail}"),
    "domain_error": ("无法完成操作：{detail}", "Could not complete the operation: {detail}"),
    "not_found": ("找不到：{detail}", "Not found: {detail}"),
    "invalid_value": ("输入有误：{detail}", "Invalid input: {detail}"),
    "session_closed": (
        "该课堂已结束，不能再修改。如需更正请新建记录。",
        "This session is closed and cannot be changed.",
    ),
    "demo_progress": (
        "正在生成演示数据：{phase} {done}/{total}",
        "Generating demo data: {phase} {done}/{total}",
    ),
    "phase_roster": ("花名册", "roster"),
    "phase_sessions": ("课堂与签到", "sessions and marks"),
    "demo_done": (
        "演示数据已生成：{people} 人，{sessions} 场课堂，{marks} 条签到，数据文件夹 {data_dir}",
        "Demo data ready: {people} people, {sessions} sessions, {marks} marks in {data_dir}",
    ),
    "demo_server_roster": (
        "演示服务器已导入花名册：{people} 人",
        "Demo server: roster imported ({people} people)",
    ),
    "demo_laptop_ready": (
        "演示笔记本已登记并下载花名册，记录了 {sessions} 场课堂、{marks} 条签到（尚未同步）",
        "Demo laptop enrolled and roster pulled; {sessions} sessions and {marks} marks recorded "
        "(not yet synced)",
    ),
    "demo_server_running": (
        "本机演示服务器：{url}（网页管理：用户名 {admin}，密码 {password}）。"
        "关闭程序窗口时服务器随之停止。",
        "Local demo server: {url} (web pages: user {admin}, password {password}). It stops when "
        "the window closes.",
    ),
    "demo_no_server": (
        "未安装服务器组件，演示将只打开本机离线数据。",
        "The server components are not installed; the demo opens offline data only.",
    ),
    "demo_preparing": (
        "第一次运行演示：正在准备本机演示服务器和演示笔记本，大约需要半分钟……",
        "First demo run: preparing the local demo server and the demo laptop (about half a "
        "minute)…",
    ),
    "demo_step_failed": (
        "准备演示服务器时“{step}”这一步失败，演示没有打开。再运行一次会从头准备；"
        "如果仍然失败，请把下面的信息发给技术人员：\n{detail}",
        "Preparing the demo server failed at '{step}'; the demo did not open. Running it again "
        "starts over; if it fails again, send this to your IT staff:\n{detail}",
    ),
    "demo_server_failed": (
        "本机演示服务器没有启动，演示没有打开。请确认磁盘有空间后再试。服务器日志的最后几行：\n{detail}",
        "The local demo server did not start; the demo did not open. Check there is free disk "
        "space and try again. The end of the server's log:\n{detail}",
    ),
    "demo_older_offline": (
        "文件夹 {path} 里是旧版本的离线演示数据，新的演示不会覆盖它。"
        "请删除这个文件夹或给它改名，然后重新运行演示。",
        "The folder {path} holds an older offline demo, which the new demo does not overwrite. "
        "Delete or rename that folder, then run the demo again.",
    ),
    "status_text": (
        "数据文件夹：{data_dir}\n未同步的更改：{pending_ops} 条\n上次同步：{last_sync}\n"
        "本机记录：{sessions} 场课堂，{participant_times} 人次",
        "Data folder: {data_dir}\nUnsynced changes: {pending_ops}\nLast sync: {last_sync}\n"
        "Recorded here: {sessions} sessions, {participant_times} participant-times",
    ),
    "never": ("尚未同步", "never"),
    "backup_done": ("备份已保存：{path}", "Backup written: {path}"),
    "restore_done": (
        "已从 {backup} 恢复。恢复前的文件已另存为 {safety}。",
        "Restored from {backup}. The previous file was kept as {safety}.",
    ),
    "no_backups": ("没有找到任何备份。", "No backups were found."),
    # --- enrol and sync ---
    "enrol_done": (
        "已登记到服务器 {server}：本机名称“{name}”，所属乡镇 {township}。"
        "现在可以运行 “zhangye-desk sync” 同步。",
        "Enrolled with {server} as '{name}' ({township}). Run 'zhangye-desk sync' to sync.",
    ),
    "sync_progress": ("正在同步：{phase} {done}/{total}", "Syncing: {phase} {done}/{total}"),
    "phase_push": ("上传记录", "uploading records"),
    "phase_pull": ("更新名册和课件目录", "updating roster and materials list"),
    "phase_download": ("下载课件", "downloading materials"),
    "sync_pushed": (
        "同步完成：上传 {ops} 条更改（{batches} 批）。",
        "Sync finished: {ops} changes uploaded in {batches} batches.",
    ),
    "sync_match": (
        "服务器已确认 {sessions} 场课堂、{participant_times} 人次，与本机一致。",
        "The server confirms {sessions} sessions and {participant_times} participant-times, "
        "the same as this laptop.",
    ),
    "sync_mismatch": (
        "注意：服务器记录 {server_sessions} 场课堂、{server_times} 人次，本机为 "
        "{local_sessions} 场、{local_times} 人次，两者不一致。本机记录都还在；"
        "请把这张回执交给县里管理员核对。",
        "Note: the server has {server_sessions} sessions and {server_times} participant-times, "
        "this laptop {local_sessions} and {local_times}. Nothing was lost here; show this "
        "receipt to the county administrator.",
    ),
    "sync_no_counts": (
        "本机记录：{sessions} 场课堂、{participant_times} 人次（服务器未返回核对数字）。",
        "Recorded here: {sessions} sessions, {participant_times} participant-times (the server "
        "sent no figures to compare).",
    ),
    "sync_pending": (
        "还有 {pending} 条更改未上传，下次同步时会从这里继续。",
        "{pending} changes are still waiting; the next sync continues from here.",
    ),
    "sync_quarantined": (
        "有 {count} 条记录服务器暂时无法处理，已交管理员审核（不会丢失）：{reasons}",
        "{count} records could not be applied by the server and wait for an administrator "
        "(nothing is lost): {reasons}",
    ),
    "sync_pulled": (
        "名册更新 {people} 人，课件目录更新 {materials} 项。",
        "Roster: {people} people updated; materials list: {materials} entries updated.",
    ),
    "sync_files": ("已下载课件 {count} 个。", "{count} material files downloaded."),
    "sync_files_failed": (
        "{count} 个课件下载后校验不通过，已丢弃，下次同步时重新下载。",
        "{count} material files failed their check and were discarded; the next sync retries.",
    ),
    "sync_files_pending": (
        "还有 {count} 个课件未下载完，下次同步时继续（已下载的部分会保留）。",
        "{count} material files are not downloaded yet; the next sync resumes them.",
    ),
    "sync_files_deferred": (
        "{count} 个大文件（如视频）等网络好时再下载：在程序的“同步”页面选择后下载。",
        "{count} large files (videos) wait for a better connection: choose them on the Sync "
        "page of the app.",
    ),
    "sync_conflicts": (
        "{count} 处人员信息与别人的修改冲突，服务器保留了先到的值，本机的修改已记入历史，"
        "请在程序的“花名册”中核对。",
        "{count} person edits met someone else's change; the server kept its value and this "
        "laptop's is in the history. Check them on the Roster page of the app.",
    ),
    "warn_clock_offset": (
        "本机时钟与服务器相差约 {minutes} 分钟，请校准电脑时间（不影响同步）。",
        "This laptop's clock is about {minutes} minutes off the server's; please correct it "
        "(syncing is not affected).",
    ),
    "warn_server_restored": (
        "服务器曾从备份恢复，本机已重新上传保存的全部记录（服务器会自动去重）。",
        "The server was restored from a backup; this laptop sent everything it holds again "
        "(the server removes duplicates).",
    ),
    "warn_replica_rotated": (
        "检测到数据文件曾被手动替换为旧副本，之后的记录已换用新编号上传，不会与已上传的记录混淆。",
        "The data file was replaced by an older copy by hand; later records were uploaded under "
        "a new number so they cannot be confused with earlier ones.",
    ),
    "no_network": (
        "无法连接服务器（网络不通或中断）。已上传的部分都已保存，请稍后在网络较好时再同步。",
        "Cannot reach the server (no network or the link keeps dropping). What was uploaded is "
        "saved; sync again when the connection is better.",
    ),
    "captive_portal": (
        "当前网络需要先登录（例如认证页面）。请在浏览器中完成登录后再同步。本次没有任何记录被当作已上传。",
        "This network wants you to log in first (a login page answered). Log in in a browser, "
        "then sync again. Nothing was counted as uploaded.",
    ),
    "server_busy": (
        "服务器繁忙，请过几分钟再同步。",
        "The server is busy; sync again in a few minutes.",
    ),
    "unauthorized": (
        "服务器不认识这台电脑。请向县里管理员索取新的登记码，运行 “zhangye-desk enrol” "
        "重新登记；本机记录都还在。",
        "The server does not recognise this laptop. Ask the county administrator for a new "
        "enrolment code and run 'zhangye-desk enrol'; every record is still here.",
    ),
    "revoked": (
        "这台电脑已被管理员停用，暂时不能同步。本机记录都还在；请联系县里管理员重新登记。",
        "This laptop was revoked by the administrator. Every record is still here; contact "
        "the county administrator to enrol it again.",
    ),
    "not_enrolled": (
        "这台电脑尚未登记到服务器。请先运行 “zhangye-desk enrol --server 地址 --code 登记码”。",
        "This laptop is not enrolled yet. Run 'zhangye-desk enrol --server URL --code CODE' first.",
    ),
    "enrol_code_rejected": (
        "{reason}。请向县里管理员索取新的登记码。",
        "{reason}. Ask the county administrator for a new enrolment code.",
    ),
    "code_unknown": ("登记码不正确", "The enrolment code is not valid"),
    "code_used": ("登记码已被使用过", "The enrolment code was already used"),
    "code_expired": ("登记码已过期", "The enrolment code has expired"),
    "bad_request": ("登记信息无效", "The enrolment request was not accepted"),
    "protocol_mismatch": (
        "服务器与本程序的版本不兼容。请安装最新版本的张掖流动课堂。",
        "The server and this app speak different versions. Install the latest Zhangye Desk.",
    ),
    "certificate_error": (
        "无法验证服务器的安全证书，为安全起见已停止同步。请联系县里的技术人员。",
        "The server's certificate could not be verified, so the sync stopped. Contact the "
        "county's IT staff.",
    ),
    "certificate_clock": (
        "服务器的安全证书显示为未生效或已过期，多半是这台电脑的日期和时间不对。"
        "请把电脑的日期和时间改正后再同步；日期正确仍出现此提示，请联系县里的技术人员。",
        "The server's certificate looks not yet valid or expired, most likely because this "
        "computer's date and time are wrong. Correct the date and time, then sync again; if "
        "they are right, contact the county's IT staff.",
    ),
    "download_disk_full": (
        "磁盘空间不足，课件暂未下载（还需要约 {needed_mb} MB）。记录已同步完成。",
        "Not enough disk space to download materials (about {needed_mb} MB more needed). "
        "The records are synced.",
    ),
    "server_error": (
        "服务器返回了意外的错误（{detail}）。本机记录都还在，请稍后重试或联系技术人员。",
        "The server answered with an unexpected error ({detail}). Every record is still here; "
        "try again later or contact IT staff.",
    ),
    "sync_running": (
        "已有一个同步正在进行，请等它完成。",
        "A sync is already running; wait for it.",
    ),
    "sync_error": ("同步失败：{detail}", "Sync failed: {detail}"),
    # --- USB bundles ---
    "bundle_exported": (
        "数据包已保存到 {path}：{ops} 条未上传的记录（{batches} 批，{size} 字节）。"
        "请把它拷到县里，用 “zhangye-server import-bundle 文件” 导入，再把回执拷回本机导入；"
        "在导入回执之前，这些记录仍算作未上传。",
        "Bundle written to {path}: {ops} unsynced records ({batches} batches, {size} bytes). "
        "Import it on the county server with 'zhangye-server import-bundle FILE', then import "
        "the receipt here; until then these records still count as not uploaded.",
    ),
    "bundle_nothing": (
        "没有未上传的记录，不需要导出数据包。",
        "Nothing is waiting to be uploaded; no bundle was written.",
    ),
    "bundle_cannot_write": (
        "无法保存 {path}（{reason}）。请检查U盘是否插好、是否还有空间。本机记录没有改动。",
        "Cannot write {path} ({reason}). Check that the USB stick is plugged in and not full. "
        "Nothing here was changed.",
    ),
    "receipt_done": (
        "回执已导入：{ops} 条记录确认已上传到服务器。",
        "Receipt imported: the server confirms {ops} records.",
    ),
    "receipt_already": (
        "回执中的记录此前都已确认上传，没有改动。",
        "Every record in this receipt was confirmed before; nothing changed.",
    ),
    "receipt_partly_stale": (
        "回执中有一部分记录与本机现在的记录对不上（可能已联网同步过，或数据文件被替换过），"
        "这一部分没有改动。",
        "Part of the receipt does not match the records this laptop holds now (synced since, or "
        "the data file was replaced); that part changed nothing.",
    ),
    "receipt_gap": (
        "服务器曾从备份恢复，缺少本机的一部分记录：这些记录已重新标为未上传。"
        "请重新导出数据包交给县里导入（或联网同步）。",
        "The server was restored from a backup and lacks some of this laptop's records; they "
        "are marked as not uploaded again. Export a new bundle (or sync over the network).",
    ),
    "receipt_seq_reuse": (
        "检测到数据文件曾被手动替换为旧副本，冲突的记录已换用新编号。"
        "请重新导出数据包交给县里导入（或联网同步）。",
        "The data file was replaced by an older copy; the clashing records got a new number. "
        "Export a new bundle (or sync over the network).",
    ),
    "bundle_damaged": (
        "文件不完整或已损坏（可能拷贝时中断），没有做任何改动。请重新拷贝这个文件。",
        "The file is incomplete or damaged (a copy cut short?); nothing was changed. Copy it "
        "again.",
    ),
    "bundle_wrong_kind": (
        "这个文件不是服务器写出的回执（是否选成了数据包？），没有做任何改动。",
        "This file is not a receipt written by the server (a bundle?); nothing was changed.",
    ),
    "bundle_protocol": (
        "这个文件由不兼容的程序版本生成，没有做任何改动。请安装最新版本的张掖流动课堂。",
        "The file was written by an incompatible version; nothing was changed. Install the "
        "latest Zhangye Desk.",
    ),
    "bundle_not_authentic": (
        "回执的签名不正确（文件被改动过，或本机此后重新登记过），没有做任何改动。"
        "请让县里管理员重新导入数据包生成回执。",
        "The receipt's signature does not match (the file was changed, or this laptop was "
        "enrolled again since); nothing was changed. Ask for a new receipt.",
    ),
    "receipt_foreign": (
        "这份回执属于另一台笔记本，没有做任何改动。请找到本机数据包对应的回执文件。",
        "This receipt belongs to another laptop; nothing was changed. Find this laptop's receipt.",
    ),
    "receipt_stale": (
        "这份回执已过时（本机数据文件此后换用了新编号），没有做任何改动。"
        "请重新导出数据包交给县里导入（或联网同步）。",
        "This receipt is out of date (this data file has a new number since); nothing was "
        "changed. Export a new bundle (or sync over the network).",
    ),
    "bundle_unreadable": (
        "无法读取这个文件。请检查文件路径和U盘后重试。没有做任何改动。",
        "The file cannot be read. Check the path and the USB stick; nothing was changed.",
    ),
}


class Messages:
    def __init__(self, lang: str) -> None:
        self.index = 1 if lang == "en" else 0

    def __call__(self, key: str, **values: Any) -> str:
        return MESSAGES[key][self.index].format(**values)


def describe_error(exc: StoreError, msg: Messages) -> str:
    if isinstance(exc, DatabaseCorruptError):
        hint = (
            msg("backup_hint", name=exc.latest_backup.name)
            if exc.latest_backup
            else msg("no_backup_hint")
        )
        return msg("database_corrupt", backup_hint=hint)
    if isinstance(exc, DatabaseTooNewError):
        return msg("database_too_new")
    key = exc.code if exc.code in MESSAGES else "store_error"
    return msg(key, detail=str(exc))


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="zhangye-desk", description="张掖流动课堂 Zhangye Desk " + __version__
    )
    parser.add_argument("--data-dir", help="data folder (default: the user data folder)")
    parser.add_argument("--lang", choices=LANGS, default=None, help="zh_CN (default) or en")
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--self-test", action="store_true", help="build the window on a temporary store and exit"
    )
    sub = parser.add_subparsers(dest="command")

    demo_data = sub.add_parser("demo-data", help="fill the store with a realistic demo roster")
    demo_data.add_argument("--people", type=int, default=2000)
    demo_data.add_argument("--sessions", type=int, default=120)
    demo_data.add_argument("--marks", type=int, default=3000)
    demo_data.add_argument("--township", help="make everything in this township (e.g. 大河乡)")
    demo_data.add_argument("--seed", type=int, default=2026)

    status = sub.add_parser("status", help="pending changes, last sync, local totals")
    status.add_argument("--json", action="store_true")

    sub.add_parser("backup", help="write a backup of the store now")
    restore = sub.add_parser("restore", help="restore the store from a backup")
    which = restore.add_mutually_exclusive_group(required=True)
    which.add_argument("--latest", action="store_true")
    which.add_argument("file", nargs="?", type=Path)

    sub.add_parser("demo", help="open the app on a demo data folder")

    enrol = sub.add_parser("enrol", help="enrol this laptop with the county server")
    enrol.add_argument("--server", required=True, help="the server's address (http(s)://…)")
    enrol.add_argument("--code", required=True, help="the single-use enrolment code")
    enrol.add_argument("--name", help="a name for this laptop (default: the computer's name)")
    sync = sub.add_parser("sync", help="push, pull and download; prints a receipt")
    sync.add_argument("--json", action="store_true", help="print the receipt as JSON")
    export = sub.add_parser(
        "bundle-export", help="write every unsynced change to a file for a USB stick"
    )
    export.add_argument("file", type=Path, metavar="FILE")
    export.add_argument("--json", action="store_true")
    receipt = sub.add_parser(
        "bundle-import-receipt", help="import the server's receipt for a bundle"
    )
    receipt.add_argument("file", type=Path, metavar="FILE")
    receipt.add_argument("--json", action="store_true")
    return parser


def _progress_printer(msg: Messages, key: str = "demo_progress") -> Callable[[str, int, int], None]:
    """Progress on stderr as ``msg(key, phase, done, total)``: a live line on a terminal, every
    quarter otherwise (logs, CI)."""
    interactive = sys.stderr is not None and sys.stderr.isatty()
    last: dict[str, int] = {}

    def report(phase: str, done: int, total: int) -> None:
        if sys.stderr is None:
            return
        percent = 100 * done // max(total, 1)
        if not interactive and last.get(phase, -1) // 25 == percent // 25 and done != total:
            return
        last[phase] = percent
        end = "\r" if interactive and done < total else "\n"
        label = msg(f"phase_{phase}") if f"phase_{phase}" in MESSAGES else phase
        print(msg(key, phase=label, done=done, total=total), end=end, file=sys.stderr)

    return report


def cmd_demo_data(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    from .core.demo import generate_demo
    from .core.store import open_store

    with open_store(paths) as store:
        counts = generate_demo(
            store.db,
            materials_dir=paths.materials,
            people=args.people,
            sessions=args.sessions,
            marks=args.marks,
            township=args.township,
            seed=args.seed,
            progress=_progress_printer(msg),
        )
    print(msg("demo_done", data_dir=paths.root, **counts), file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    import json
    from datetime import datetime

    from .core.status import status
    from .core.store import open_store

    with open_store(paths, daily_backup=False) as store:
        info = status(store.db, paths)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, sort_keys=True))
        return 0
    last = (
        datetime.fromtimestamp(info["last_sync"]).strftime("%Y-%m-%d %H:%M")
        if info["last_sync"]
        else msg("never")
    )
    print(
        msg(
            "status_text",
            data_dir=info["data_dir"],
            pending_ops=info["pending_ops"],
            last_sync=last,
            **info["local_totals"],
        )
    )
    return 0


def cmd_backup(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    from .core.backup import backup_now
    from .core.store import open_store

    with open_store(paths, daily_backup=False) as store:
        path = backup_now(store.db, reason="manual")
    print(msg("backup_done", path=path), file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    from .core.backup import latest_backup, restore_backup
    from .core.store import DataDirLock

    source = latest_backup(paths.db) if args.latest else args.file
    if source is None:
        print(msg("no_backups"), file=sys.stderr)
        return 1
    with DataDirLock(paths.lock):
        safety = restore_backup(paths.db, Path(source))
    print(msg("restore_done", backup=Path(source).name, safety=safety or "-"), file=sys.stderr)
    return 0


def describe_sync_error(exc: Exception, msg: Messages) -> str:
    """A calm message for a sync error (sync.errors); ``sync_error`` for anything unnamed."""
    from .sync.errors import DiskFull, EnrolCodeRejected, ServerError

    code = getattr(exc, "code", "sync_error")
    if isinstance(exc, EnrolCodeRejected):
        reason = exc.reason if exc.reason in MESSAGES else "bad_request"
        return msg("enrol_code_rejected", reason=msg(reason))
    if isinstance(exc, DiskFull):
        return msg("download_disk_full", needed_mb=max(1, exc.needed // 2**20))
    if isinstance(exc, ServerError):
        return msg("server_error", detail=f"{exc.status} {exc.error or ''}".strip())
    if code in MESSAGES and code != "sync_error":
        return msg(code)
    return msg("sync_error", detail=str(exc))


def cmd_enrol(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    from .core.store import open_store
    from .sync.engine import enrol

    with open_store(paths, daily_backup=False) as store:
        info = enrol(store.db, args.server, args.code, args.name)
    township = info.get("township_name") or info.get("township_code") or "-"
    print(
        msg("enrol_done", server=info["server_url"], name=info["name"], township=township),
        file=sys.stderr,
    )
    return 0


def _sync_progress(msg: Messages) -> Callable[[int, int, str], None]:
    """The sync engine's progress (``TaskState.report(done, total, phase)``) on stderr."""
    report = _progress_printer(msg, "sync_progress")
    return lambda done, total, phase: report(phase, done, total)


def _print_receipt(receipt: Any, msg: Messages) -> None:
    """The human receipt, in the order a cadre reads it: uploaded, confirmed, what is left."""
    lines = [msg("sync_pushed", ops=receipt.ops_acked, batches=receipt.batches)]
    local = receipt.local_totals
    server = receipt.server_counts or {}
    if receipt.totals_match:
        lines.append(
            msg(
                "sync_match",
                sessions=server["sessions"],
                participant_times=server["participant_times"],
            )
        )
    elif receipt.totals_match is False:
        lines.append(
            msg(
                "sync_mismatch",
                server_sessions=server.get("sessions"),
                server_times=server.get("participant_times"),
                local_sessions=local.get("sessions"),
                local_times=local.get("participant_times"),
            )
        )
    else:
        lines.append(
            msg(
                "sync_no_counts",
                sessions=local.get("sessions", 0),
                participant_times=local.get("participant_times", 0),
            )
        )
    if receipt.pending_ops:
        lines.append(msg("sync_pending", pending=receipt.pending_ops))
    if receipt.quarantined:
        reasons = "、".join(sorted({q["reason"] for q in receipt.quarantined}))
        lines.append(msg("sync_quarantined", count=len(receipt.quarantined), reasons=reasons))
    people = sum(receipt.people.values())
    materials = sum(receipt.materials.values())
    if people or materials:
        lines.append(msg("sync_pulled", people=people, materials=materials))
    if receipt.files_downloaded:
        lines.append(msg("sync_files", count=receipt.files_downloaded))
    if receipt.files_failed:
        lines.append(msg("sync_files_failed", count=len(receipt.files_failed)))
    if receipt.files_pending:
        lines.append(msg("sync_files_pending", count=receipt.files_pending))
    if receipt.files_deferred:
        lines.append(msg("sync_files_deferred", count=receipt.files_deferred))
    if receipt.conflicts:
        lines.append(msg("sync_conflicts", count=len(receipt.conflicts)))
    for warning in receipt.warnings:
        code = warning["code"]
        if code == "clock_offset":
            lines.append(msg("warn_clock_offset", minutes=round(abs(warning["seconds"]) / 60)))
        elif code == "download_disk_full":
            lines.append(msg("download_disk_full", needed_mb=max(1, warning["needed"] // 2**20)))
        elif f"warn_{code}" in MESSAGES:
            lines.append(msg(f"warn_{code}"))
    print("\n".join(lines))


def cmd_sync(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    from .core.store import open_store
    from .core.tasks import TaskState
    from .sync.engine import sync

    state = TaskState(_sync_progress(msg))
    with open_store(paths) as store:
        receipt = sync(store.db, paths, state=state)
    if args.json:
        print(receipt.dumps())
    else:
        _print_receipt(receipt, msg)
    return 0


def cmd_bundle_export(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    from .core.store import open_store
    from .sync.bundles import export_bundle

    with open_store(paths, daily_backup=False) as store:
        try:
            result = export_bundle(store.db, args.file)
        except OSError as exc:
            print(
                msg("bundle_cannot_write", path=args.file, reason=exc.strerror or exc),
                file=sys.stderr,
            )
            return 1
    if args.json:
        import json

        print(
            json.dumps(
                {
                    "path": str(result.path) if result.path else None,
                    "batches": result.batches,
                    "ops": result.ops,
                    "first_seq": result.first_seq,
                    "last_seq": result.last_seq,
                    "size": result.size,
                }
            )
        )
    if result.path is None:
        print(msg("bundle_nothing"), file=sys.stderr)
    else:
        print(
            msg(
                "bundle_exported",
                path=result.path,
                ops=result.ops,
                batches=result.batches,
                size=result.size,
            ),
            file=sys.stderr,
        )
    return 0


def cmd_bundle_import_receipt(args: argparse.Namespace, paths: DataPaths, msg: Messages) -> int:
    from dataclasses import asdict

    from .core.store import open_store
    from .sync.bundles import import_receipt

    with open_store(paths, daily_backup=False) as store:
        result = import_receipt(store.db, args.file)
    if args.json:
        import json

        print(json.dumps(asdict(result), ensure_ascii=False, sort_keys=True))
    lines = []
    if result.ops_acked:
        lines.append(msg("receipt_done", ops=result.ops_acked))
    elif result.already_acked:
        lines.append(msg("receipt_already"))
    if result.stale_batches:
        lines.append(msg("receipt_partly_stale"))
    if result.refused:
        key = f"receipt_{result.refused.get('error')}"
        if key in MESSAGES:
            lines.append(msg(key))
    server = result.server_counts or {}
    local = result.local_totals
    if result.totals_match:
        lines.append(
            msg(
                "sync_match",
                sessions=server["sessions"],
                participant_times=server["participant_times"],
            )
        )
    elif result.totals_match is False:
        lines.append(
            msg(
                "sync_mismatch",
                server_sessions=server.get("sessions"),
                server_times=server.get("participant_times"),
                local_sessions=local.get("sessions"),
                local_times=local.get("participant_times"),
            )
        )
    if result.pending_ops:
        lines.append(msg("sync_pending", pending=result.pending_ops))
    if result.quarantined:
        reasons = "、".join(sorted({q["reason"] for q in result.quarantined}))
        lines.append(msg("sync_quarantined", count=len(result.quarantined), reasons=reasons))
    if result.conflicts:
        lines.append(msg("sync_conflicts", count=len(result.conflicts)))
    print("\n".join(lines), file=sys.stderr)
    return 0


def cmd_demo(
    args: argparse.Namespace, paths: DataPaths, msg: Messages, lang: str | None
) -> int:
    """The whole loop on this machine: a local demo server, the enrolled demo laptop, the
    window (demo_loop.py); without the server extras, the offline demo data."""
    from . import app
    from .demo_loop import DemoError, run_demo

    def say(key: str, values: dict[str, Any]) -> None:
        print(msg(key, **values), file=sys.stderr)

    def offline_demo() -> int:
        from .core.demo import generate_demo
        from .core.store import open_store

        with open_store(paths) as store:
            if store.db.execute("SELECT count(*) FROM person").fetchone()[0] == 0:
                counts = generate_demo(
                    store.db, materials_dir=paths.materials, progress=_progress_printer(msg)
                )
                print(msg("demo_done", data_dir=paths.root, **counts), file=sys.stderr)
        return app.run(paths, lang)

    if not demo_server_dir(paths).exists():
        say("demo_preparing", {})  # the first run seeds a server and a laptop: ~10-30 s
    try:
        return run_demo(
            paths,
            demo_server_dir(paths),
            say=say,
            open_window=lambda: app.run(paths, lang),
            offline_demo=offline_demo,
        )
    except DemoError as exc:
        log.info("demo: %s", exc)  # the log file; the console gets the Chinese message
        print(msg(exc.code, **exc.values), file=sys.stderr)
        return 1


def window_arguments(arguments: Sequence[str]) -> SimpleNamespace | None:
    """The plain "open the window" command line, read without argparse (module docstring).

    Only ``--data-dir D`` / ``--data-dir=D`` and ``--lang L`` / ``--lang=L``, each at most
    once, are read here, with what argparse would make of them; for anything else (a command,
    ``--help``, an abbreviation, a repeated option, a missing or dash-led value, an unknown
    language) this returns None and argparse reads the line, errors included.
    """
    values: dict[str, str] = {}
    rest = list(arguments)
    while rest:
        name, equals, value = rest.pop(0).partition("=")
        if name not in ("--data-dir", "--lang") or name in values:
            return None
        if not equals:
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        if name == "--lang" and value not in LANGS:
            return None
        values[name] = value
    return SimpleNamespace(
        command=None,
        data_dir=values.get("--data-dir"),
        lang=values.get("--lang"),
        self_test=False,
    )


def main(argv: Sequence[str] | None = None) -> int:
    window = window_arguments(sys.argv[1:] if argv is None else argv)
    args: Any = window if window is not None else _parser().parse_args(argv)
    # None lets the window use the language saved on its settings page.
    lang: str | None = args.lang or os.environ.get("ZHANGYE_DESK_LANG")
    msg = Messages(lang or "zh_CN")
    if args.self_test:
        from . import app

        return app.self_test(lang or "zh_CN")
    paths = data_paths(args.data_dir)
    if args.command == "demo" and not args.data_dir and not os.environ.get(DATA_DIR_ENV):
        paths = DataPaths(default_data_dir() / "demo")  # never mix demo data into real data
    # The window writes its log file once its frame has been painted (logging_setup).
    setup_logging(paths.logs, defer_file=args.command is None)
    commands: dict[str, Callable[[argparse.Namespace, DataPaths, Messages], int]] = {
        "demo-data": cmd_demo_data,
        "status": cmd_status,
        "backup": cmd_backup,
        "restore": cmd_restore,
        "enrol": cmd_enrol,
        "sync": cmd_sync,
        "bundle-export": cmd_bundle_export,
        "bundle-import-receipt": cmd_bundle_import_receipt,
    }
    try:
        if args.command is None:
            from . import app

            return app.run(paths, lang)
        if args.command == "demo":
            return cmd_demo(args, paths, msg, lang)
        return commands[args.command](args, paths, msg)
    except StoreError as exc:
        log.warning("%s: %s", type(exc).__name__, exc)
        print(describe_error(exc, msg), file=sys.stderr)
        return 1
    except SyncError as exc:
        log.warning("%s: %s", type(exc).__name__, exc)
        text = describe_sync_error(exc, msg)
        if getattr(args, "json", False):
            # Scripts read stdout: say what went wrong there too, as JSON.
            import json

            print(json.dumps({"error": exc.code, "message": text}, ensure_ascii=False))
        print(text, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

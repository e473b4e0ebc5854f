"""``zhangye-desk`` command line: open the window, or run a command on the local store.

Commands that only touch data never import PySide6, so they start fast and run on a server
without a display. Machine-readable output (``--json``) goes to stdout alone; messages for
people go to stderr, in Chinese by default (``--lang en`` for English).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .core.errors import (
    DatabaseCorruptError,
    DatabaseTooNewError,
    StoreError,
)
from .logging_setup import setup_logging
from .paths import DATA_DIR_ENV, DataPaths, data_paths, default_data_dir

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
    return parser


def _progress_printer(msg: Messages) -> Callable[[str, int, int], None]:
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
        print(msg("demo_progress", phase=label, done=done, total=total), end=end, file=sys.stderr)

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


def cmd_demo(args: argparse.Namespace, paths: DataPaths, msg: Messages, lang: str) -> int:
    """Open the window on its own demo data folder, filling it the first time."""
    from . import app
    from .core.demo import generate_demo
    from .core.store import open_store

    with open_store(paths) as store:
        empty = store.db.execute("SELECT count(*) FROM person").fetchone()[0] == 0
        if empty:
            counts = generate_demo(
                store.db, materials_dir=paths.materials, progress=_progress_printer(msg)
            )
            print(msg("demo_done", data_dir=paths.root, **counts), file=sys.stderr)
    return app.run(paths, lang)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = args.lang or os.environ.get("ZHANGYE_DESK_LANG") or "zh_CN"
    msg = Messages(lang)
    if args.self_test:
        from . import app

        return app.self_test(lang)
    paths = data_paths(args.data_dir)
    if args.command == "demo" and not args.data_dir and not os.environ.get(DATA_DIR_ENV):
        paths = DataPaths(default_data_dir() / "demo")  # never mix demo data into real data
    setup_logging(paths.logs)
    commands: dict[str, Callable[[argparse.Namespace, DataPaths, Messages], int]] = {
        "demo-data": cmd_demo_data,
        "status": cmd_status,
        "backup": cmd_backup,
        "restore": cmd_restore,
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


if __name__ == "__main__":
    raise SystemExit(main())

"""``zhangye-server``: run the central server and administer its database from a terminal.

Commands (DESIGN §6): serve, init-db, migrate, enrol-code, import-roster, publish-material,
stats, create-admin, revoke-device, import-bundle (a laptop's USB bundle → its receipt).
Every command takes ``--db URL`` (default: ``settings.default_db_url()``, which
``ZHANGYE_SERVER_DB`` overrides) and ``--lang zh_CN|en``.

Output rules: what a script consumes (an enrolment code, ``--json``, the statistics table,
an import summary) goes to stdout alone; messages for people go to stderr, in Chinese by
default, calm, and saying what to do next. Known problems (a database not initialised, an
unknown township, a bad roster file) exit 1 with such a message; argparse usage errors exit 2.
Secrets (passwords, device secrets) are never printed or logged; a password is read with
getpass or from stdin and only its argon2 hash is stored.

The work itself lives in the service modules (``dbadmin``, ``auth``, ``service``, ``stats``,
``roster_import``, ``serve``); this module parses arguments, opens one transaction per
command and renders results. Heavy imports happen inside the commands so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import json
import logging
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from .. import __version__
from .settings import DB_ENV, SettingsError, default_db_url, display_url, sqlalchemy_url

log = logging.getLogger(__name__)

LANGS = ("zh_CN", "en")
LANG_ENV = "ZHANGYE_DESK_LANG"  # the same switch as the laptop's command line
MAX_ROSTER_ERRORS_SHOWN = 200  # a wrong file can have thousands; the first ones say enough
MIN_PASSWORD_LENGTH = 8  # auth.create_admin's rule, checked first for a Chinese message

# The command line's message catalogue: key -> (Chinese, English).
MESSAGES: dict[str, tuple[str, str]] = {
    # --- the database ---
    "bad_db_url": (
        "数据库地址无效：{detail}。SQLite 请写 sqlite:///文件路径，"
        "PostgreSQL 请写 postgresql://用户名@主机/数据库名。",
        "Invalid database URL: {detail}. Use sqlite:///FILE or postgresql://USER@HOST/DB.",
    ),
    "db_missing": (
        "数据库文件 {path} 不存在。请先运行 zhangye-server init-db{db_hint} 创建它。",
        "The database file {path} does not exist. Run 'zhangye-server init-db{db_hint}' first.",
    ),
    "not_initialised": (
        "数据库 {url} 尚未初始化。请先运行 zhangye-server init-db{db_hint}。",
        "The database {url} is not initialised. Run 'zhangye-server init-db{db_hint}' first.",
    ),
    "needs_migrate": (
        "数据库 {url} 需要升级到当前版本。"
        "请先备份数据库，然后运行 zhangye-server migrate{db_hint}。",
        "The database {url} needs an upgrade. Back it up, then run "
        "'zhangye-server migrate{db_hint}'.",
    ),
    "db_too_new": (
        "数据库 {url} 由更新版本的 zhangye-server 创建，当前版本（{version}）无法使用它。"
        "请安装最新版本。数据库没有被改动。",
        "The database {url} was written by a newer zhangye-server; this version ({version}) "
        "cannot use it. Install the latest version. Nothing was changed.",
    ),
    "cannot_connect": (
        "无法连接数据库 {url}（{reason}）。"
        "请确认数据库服务正在运行，地址、端口、用户名和密码正确。",
        "Cannot connect to the database {url} ({reason}). Check that it is running and that "
        "the host, port, user name and password are right.",
    ),
    "db_busy": (
        "数据库正忙（另一个程序正在写入）。请稍后重试。",
        "The database is busy (another program is writing). Try again in a moment.",
    ),
    "db_error": (
        "数据库出错：{reason}。没有保存任何更改。",
        "Database error: {reason}. Nothing was saved.",
    ),
    "init_done": (
        "数据库已就绪：{url}（乡镇目录：新增或更新 {townships} 个乡镇、{villages} 个村、"
        "{organisations} 个党组织）。",
        "The database is ready: {url} (directory: {townships} townships, {villages} villages, "
        "{organisations} organisations added or updated).",
    ),
    "migrate_done": ("数据库已是最新版本：{url}", "The database is up to date: {url}"),
    # --- enrolment codes and devices ---
    "bad_duration": (
        "有效期“{value}”无效。请写成 30m（分钟）、12h（小时）或 7d（天）。",
        "Invalid expiry '{value}'. Use 30m (minutes), 12h (hours) or 7d (days).",
    ),
    "unknown_township": (
        "没有名为“{value}”的乡镇。可填写：{known}。",
        "There is no township called '{value}'. Use one of: {known}.",
    ),
    "enrol_code_done": (
        "以上是一次性注册码：仅用于{township}的一台笔记本，{expires} 前有效。"
        "请当面或电话告知使用者。",
        "Above is a single-use enrolment code for one laptop of {township}, valid until "
        "{expires}. Hand it over in person or by phone.",
    ),
    "device_revoked": (
        "设备 {id} 已停用，它下次同步时会被拒绝。如需恢复，请生成新的注册码重新注册。",
        "Device {id} is revoked; its next sync will be refused. To restore it, enrol it again "
        "with a new code.",
    ),
    "device_already_revoked": ("设备 {id} 此前已停用。", "Device {id} was already revoked."),
    "device_unknown": (
        "找不到设备 {id}。请核对设备编号（在管理页面的设备列表中可以看到）。",
        "No device {id}. Check the id (the admin pages list the devices).",
    ),
    # --- roster ---
    "file_not_found": ("找不到文件 {path}。", "File not found: {path}."),
    "roster_errors": (
        "花名册中有 {count} 处问题，没有导入任何人员。请在文件中改正后重新导入：",
        "The roster has {count} problem(s); nobody was imported. Fix them and import again:",
    ),
    "roster_more": ("……另有 {count} 处问题未列出。", "… and {count} more not shown."),
    "roster_done": (
        "花名册已导入：新增 {added} 人，更新 {updated} 人，未变 {unchanged} 人。",
        "Roster imported: {added} added, {updated} updated, {unchanged} unchanged.",
    ),
    "roster_duplicates": (
        "其中 {count} 人可能与已有人员重复，已列入待审核清单，请在管理页面确认或合并。",
        "{count} of them may duplicate people already on the roster; they are in the review "
        "queue for an admin to confirm or merge.",
    ),
    # --- materials ---
    "publish_done": (
        "资料已发布：“{title}”，{size}，sha256 {sha256}，{scope}。笔记本下次同步时会下载。",
        "Published '{title}', {size}, sha256 {sha256}, {scope}. Laptops download it at their "
        "next sync.",
    ),
    "publish_exists": (
        "这份资料此前已发布（“{title}”，sha256 {sha256}），没有重复发布。",
        "This file was already published ('{title}', sha256 {sha256}); nothing changed.",
    ),
    "scope_all": ("所有乡镇可见", "for every township"),
    "scope_township": ("仅{township}可见", "for {township} only"),
    "bad_priority": ("优先级必须是整数。", "The priority must be a whole number."),
    # --- statistics ---
    "bad_date": (
        "日期“{value}”无效。请写成 2026-03-01，或 2026-03 表示整月、2026 表示全年。",
        "Invalid date '{value}'. Use 2026-03-01, or 2026-03 for a month, 2026 for a year.",
    ),
    "period_reversed": (
        "统计期间的结束日期早于开始日期，请检查 --from 和 --to。",
        "The period ends before it starts: check --from and --to.",
    ),
    "stats_written": ("统计表已保存：{path}", "Statistics written to {path}"),
    "cannot_write": (
        "无法保存 {path}（{reason}）。如果这个文件正在 Excel 中打开，请先关闭它再重试。",
        "Cannot write {path} ({reason}). If it is open in Excel, close it and try again.",
    ),
    "stats_title": ("肃南县流动课堂统计", "Sunan county mobile classroom statistics"),
    "period_all": ("全部时间", "all time"),
    "period": ("{start} 至 {end}", "{start} to {end}"),
    "period_open_start": ("{end} 及以前", "up to {end}"),
    "period_open_end": ("{start} 起", "from {start}"),
    "by_label": ("按{by}", "by {by}"),
    "totals": ("合计", "Total"),
    "no_organisation": ("（未填党组织）", "(no organisation)"),
    "generated": ("生成时间：{at}", "Generated {at}"),
    # --- admins ---
    "password_prompt": ("请输入“{name}”的密码：", "Password for '{name}': "),
    "password_again": ("请再输入一次：", "Repeat the password: "),
    "password_mismatch": (
        "两次输入的密码不一致，没有创建管理员。请重新运行这个命令。",
        "The passwords do not match; no admin was created. Run the command again.",
    ),
    "password_short": (
        "密码太短：至少需要 {min} 个字符。没有创建管理员。",
        "The password is too short: at least {min} characters. No admin was created.",
    ),
    "password_missing": (
        "没有读到密码。使用 --password-stdin 时，请把密码作为第一行传入。",
        "No password was read. With --password-stdin, pass the password as the first line.",
    ),
    "admin_exists": (
        "已经有名为“{name}”的管理员，没有改动。",
        "An admin called '{name}' already exists; nothing changed.",
    ),
    "admin_needs_township": (
        "乡镇管理员需要用 --township 指定乡镇。",
        "A township admin needs --township.",
    ),
    "admin_done": (
        "管理员“{name}”已创建（{role}）。密码只以 argon2 哈希保存，无法找回，请妥善保管。",
        "Admin '{name}' created ({role}). Only an argon2 hash of the password is stored; "
        "it cannot be recovered, keep it safe.",
    ),
    "role_county": ("县级管理员", "county admin"),
    "role_township": ("乡镇管理员：{township}", "township admin: {township}"),
    "role_viewer": ("只读用户", "viewer"),
    # --- serving ---
    "port_in_use": (
        "端口 {port} 已被占用。请用 --port 换一个端口，或先停止占用它的程序。",
        "Port {port} is already in use. Choose another with --port or stop the other program.",
    ),
    "port_denied": (
        "没有权限使用端口 {port}（1024 以下的端口需要管理员权限）。"
        "请用 --port 换一个端口，如 8765。",
        "Port {port} needs administrator rights. Choose another with --port, e.g. 8765.",
    ),
    "cannot_listen": (
        "无法在 {host}:{port} 上监听（{reason}）。请检查 --host 是否是本机的地址。",
        "Cannot listen on {host}:{port} ({reason}). Check that --host is an address of this "
        "machine.",
    ),
    "interrupted": ("已停止。", "Stopped."),
    # --- USB bundles ---
    "bundle_done": (
        "数据包已导入（设备 {device}）：{batches} 批共 {ops} 条记录，其中新导入 {ok} 条、"
        "此前已导入 {dup} 条、交管理员审核 {quarantined} 条。回执已保存到 {receipt}，"
        "请把回执拷回这台笔记本，运行 “zhangye-desk bundle-import-receipt 回执文件” 导入。",
        "Bundle imported (device {device}): {batches} batches, {ops} records — {ok} new, "
        "{dup} already here, {quarantined} waiting for an administrator. The receipt is in "
        "{receipt}: copy it back to the laptop and run 'zhangye-desk bundle-import-receipt FILE'.",
    ),
    "bundle_refused_gap": (
        "服务器上这台笔记本的记录比它以为的少（服务器曾从备份恢复），其余部分没有导入。"
        "请把回执拷回笔记本导入，再重新导出数据包拿来导入。",
        "The server holds fewer of this laptop's records than it expects (the server was "
        "restored from a backup); the rest was not imported. Import the receipt on the laptop, "
        "then export a new bundle and import that.",
    ),
    "bundle_refused_seq_reuse": (
        "这台笔记本的数据文件曾被替换为旧副本，部分记录编号与已导入的记录冲突，冲突部分没有导入。"
        "请把回执拷回笔记本导入，再重新导出数据包拿来导入。",
        "This laptop's data file was replaced by an older copy; some record numbers clash with "
        "records already here and were not imported. Import the receipt on the laptop, then "
        "export a new bundle and import that.",
    ),
    "bundle_damaged": (
        "数据包文件不完整或已损坏（可能拷贝时中断），没有导入任何记录。"
        "请在笔记本上重新导出数据包，再拷贝过来导入。",
        "The bundle file is incomplete or damaged (a copy cut short?); nothing was imported. "
        "Export the bundle again on the laptop and copy it over.",
    ),
    "bundle_wrong_kind": (
        "这个文件不是笔记本导出的数据包（是否选成了回执文件？），没有导入任何记录。",
        "This file is not a bundle exported by a laptop (a receipt?); nothing was imported.",
    ),
    "bundle_protocol": (
        "数据包由不兼容的程序版本生成，没有导入任何记录。请把笔记本和服务器升级到最新版本。",
        "The bundle was written by an incompatible version; nothing was imported. Update the "
        "laptop and the server to the latest version.",
    ),
    "bundle_unknown_device": (
        "数据包来自没有在本服务器登记的笔记本（设备 {device}），没有导入任何记录。"
        "请确认这台笔记本登记的是本服务器。",
        "The bundle comes from a laptop not enrolled with this server (device {device}); "
        "nothing was imported. Check that the laptop is enrolled here.",
    ),
    "bundle_not_authentic": (
        "数据包的签名不正确（文件被改动过，或笔记本此后重新登记过），没有导入任何记录。"
        "请在笔记本上重新导出数据包。",
        "The bundle's signature does not match (the file was changed, or the laptop was "
        "enrolled again since); nothing was imported. Export a new bundle on the laptop.",
    ),
    "bundle_revoked": (
        "这台笔记本（设备 {device}）已被停用，没有导入它的数据包。"
        "如需恢复，请生成新的注册码重新登记。",
        "This laptop (device {device}) is revoked; its bundle was not imported. To restore it, "
        "enrol it again with a new code.",
    ),
    "bundle_refused": (
        "数据包无法导入（{detail}），没有导入任何记录。",
        "The bundle cannot be imported ({detail}); nothing was imported.",
    ),
    # --- anything else ---
    "service_error": ("无法完成操作：{detail}", "Could not complete the operation: {detail}"),
}

# Column headers of the statistics table, in output order (Chinese, English).
STAT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("sessions", "场次", "sessions"),
    ("participant_times", "人次", "participant-times"),
    ("registered_participant_times", "登记人次", "registered"),
    ("unregistered_headcount", "未登记人次", "unregistered"),
    ("unique_participants", "人数", "participants"),
    ("party_members", "党员数", "Party members"),
    ("party_members_attended", "参学党员数", "members attended"),
    ("participation_rate", "参与率", "participation rate"),
)
GROUP_LABELS: dict[str, tuple[str, str]] = {
    "township": ("乡镇", "township"),
    "organisation": ("党组织", "organisation"),
    "kind": ("课堂类型", "session kind"),
    "month": ("月份", "month"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "tent": ("帐篷课堂", "tent classroom"),
    "horseback": ("马背课堂", "horseback classroom"),
    "study": ("集中学习", "group study"),
    "party_lecture": ("专题党课", "Party lecture"),
    "party_day": ("主题党日", "Party day"),
    "mobile": ("流动宣讲", "mobile lecture"),
}


class Messages:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.index = 1 if lang == "en" else 0

    def __call__(self, key: str, **values: Any) -> str:
        return MESSAGES[key][self.index].format(**values)

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[self.index]


class UserError(Exception):
    """A problem the user can fix: rendered from the catalogue, exit status 1."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class Context:
    """What every command gets: the message catalogue and the database it works on."""

    msg: Messages
    db_url: str
    db_given: bool  # --db on the command line: repeat it in the commands we suggest
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def shown_url(self) -> str:
        return display_url(self.db_url)

    @property
    def db_hint(self) -> str:
        return f" --db {self.shown_url}" if self.db_given else ""

    def engine(self) -> Engine:
        if self._engine is None:
            from .db import create_engine_for

            self._engine = create_engine_for(self.db_url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ready_engine(self, *, allow_empty: bool = False) -> Engine:
        """The engine of an initialised database at this server's schema, or UserError.
        ``allow_empty``: an empty database is fine too (``serve`` initialises one)."""
        sqlite_file = _sqlite_file(self.db_url)
        if sqlite_file is not None and not sqlite_file.exists():
            if allow_empty:
                return self.engine()
            # Connecting would create an empty file here and hide the real mistake.
            raise UserError("db_missing", path=sqlite_file, db_hint=self.db_hint)
        from .dbadmin import schema_state

        engine = self.engine()
        state = schema_state(engine)
        if state.current is None and allow_empty:
            return engine
        if state.current is None:
            raise UserError("not_initialised", url=self.shown_url, db_hint=self.db_hint)
        if not state.known:
            raise UserError("db_too_new", url=self.shown_url, version=__version__)
        if not state.up_to_date:
            raise UserError("needs_migrate", url=self.shown_url, db_hint=self.db_hint)
        return engine


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy import make_url

    parsed = make_url(sqlalchemy_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _actor() -> str:
    """Who made a change, for the history: the operating-system user of this terminal."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def _say(text: str) -> None:
    """A message for people (stderr, so stdout stays clean for scripts)."""
    if sys.stderr is not None:
        print(text, file=sys.stderr)


def _township_code(conn: Any, value: str) -> str:
    """A township's code from its name, short name (马蹄乡 for 马蹄藏族乡) or code; the roster
    import understands the same spellings."""
    from .db import township
    from .roster_import import load_directory

    directory = load_directory(conn)
    code = directory.township_by_name.get(re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)))
    if code is None:
        names = conn.execute(select(township.c.name).order_by(township.c.sort)).scalars()
        raise UserError("unknown_township", value=value, known="、".join(names))
    return code


def _township_name(conn: Any, code: str) -> str:
    from .db import township

    return str(conn.execute(select(township.c.name).where(township.c.code == code)).scalar_one())


# --- parsing values ---------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$", re.IGNORECASE)
_DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """``30m`` / ``12h`` / ``7d`` → seconds; UserError otherwise."""
    match = _DURATION.match(unicodedata.normalize("NFKC", text))
    if match is None or int(match.group(1)) <= 0:
        raise UserError("bad_duration", value=text)
    return int(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]


def parse_day(text: str, *, end: bool) -> date:
    """``2026-03-01`` (or ``/`` and ``.``), ``2026-03`` or ``2026``: a whole month or year is
    its first day for ``--from`` and its last day for ``--to``."""
    value = unicodedata.normalize("NFKC", text).strip().replace("/", "-").replace(".", "-")
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            return datetime.strptime(value, "%Y-%m-%d").date()
        if re.fullmatch(r"\d{4}-\d{1,2}", value):
            first = datetime.strptime(value + "-1", "%Y-%m-%d").date()
            if not end:
                return first
            following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            return following - timedelta(days=1)
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 12, 31) if end else date(int(value), 1, 1)
    except ValueError:
        pass
    raise UserError("bad_date", value=text)


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


# --- commands ---------------------------------------------------------------------------------


def cmd_init_db(args: argparse.Namespace, ctx: Context) -> int:
    from .dbadmin import init_db

    result = init_db(ctx.engine())
    loaded = result["directory"]
    _say(ctx.msg("init_done", url=ctx.shown_url, **loaded))
    return 0


def cmd_migrate(args: argparse.Namespace, ctx: Context) -> int:
    from .dbadmin import migrate, schema_state

    sqlite_file = _sqlite_file(ctx.db_url)
    if sqlite_file is not None and not sqlite_file.exists():
        raise UserError("db_missing", path=sqlite_file, db_hint=ctx.db_hint)
    state = schema_state(ctx.engine())
    if state.current is None:
        # Migrating an empty database would leave it without its epoch and directory.
        raise UserError("not_initialised", url=ctx.shown_url, db_hint=ctx.db_hint)
    if not state.known:
        raise UserError("db_too_new", url=ctx.shown_url, version=__version__)
    migrate(ctx.engine())
    _say(ctx.msg("migrate_done", url=ctx.shown_url))
    return 0


def cmd_serve(args: argparse.Namespace, ctx: Context) -> int:
    from .serve import serve
    from .settings import Settings, default_files_dir

    # An empty database (or a missing SQLite file) is the one-command install: serve
    # initialises it. One behind or ahead of us is refused here, in the admin's language.
    ctx.ready_engine(allow_empty=True)
    ctx.close()  # the server opens its own engine
    settings = Settings(
        db_url=ctx.db_url,
        files_dir=Path(args.files) if args.files else default_files_dir(),
        host=args.host,
        port=args.port,
    )
    if args.port != 0:
        _check_port_free(args.host, args.port)
    logging.getLogger().setLevel(logging.INFO)  # a running server's log is for its admins
    # uvicorn reports a port taken meanwhile itself (and exits 1): the check above is only
    # there to say it in the admin's language in the common case.
    serve(settings, ready_file=Path(args.ready_file) if args.ready_file else None)
    return 0


def _check_port_free(host: str, port: int) -> None:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The same option uvicorn binds with, so a port in TIME_WAIT is not called busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError("port_in_use", port=port) from None
            if exc.errno == errno.EACCES:
                raise UserError("port_denied", port=port) from None
            raise UserError("cannot_listen", host=host, port=port, reason=exc.strerror) from None


def cmd_enrol_code(args: argparse.Namespace, ctx: Context) -> int:
    from .auth import create_enrol_code
    from .db import write_transaction

    ttl_s = parse_duration(args.expires)
    with write_transaction(ctx.ready_engine()) as conn:
        code = _township_code(conn, args.township)
        name = _township_name(conn, code)
        enrol = create_enrol_code(conn, code, ttl_s, created_by=_actor())
    print(enrol)  # alone on stdout: scripts read it; people see it above the explanation
    until = (datetime.now() + timedelta(seconds=ttl_s)).strftime("%Y-%m-%d %H:%M")
    _say(ctx.msg("enrol_code_done", township=name, expires=until))
    return 0


def cmd_revoke_device(args: argparse.Namespace, ctx: Context) -> int:
    from .auth import revoke_device
    from .db import write_transaction
    from .errors import NotFound

    try:
        with write_transaction(ctx.ready_engine()) as conn:
            changed = revoke_device(conn, args.device_id)
    except NotFound:
        raise UserError("device_unknown", id=args.device_id) from None
    _say(ctx.msg("device_revoked" if changed else "device_already_revoked", id=args.device_id))
    return 0


def cmd_import_bundle(args: argparse.Namespace, ctx: Context) -> int:
    import time

    from ..sync.bundles import BundleError, write_atomically
    from .bundles import import_bundle

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError:
        raise UserError("file_not_found", path=path) from None
    target = Path(args.receipt) if args.receipt else path.with_name(path.stem + ".receipt")
    if target.resolve() == path.resolve():
        target = path.with_name(path.name + ".receipt")
    engine = ctx.ready_engine()
    try:
        imported = import_bundle(engine, data, now=time.time())
    except BundleError as exc:
        key = exc.code if exc.code in MESSAGES else "bundle_refused"
        raise UserError(key, **{"device": "", "detail": exc, **exc.values}) from None
    receipt = imported.receipt
    try:
        write_atomically(target, imported.receipt_bytes())
    except OSError as exc:
        raise UserError("cannot_write", path=target, reason=exc.strerror or exc) from None
    summary = receipt["summary"]
    if args.json:
        shown = {k: v for k, v in receipt.items() if k != "batches"}
        print(json.dumps({**shown, "receipt": str(target)}, ensure_ascii=False, sort_keys=True))
    _say(
        ctx.msg(
            "bundle_done",
            device=receipt["device_id"],
            batches=len(receipt["batches"]),
            receipt=target,
            **summary,
        )
    )
    refused = receipt["refused"]
    if refused:
        _say(ctx.msg(f"bundle_refused_{refused['error']}"))
    return 0


def cmd_import_roster(args: argparse.Namespace, ctx: Context) -> int:
    from .db import write_transaction
    from .roster_import import import_roster

    path = Path(args.file)
    if not path.is_file():
        raise UserError("file_not_found", path=path)
    with write_transaction(ctx.ready_engine()) as conn:
        result = import_roster(conn, path, actor=_actor())
    if result.errors:
        _say(ctx.msg("roster_errors", count=len(result.errors)))
        for error in result.errors[:MAX_ROSTER_ERRORS_SHOWN]:
            _say("  " + error.message(ctx.msg.lang))
        hidden = len(result.errors) - MAX_ROSTER_ERRORS_SHOWN
        if hidden > 0:
            _say(ctx.msg("roster_more", count=hidden))
        return 1
    summary = {
        "added": result.added,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "likely_duplicates": result.likely_duplicates,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    else:
        print(ctx.msg("roster_done", **summary))
    if result.likely_duplicates:
        _say(ctx.msg("roster_duplicates", count=result.likely_duplicates))
    return 0


def cmd_publish_material(args: argparse.Namespace, ctx: Context) -> int:
    from .db import write_transaction
    from .service import publish_material
    from .settings import default_files_dir

    path = Path(args.file)
    if not path.is_file():
        raise UserError("file_not_found", path=path)
    files_dir = Path(args.files) if args.files else default_files_dir()
    with write_transaction(ctx.ready_engine()) as conn:
        township_code = _township_code(conn, args.township) if args.township else None
        row = publish_material(
            conn,
            files_dir,
            path,
            title=args.title,
            topic=args.topic,
            language=args.language,
            priority=args.priority,
            township_code=township_code,
            actor=_actor(),
        )
        township_name = _township_name(conn, township_code) if township_code else None
    if args.json:
        keys = (
            "id",
            "sha256",
            "size",
            "mime",
            "title",
            "topic",
            "language",
            "priority",
            "township_code",
            "version",
            "created",
        )
        print(json.dumps({k: row.get(k) for k in keys}, ensure_ascii=False, sort_keys=True))
        return 0
    if not row["created"]:
        print(ctx.msg("publish_exists", title=row["title"], sha256=row["sha256"]))
        return 0
    scope = (
        ctx.msg("scope_township", township=township_name) if township_name else ctx.msg("scope_all")
    )
    print(
        ctx.msg(
            "publish_done",
            title=row["title"],
            size=_size(int(row["size"])),
            sha256=row["sha256"],
            scope=scope,
        )
    )
    return 0


def cmd_create_admin(args: argparse.Namespace, ctx: Context) -> int:
    from .auth import create_admin
    from .db import write_transaction
    from .errors import ServiceError

    if args.role == "township" and not args.township:
        raise UserError("admin_needs_township")
    engine = ctx.ready_engine()  # before asking for a password that could not be stored
    password = _read_password(args, ctx.msg)
    try:
        with write_transaction(engine) as conn:
            township_code = _township_code(conn, args.township) if args.township else None
            create_admin(conn, args.name, password, role=args.role, township_code=township_code)
            township_name = _township_name(conn, township_code) if township_code else ""
    except ServiceError as exc:
        if exc.code == "exists":
            raise UserError("admin_exists", name=args.name.strip()) from None
        raise
    role = ctx.msg(f"role_{args.role}", township=township_name)
    _say(ctx.msg("admin_done", name=args.name.strip(), role=role))
    return 0


def _read_password(args: argparse.Namespace, msg: Messages) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password  # a Windows pipe
        if not password:
            raise UserError("password_missing")
    else:
        password = getpass.getpass(msg("password_prompt", name=args.name.strip()))
        if len(password) >= MIN_PASSWORD_LENGTH:
            if getpass.getpass(msg("password_again")) != password:
                raise UserError("password_mismatch")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password_short", min=MIN_PASSWORD_LENGTH)
    return password


def cmd_stats(args: argparse.Namespace, ctx: Context) -> int:
    from .db import read_transaction
    from .stats import statistics

    date_from = parse_day(args.date_from, end=False) if args.date_from else None
    date_to = parse_day(args.date_to, end=True) if args.date_to else None
    if date_from and date_to and date_to < date_from:
        raise UserError("period_reversed")
    with read_transaction(ctx.ready_engine()) as conn:
        township_code = _township_code(conn, args.township) if args.township else None
        township_name = _township_name(conn, township_code) if township_code else None
        figures = statistics(conn, date_from, date_to, args.by, township_code)
    report = StatsReport(figures, args.by, date_from, date_to, township_name, ctx.msg)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, sort_keys=True))
    elif args.xlsx:
        target = Path(args.xlsx)
        try:
            report.write_xlsx(target)
        except OSError as exc:
            raise UserError("cannot_write", path=target, reason=exc.strerror or exc) from None
        _say(ctx.msg("stats_written", path=target))
    else:
        print(report.as_text())
    return 0


# --- the statistics report ----------------------------------------------------------------------


@dataclass
class StatsReport:
    """One ``stats.statistics`` result, rendered as JSON, a text table or an Excel sheet."""

    figures: dict[str, Any]
    by: str
    date_from: date | None
    date_to: date | None
    township: str | None
    msg: Messages

    def period(self) -> str:
        start, end = self.date_from, self.date_to
        if start and end:
            return self.msg("period", start=start.isoformat(), end=end.isoformat())
        if end:
            return self.msg("period_open_start", end=end.isoformat())
        if start:
            return self.msg("period_open_end", start=start.isoformat())
        return self.msg("period_all")

    def title(self) -> str:
        parts = [self.msg("stats_title")]
        if self.township:
            parts.append(self.township)
        parts.append(self.msg("by_label", by=self.msg.pick(GROUP_LABELS[self.by])))
        parts.append(self.period())
        return "　".join(parts) if self.msg.lang != "en" else " — ".join(parts)

    def label(self, row: dict[str, Any]) -> str:
        if self.by == "kind" and row["key"] in KIND_LABELS:
            return self.msg.pick(KIND_LABELS[row["key"]])
        if self.by == "organisation" and not row["key"]:
            return self.msg("no_organisation")
        return str(row.get("label") or row["key"])

    def headers(self) -> list[str]:
        group = self.msg.pick(GROUP_LABELS[self.by])
        return [group] + [self.msg.pick((zh, en)) for _, zh, en in STAT_COLUMNS]

    def table(self) -> list[list[Any]]:
        """Data rows then the totals row; numbers stay numbers (a rate is a fraction)."""
        keys = [key for key, _, _ in STAT_COLUMNS]
        rows = [[self.label(row)] + [row.get(k) for k in keys] for row in self.figures["rows"]]
        totals = self.figures["totals"]
        rows.append([self.msg("totals")] + [totals.get(k) for k in keys])
        return rows

    def as_json(self) -> dict[str, Any]:
        rows = [{**row, "label": self.label(row)} for row in self.figures["rows"]]
        return {
            "by": self.by,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "township": self.township,
            "totals": self.figures["totals"],
            "rows": rows,
        }

    @staticmethod
    def _cell(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:.1%}"
        return str(value)

    def as_text(self) -> str:
        table = [self.headers()] + [[self._cell(v) for v in row] for row in self.table()]
        widths = [max(_display_width(str(row[i])) for row in table) for i in range(len(table[0]))]
        lines = [self.title()]
        for row in table:
            cells = []
            for i, value in enumerate(row):
                pad = " " * (widths[i] - _display_width(str(value)))
                cells.append(str(value) + pad if i == 0 else pad + str(value))
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def write_xlsx(self, path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
        from openpyxl.utils import get_column_letter

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = self.msg("stats_title")[:31]  # Excel's limit for sheet names
        headers = self.headers()
        width = len(headers)
        # Row 1: the title with the period (merged across the table, as a printed report).
        sheet.cell(row=1, column=1, value=self.title()).font = Font(bold=True, size=14)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        generated = datetime.now().strftime("%Y-%m-%d %H:%M")
        sheet.cell(row=2, column=1, value=self.msg("generated", at=generated))
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        header_row = 3
        fill = PatternFill("solid", fgColor="DDE6F0")
        thin = Side(style="thin", color="999999")
        for column, text in enumerate(headers, 1):
            cell = sheet.cell(row=header_row, column=column, value=text)
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = Border(bottom=thin)
        rows = self.table()
        rate_column = 2 + [key for key, _, _ in STAT_COLUMNS].index("participation_rate")
        for offset, values in enumerate(rows, 1):
            is_totals = offset == len(rows)
            for column, value in enumerate(values, 1):
                cell = sheet.cell(row=header_row + offset, column=column, value=value)
                if column == rate_column:
                    cell.number_format = "0.0%"
                if is_totals:
                    cell.font = Font(bold=True)
                    cell.border = Border(top=thin)
        # Widths from the longest text in each column (CJK characters count double).
        for column in range(1, width + 1):
            texts = [headers[column - 1]] + [self._cell(row[column - 1]) for row in rows]
            longest = max(_display_width(t) for t in texts)
            sheet.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, 8), 48)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(path)


def _display_width(text: str) -> int:
    """Columns a string takes in a terminal or an Excel cell: CJK characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- the parser -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    # --db and --lang are accepted before or after the command: SUPPRESS keeps a value given
    # before the command from being reset by the subcommand's default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"sqlite:///FILE or postgresql://USER@HOST/DB (default: ${DB_ENV} or a SQLite "
        "file in the server's data folder)",
    )
    common.add_argument(
        "--lang", choices=LANGS, default=argparse.SUPPRESS, help="zh_CN (default) or en"
    )

    parser = argparse.ArgumentParser(
        prog="zhangye-server",
        description="张掖流动课堂中心服务器 Zhangye Desk central server " + __version__,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text)

    serve = command("serve", "run the server (HTTP API and admin pages)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--files", metavar="DIR", help="material files folder")
    serve.add_argument(
        "--ready-file", metavar="F", help="write the server's URL here once it accepts connections"
    )

    command("init-db", "create or upgrade the database and load the township directory")
    command("migrate", "upgrade the database to this version's schema (back it up first)")

    enrol = command("enrol-code", "make a single-use code that enrols one laptop")
    enrol.add_argument("--township", required=True, help="e.g. 大河乡")
    enrol.add_argument("--expires", default="7d", help="30m, 12h or 7d (default 7d)")

    roster = command("import-roster", "import people from .xlsx or .csv (all or nothing)")
    roster.add_argument("file", metavar="FILE")
    roster.add_argument("--json", action="store_true", help="print the counts as JSON")

    publish = command("publish-material", "publish a file for laptops to download")
    publish.add_argument("file", metavar="FILE")
    publish.add_argument("--title", required=True)
    publish.add_argument("--topic")
    publish.add_argument("--language", help="e.g. zh, ug (Yugur), bo (Tibetan), mn (Mongolian)")
    publish.add_argument("--priority", type=int, default=0, help="higher downloads first")
    publish.add_argument("--township", help="only this township's laptops (default: all)")
    publish.add_argument("--files", metavar="DIR", help="material files folder")
    publish.add_argument("--json", action="store_true")

    stats = command("stats", "sessions, participant-times and participation by group")
    stats.add_argument("--by", choices=tuple(GROUP_LABELS), default="township")
    stats.add_argument("--from", dest="date_from", metavar="D", help="2026-01-01, 2026-01, 2026")
    stats.add_argument("--to", dest="date_to", metavar="D", help="inclusive")
    stats.add_argument("--township", help="only this township's sessions and members")
    output = stats.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--xlsx", metavar="F", help="write an Excel report")

    admin = command("create-admin", "add a user of the admin pages (asks for a password)")
    admin.add_argument("name", metavar="NAME")
    admin.add_argument("--role", choices=("county", "township", "viewer"), default="county")
    admin.add_argument("--township")
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (for scripts)",
    )

    bundle = command("import-bundle", "import a laptop's USB bundle and write its receipt")
    bundle.add_argument("file", metavar="FILE")
    bundle.add_argument("--receipt", metavar="OUT", help="receipt file (default: FILE.receipt)")
    bundle.add_argument("--json", action="store_true", help="print the receipt summary as JSON")

    revoke = command("revoke-device", "stop a laptop from syncing (e.g. lost or stolen)")
    revoke.add_argument("device_id", metavar="ID")
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace, Context], int]] = {
    "serve": cmd_serve,
    "init-db": cmd_init_db,
    "migrate": cmd_migrate,
    "enrol-code": cmd_enrol_code,
    "import-roster": cmd_import_roster,
    "publish-material": cmd_publish_material,
    "stats": cmd_stats,
    "create-admin": cmd_create_admin,
    "revoke-device": cmd_revoke_device,
    "import-bundle": cmd_import_bundle,
}


def _describe_db_error(exc: Exception, ctx: Context) -> str:
    """A database exception as a calm sentence (never the SQL or the parameters)."""
    from sqlalchemy.exc import OperationalError

    original = getattr(exc, "orig", None) or exc
    reason = str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
    if isinstance(exc, OperationalError):
        if "locked" in reason or "busy" in reason:
            return ctx.msg("db_busy")
        return ctx.msg("cannot_connect", url=ctx.shown_url, reason=reason)
    return ctx.msg("db_error", reason=reason)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = getattr(args, "lang", None) or os.environ.get(LANG_ENV) or "zh_CN"
    msg = Messages(lang if lang in LANGS else "zh_CN")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    given = getattr(args, "db", None)
    try:
        db_url = given or default_db_url()
        sqlalchemy_url(db_url)  # refuse a bad URL before anything else happens
    except SettingsError as exc:
        _say(msg("bad_db_url", detail=exc))
        return 1
    ctx = Context(msg=msg, db_url=db_url, db_given=given is not None)
    from sqlalchemy.exc import SQLAlchemyError

    from .dbadmin import SchemaError
    from .error_texts import describe
    from .errors import ServiceError

    try:
        return COMMANDS[args.command](args, ctx)
    except UserError as exc:
        _say(msg(exc.key, **exc.values))
        return 1
    except SchemaError as exc:
        _say(msg("service_error", detail=exc))
        return 1
    except ServiceError as exc:
        log.debug("service error", exc_info=True)
        _say(msg("service_error", detail=describe(msg.lang, exc)))
        return 1
    except SQLAlchemyError as exc:
        log.debug("database error", exc_info=True)
        _say(_describe_db_error(exc, ctx))
        return 1
    except KeyboardInterrupt:
        _say(msg("interrupted"))
        return 130
    finally:
        ctx.close()


if __name__ == "__main__":
    raise SystemExit(main())

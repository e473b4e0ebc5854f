"""The client sync engine: enrol a laptop, then push, pull and download (docs/protocol.md).

``sync(db, paths, state=...)`` is a plain function the window's task runner, the CLI and the
tests call alike; it reports progress through ``TaskState.report(done, total, phase)`` (phases
``push``, ``pull``, ``download``) and stops at safe points when ``state.check()`` says so. Every
step can be cut at any byte and resumed: the outbox is acknowledged only in the transaction
that follows a parsed ``200`` (``outbox.mark_acked``), a pull page and its cursor commit
together, a download keeps its verified offset. Nothing recorded is lost or counted twice: the
server deduplicates by op key and hash, and the laptop re-sends anything it is not sure of.

Order (DESIGN §4): sync info (protocol, clock offset, server epoch) → push → pull → (push
again when the server turned out to be restored) → server counts for the receipt → downloads
by priority of the materials the download queue wants (``core.materials.effective_choice``:
large videos wait until chosen; ``download_materials`` fetches chosen ones on their own) → a
backup. What a push reply reports back (quarantined ops, person conflicts) is stored with the
acknowledgement (``core.sync_issues``). One sync at a time per data folder (a lock; a second
one raises ``SyncAlreadyRunning``). The device secret lives in ``sync_state`` and is never logged.
Nothing here imports Qt or the server package.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import filelock
from sqlite_utils import Database

from ..core import backup, outbox, people, status, sync_issues
from ..core.errors import InvalidValueError
from ..core.ids import now
from ..core.materials import (
    CHOICE_WANTED,
    effective_choice,
    register_material,
    set_file_state,
)
from ..core.store import replica_id, rotate_replica, transaction
from ..core.tasks import TaskState
from ..paths import DataPaths
from . import downloads, tls
from .errors import (
    DiskFull,
    EnrolCodeRejected,
    NoNetwork,
    NotEnrolled,
    ProtocolMismatch,
    ServerBusy,
    ServerError,
    SyncAlreadyRunning,
    SyncError,
    TransientError,
)
from .http import CONNECT_TIMEOUT_S, STALL_TIMEOUT_S, Backoff, Reply, SyncHttp, normalise_url
from .wire import (
    MAX_BATCH_BYTES,
    MIN_BATCH_BYTES,
    PROTOCOL,
    START_BATCH_BYTES,
    BatchSizer,
    build_batch,
)

log = logging.getLogger(__name__)

CLOCK_WARNING_S = 5 * 60
ACKED_KEEP_S = 30 * 24 * 3600  # acknowledged ops kept for a re-push after a server restore
PULL_LIMIT = 500
PUSH_WINDOW_OPS = 8000  # ops considered for one batch (128 KiB holds ~5,000 marks)
MAX_KEY_REPAIRS = 20  # seq_reuse/gap answers in one sync before we call it a server bug

OPTIONS_ENV = "ZHANGYE_DESK_SYNC_OPTIONS"

PHASE_PUSH = "push"
PHASE_PULL = "pull"
PHASE_DOWNLOAD = "download"

_PUSH_HEADERS = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
_JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass
class SyncOptions:
    """Knobs with production defaults; the tests shrink timeouts, delays and batches."""

    connect_timeout: float = CONNECT_TIMEOUT_S
    stall_timeout: float = STALL_TIMEOUT_S
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    max_failures: int = 12  # ~1.5 min of retries on average before giving up
    batch_start: int = START_BATCH_BYTES
    batch_min: int = MIN_BATCH_BYTES
    batch_max: int = MAX_BATCH_BYTES
    pull_limit: int = PULL_LIMIT
    fetch_files: bool = True  # download material files after the records
    backup: bool = True
    download_reserve: int = downloads.RESERVE_BYTES

    @classmethod
    def from_env(cls) -> SyncOptions:
        """Defaults, overridden by ``ZHANGYE_DESK_SYNC_OPTIONS`` (a JSON object of these field
        names): for tuning on a site's link, and for the tests that run the CLI."""
        raw = os.environ.get(OPTIONS_ENV, "").strip()
        if not raw:
            return cls()
        try:
            values = json.loads(raw)
        except ValueError as exc:
            raise SyncError(f"{OPTIONS_ENV} is not JSON: {exc}") from exc
        known = {f.name for f in fields(cls)}
        if not isinstance(values, dict) or not set(values) <= known:
            raise SyncError(f"{OPTIONS_ENV} may only set {sorted(known)}")
        return cls(**values)

    def backoff(self) -> Backoff:
        return Backoff(
            base_s=self.backoff_base_s, cap_s=self.backoff_cap_s, max_failures=self.max_failures
        )


@dataclass
class Receipt:
    """What one sync did, as the CLI prints it (``sync --json``) and the window shows it."""

    server_url: str
    started_at: int
    finished_at: int | None = None
    ops_acked: int = 0  # outbox ops acknowledged by this sync
    duplicates: int = 0  # of the ops sent, how many the server already had
    batches: int = 0  # push batches the server committed
    failed_attempts: int = 0  # requests retried (cuts, stalls, busy answers …)
    replica_rotations: int = 0
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    # person edits that met another edit on the server: {"seq", "person_id", "fields"}
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    pending_ops: int = 0  # still waiting after this sync (0 unless it stopped early)
    server_counts: dict[str, int] | None = None
    local_totals: dict[str, int] = field(default_factory=dict)
    totals_match: bool | None = None  # None: not comparable (ops still pending)
    directory_changes: int = 0
    people: dict[str, int] = field(
        default_factory=lambda: {"upserted": 0, "deleted": 0, "merged": 0}
    )
    materials: dict[str, int] = field(default_factory=lambda: {"upserted": 0, "retired": 0})
    snapshot: bool = False  # the pull had to start over from a snapshot (410)
    server_restored: bool = False  # a new server epoch: every op still held was re-sent
    files_downloaded: int = 0
    bytes_downloaded: int = 0
    files_failed: list[dict[str, Any]] = field(default_factory=list)
    files_pending: int = 0
    files_deferred: int = 0  # left in the download queue until the user chooses them
    clock_offset_s: int | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)
    backup: str | None = None

    def warn(self, code: str, **values: Any) -> None:
        self.warnings.append({"code": code, **values})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Credentials:
    server_url: str
    device_id: str
    secret: str

    def __repr__(self) -> str:  # never let the secret reach a log through a repr
        return f"Credentials(server_url={self.server_url!r}, device_id={self.device_id!r})"


# --- one sync at a time ---------------------------------------------------------------------

_LOCKS_GUARD = threading.Lock()
_LOCKS: dict[str, threading.Lock] = {}


@contextmanager
def _sync_lock(paths: DataPaths) -> Iterator[None]:
    """Refuse a second sync of the same data folder, from this process or another."""
    key = str(paths.root)
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        raise SyncAlreadyRunning("a sync of this data folder is already running")
    try:
        paths.root.mkdir(parents=True, exist_ok=True)
        file_lock = filelock.FileLock(str(paths.root / "sync.lock"), timeout=0)
        try:
            file_lock.acquire()
        except filelock.Timeout as exc:
            raise SyncAlreadyRunning("another program is syncing this data folder") from exc
        try:
            yield
        finally:
            file_lock.release()
    finally:
        lock.release()


# --- sync_state -----------------------------------------------------------------------------


def _state_row(db: Database) -> dict[str, Any]:
    cursor = db.execute("SELECT * FROM sync_state WHERE id = 1")
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    return dict(zip(names, row, strict=True))


def credentials(db: Database) -> Credentials:
    row = _state_row(db)
    if not (row.get("device_id") and row.get("device_secret") and row.get("server_url")):
        raise NotEnrolled("this laptop is not enrolled with a server")
    return Credentials(str(row["server_url"]), str(row["device_id"]), str(row["device_secret"]))


def _set_state(db: Database, **values: Any) -> None:
    assignments = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE sync_state SET {assignments} WHERE id = 1", list(values.values()))


def point_at_server(db: Database, server_url: str) -> None:
    """The same server under a new address (it moved, or the demo server took another port):
    keep the device, its secret and the outbox; only the address changes."""
    credentials(db)  # NotEnrolled first: an address alone enrols nothing
    with transaction(db):
        _set_state(db, server_url=normalise_url(server_url))


# --- enrolment ------------------------------------------------------------------------------


def _fetch_info(http: SyncHttp) -> tuple[dict[str, Any], float]:
    """GET /v1/sync/info; returns the reply and the clock offset estimate (seconds)."""
    sent = time.time()
    reply = http.call("GET", "/v1/sync/info")
    received = time.time()
    if reply.status != 200:
        raise ServerError(f"sync info answered {reply.status}", status=reply.status)
    info = reply.data
    low, high = info.get("protocol_min", PROTOCOL), info.get("protocol_max", PROTOCOL)
    if not (isinstance(low, int) and isinstance(high, int) and low <= PROTOCOL <= high):
        raise ProtocolMismatch(f"server speaks protocol {low}..{high}, this app {PROTOCOL}")
    server_time = info.get("server_time")
    offset = float(server_time) - (sent + received) / 2 if server_time is not None else 0.0
    return info, offset


def _data_folder(db: Database) -> Path | None:
    """The data folder of the store ``db`` (the folder of its file, ``DataPaths.db``); None for
    a database that is not a file."""
    rows = db.execute("PRAGMA database_list").fetchall()
    file = next((row[2] for row in rows if row[1] == "main"), "")
    return Path(file).parent if file else None


def enrol(
    db: Database,
    server_url: str,
    code: str,
    name: str | None = None,
    *,
    options: SyncOptions | None = None,
) -> dict[str, Any]:
    """Enrol this laptop with a single-use code; store the device id and secret.

    Returns what the user should see (device id, township, server) — never the secret.
    Re-enrolling (a revoked laptop, another server) keeps the outbox; if the server is not the
    same database as before (another epoch), every op still held is sent again.
    """
    options = options or SyncOptions.from_env()
    url = normalise_url(server_url)
    device_name = (name or "").strip() or socket.gethostname()
    with SyncHttp(
        url,
        connect_timeout=options.connect_timeout,
        stall_timeout=options.stall_timeout,
        backoff=options.backoff(),
        ca_file=tls.county_ca_file(_data_folder(db)),
    ) as http:
        info, offset = _fetch_info(http)
        body = json.dumps(
            {"code": code.strip(), "name": device_name, "replica_id": replica_id(db)},
            ensure_ascii=False,
        ).encode("utf-8")
        reply = http.call("POST", "/v1/devices", data=body, headers=_JSON_HEADERS)
    if reply.status in (400, 403):
        reason = reply.error or "bad_request"
        raise EnrolCodeRejected(f"enrolment refused: {reason}", reason=reason)
    if reply.status not in (200, 201):
        raise ServerError(f"enrolment answered {reply.status}", status=reply.status)
    data = reply.data
    device_id, secret = data.get("device_id"), data.get("secret")
    if not isinstance(device_id, str) or not isinstance(secret, str):
        raise ServerError("enrolment reply without device id or secret", status=reply.status)
    epoch = data.get("server_epoch") or info.get("server_epoch")
    with transaction(db):
        before = _state_row(db)
        if before.get("server_epoch") not in (None, epoch):
            # Another server database: what it has is unknown, send everything still held.
            outbox.unack_after(db, 0)
            _set_state(db, pull_cursor=None, snapshot_after=None)
        _set_state(
            db,
            server_url=url,
            device_id=device_id,
            device_secret=secret,
            device_name=device_name,
            township_code=data.get("township_code"),
            server_epoch=epoch,
            clock_offset_s=round(offset),
        )
    log.info("enrolled as device %s with %s", device_id, url)
    return {
        "device_id": device_id,
        "server_url": url,
        "name": device_name,
        "township_code": data.get("township_code"),
        "township_name": data.get("township_name"),
        "clock_offset_s": round(offset),
    }


# --- sync -----------------------------------------------------------------------------------


class _Run:
    """One sync's working state (the http client, receipt, sizer, progress)."""

    def __init__(
        self,
        db: Database,
        paths: DataPaths,
        creds: Credentials,
        state: TaskState | None,
        options: SyncOptions,
    ) -> None:
        self.db = db
        self.paths = paths
        self.creds = creds
        self.state = state
        self.options = options
        self.http = SyncHttp(
            creds.server_url,
            device_id=creds.device_id,
            secret=creds.secret,
            connect_timeout=options.connect_timeout,
            stall_timeout=options.stall_timeout,
            backoff=options.backoff(),
            check=self.check,
            ca_file=tls.county_ca_file(paths.root),
        )
        self.receipt = Receipt(server_url=creds.server_url, started_at=now())
        self.sizer = BatchSizer(
            options.batch_start, minimum=options.batch_min, maximum=options.batch_max
        )
        self.raw_limit: int | None = None
        self.clock_offset: int | None = None
        self.server_counts: dict[str, int] | None = None

    def check(self) -> None:
        if self.state is not None:
            self.state.check()

    def report(self, done: int, total: int, phase: str) -> None:
        if self.state is not None:
            self.state.report(done, total, phase)

    # -- info ------------------------------------------------------------------------------

    def info(self) -> None:
        info, offset = _fetch_info(self.http)
        self.clock_offset = round(offset)
        self.receipt.clock_offset_s = self.clock_offset
        if abs(offset) > CLOCK_WARNING_S:
            # Shown, stored with the ops, never a reason to refuse (device clocks order nothing).
            self.receipt.warn("clock_offset", seconds=self.clock_offset)
        limit = info.get("max_request_bytes")
        if isinstance(limit, int) and limit > 0:
            # The limit is on the body as sent (compressed); leave room for the headers.
            self.sizer.limit_to(max(limit - 1024, 1))
        epoch = info.get("server_epoch")
        with transaction(self.db):
            _set_state(self.db, clock_offset_s=self.clock_offset)
            if isinstance(epoch, str):
                self._see_epoch(epoch)

    def _see_epoch(self, epoch: str) -> bool:
        """Inside a transaction: a new server epoch means the server was restored.

        Returns True when the epoch changed (every op still held is pending again)."""
        stored = _state_row(self.db).get("server_epoch")
        if stored == epoch:
            return False
        if stored is not None:
            # It may have lost anything we pushed since its backup: send every op still held
            # (the server deduplicates) and rebuild our copy of its roster from a snapshot.
            log.warning("server epoch changed (%s → %s): re-sending held ops", stored, epoch)
            outbox.unack_after(self.db, 0)
            _set_state(self.db, pull_cursor=None, snapshot_after="")
            self.receipt.server_restored = True
            self.receipt.snapshot = True
            self.receipt.warn("server_restored")
        _set_state(self.db, server_epoch=epoch)
        return stored is not None

    # -- push ------------------------------------------------------------------------------

    def push(self) -> None:
        db = self.db
        total = outbox.pending_count(db)
        done = 0
        repairs = 0
        self.report(0, total, PHASE_PUSH)
        while True:
            self.check()
            window = outbox.pending(db, limit=PUSH_WINDOW_OPS)
            if not window:
                break
            row = _state_row(db)
            replica = str(row["replica_id"])
            prev = int(row["acked_through"])
            batch = build_batch(
                window,
                target=self.sizer.target,
                raw_limit=self.raw_limit,
                replica_id=replica,
                device_id=self.creds.device_id,
                prev=prev,
                device_time=now(),
                clock_offset_s=self.clock_offset,
            )
            try:
                reply = self.http.once(
                    "POST", "/v1/sync/push", data=batch.body, headers=_PUSH_HEADERS
                )
            except TransientError as exc:
                # Nothing is acknowledged; the same ops go again, in a smaller batch.
                self.receipt.failed_attempts += 1
                self.sizer.failed()
                self.http.retry_or_raise(exc)
                continue
            if reply.status == 200:
                acked = self._acknowledge(reply, batch.seqs, replica)
                done += acked
                total = max(total, done + outbox.pending_count(db))
                self.report(done, total, PHASE_PUSH)
                continue
            repairs += 1
            if repairs > MAX_KEY_REPAIRS:
                raise ServerError(
                    f"push kept answering {reply.status} {reply.error}",
                    status=reply.status,
                    error=reply.error,
                )
            if reply.status == 409 and reply.error == "seq_reuse":
                self._rotate(reply, replica)
            elif reply.status == 409 and reply.error == "gap":
                self._gap(reply, prev)
            elif reply.status == 413:
                if len(batch.seqs) == 1 and self.sizer.target <= self.sizer.minimum:
                    raise ServerError("one op is larger than the server accepts", status=413)
                self.sizer.failed()
                self.sizer.target = min(self.sizer.target, max(batch.size // 2, 1))
            else:
                raise ServerError(
                    f"push answered {reply.status} {reply.error}",
                    status=reply.status,
                    error=reply.error,
                )

    def _acknowledge(self, reply: Reply, seqs: tuple[int, ...], replica: str) -> int:
        data = reply.data
        server_acked = data.get("acked_through")
        if data.get("replica_id") != replica or not isinstance(server_acked, int):
            raise ServerError("push reply for another replica or without acked_through", status=200)
        # Only ops of *this* batch: a larger acked_through may come from the same seqs of
        # another incarnation of this file (a copy put back by hand), never from these ops.
        through = min(server_acked, seqs[-1])
        if through < seqs[0]:
            raise ServerError(
                f"server acknowledged {server_acked}, batch started at {seqs[0]}", status=200
            )
        results = data.get("results") or []
        in_range = {int(r[0]): r[1] for r in results if isinstance(r, list) and len(r) >= 2}
        quarantined = [
            {"seq": int(q[0]), "reason": str(q[1]), "detail": str(q[2]) if len(q) > 2 else ""}
            for q in data.get("quarantined") or []
            if isinstance(q, list) and q and int(q[0]) <= through
        ]
        conflicts = [
            {"seq": int(c[0]), "person_id": str(c[1]), "fields": [str(f) for f in c[2]]}
            for c in data.get("conflicts") or []
            if isinstance(c, list) and len(c) >= 3 and isinstance(c[2], list)
            and int(c[0]) <= through
        ]
        with transaction(self.db):
            acked = outbox.mark_acked(self.db, through)
            # Shown on the sync page and on the person until the user dismisses them.
            sync_issues.record(self.db, quarantined=quarantined, conflicts=conflicts)
        self.receipt.ops_acked += acked
        self.receipt.batches += 1
        self.receipt.duplicates += sum(
            1 for seq, result in in_range.items() if result == "dup" and seq <= through
        )
        self.receipt.quarantined.extend(quarantined)
        self.receipt.conflicts.extend(conflicts)
        counts = data.get("counts")
        if isinstance(counts, dict):
            self.server_counts = {k: int(v) for k, v in counts.items() if isinstance(v, int)}
        self.sizer.succeeded()
        self.http.backoff.reset()
        return acked

    def _rotate(self, reply: Reply, replica: str) -> None:
        """409 seq_reuse: this file was put back by hand; give its new ops a new key."""
        seq, origin = reply.data.get("seq"), reply.data.get("origin") or replica
        if not isinstance(seq, int):
            raise ServerError("seq_reuse without a seq", status=409, error="seq_reuse")
        with transaction(self.db):
            new = rotate_replica(self.db)
            restamped = outbox.restamp(
                self.db, from_seq=seq, old_replica=str(origin), new_replica=new
            )
        log.warning(
            "seq %s of replica %s was already used on the server: %d ops re-keyed to %s",
            seq,
            origin,
            restamped,
            new,
        )
        self.receipt.replica_rotations += 1
        self.receipt.warn("replica_rotated", seq=seq)

    def _gap(self, reply: Reply, prev: int) -> None:
        """409 gap: the server lost ops we thought it had (restored); send them again."""
        through = reply.data.get("acked_through")
        if not isinstance(through, int) or through >= prev:
            raise ServerError("gap answer that moves nothing back", status=409, error="gap")
        with transaction(self.db):
            outbox.unack_after(self.db, through)
        log.warning("server has ops only through %s (we had %s acknowledged)", through, prev)
        self.receipt.warn("server_gap", acked_through=through)

    # -- pull ------------------------------------------------------------------------------

    def pull(self) -> bool:
        """Apply the change feed page by page; True if the server epoch changed meanwhile."""
        pages = 0
        restarts = 0
        while True:
            self.check()
            row = _state_row(self.db)
            snapshot_after = row.get("snapshot_after")
            if snapshot_after is not None:
                params: dict[str, Any] = {
                    "snapshot": 1,
                    "after": snapshot_after,
                    "limit": self.options.pull_limit,
                }
            else:
                params = {"cursor": row.get("pull_cursor") or "", "limit": self.options.pull_limit}
            reply = self.http.call("GET", "/v1/sync/pull", params=params)
            if reply.status == 410 and restarts < 3:
                # Our cursor (or a snapshot token) is older than the tombstones or from another
                # epoch: start a paged snapshot from the beginning (its position is stored per
                # page, so an interrupted snapshot resumes).
                restarts += 1
                epoch = reply.data.get("server_epoch")
                with transaction(self.db):
                    _set_state(self.db, snapshot_after="")
                    restored = isinstance(epoch, str) and self._see_epoch(epoch)
                self.receipt.snapshot = True
                if restored:
                    return True  # push again first, then the snapshot
                continue
            if reply.status != 200:
                raise ServerError(
                    f"pull answered {reply.status} {reply.error}",
                    status=reply.status,
                    error=reply.error,
                )
            data = reply.data
            epoch = data.get("server_epoch")
            if isinstance(epoch, str) and epoch != row.get("server_epoch"):
                with transaction(self.db):
                    restored = self._see_epoch(epoch)
                if restored:
                    return True
            cursor = data.get("cursor")
            more = bool(data.get("more"))
            changes = data.get("changes") or []
            if not isinstance(cursor, str) or not isinstance(changes, list):
                raise ServerError("pull page without cursor or changes", status=200)
            with transaction(self.db):
                # A page may list a row before the row it points at; check at commit.
                self.db.execute("PRAGMA defer_foreign_keys = ON")
                self._apply_page(changes)
                if snapshot_after is not None:
                    if more:
                        _set_state(self.db, snapshot_after=cursor)
                    else:
                        _set_state(self.db, snapshot_after=None, pull_cursor=cursor)
                else:
                    _set_state(self.db, pull_cursor=cursor)
            pages += 1
            self.report(pages, pages + (1 if more else 0), PHASE_PULL)
            if not more:
                return False

    def _apply_page(self, changes: list[Any]) -> None:
        by_kind: dict[str, list[Mapping[str, Any]]] = {}
        for change in changes:
            if isinstance(change, dict) and isinstance(change.get("kind"), str):
                by_kind.setdefault(change["kind"], []).append(change)
        known = {"township", "village", "organisation", "person", "material"}
        for kind in sorted(set(by_kind) - known):
            # A newer server may send kinds this app does not know yet; skip, do not fail.
            log.info("pull: ignoring %d changes of unknown kind %r", len(by_kind[kind]), kind)
        appliers: tuple[tuple[str, Callable[[Mapping[str, Any]], None]], ...] = (
            # Directory first, parents before children, so people point at rows that exist.
            ("township", self._township),
            ("village", self._village),
            ("organisation", self._organisation),
            ("person", self._person),
            ("material", self._material),
        )
        for kind, apply in appliers:
            for change in by_kind.get(kind, []):
                try:
                    with self.db.atomic():  # a savepoint: a bad change undoes only itself
                        apply(change)
                except (KeyError, TypeError, ValueError, sqlite3.IntegrityError) as exc:
                    # One malformed change must not wedge the feed for ever: skip it, say so.
                    log.warning("pull: skipped a %s change %r: %s", kind, change.get("id"), exc)
                    self.receipt.warn("change_skipped", kind=kind, id=str(change.get("id")))

    def _township(self, change: Mapping[str, Any]) -> None:
        if change.get("op") != "upsert":
            return  # the directory is never deleted: people and sessions point at it
        data = change.get("data") or {}
        self.db.execute(
            "INSERT INTO township (code, name, name_en, sort, code_confirmed) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
            "name_en = coalesce(excluded.name_en, township.name_en), "
            "sort = excluded.sort, code_confirmed = excluded.code_confirmed",
            [
                str(change["id"]),
                data["name"],
                data.get("name_en"),
                int(data.get("sort") or 0),
                int(bool(data.get("code_confirmed", True))),
            ],
        )
        self.receipt.directory_changes += 1

    def _village(self, change: Mapping[str, Any]) -> None:
        if change.get("op") != "upsert":
            return
        data = change.get("data") or {}
        self.db.execute(
            "INSERT INTO village (code, township_code, name) VALUES (?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET township_code = excluded.township_code, "
            "name = excluded.name",
            [str(change["id"]), data["township_code"], data["name"]],
        )
        self.receipt.directory_changes += 1

    def _organisation(self, change: Mapping[str, Any]) -> None:
        if change.get("op") != "upsert":
            return
        data = change.get("data") or {}
        self.db.execute(
            "INSERT INTO organisation (id, township_code, parent_id, name, kind) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "township_code = excluded.township_code, parent_id = excluded.parent_id, "
            "name = excluded.name, kind = excluded.kind",
            [
                str(change["id"]),
                data["township_code"],
                data.get("parent_id"),
                data["name"],
                data.get("kind") or "branch",
            ],
        )
        self.receipt.directory_changes += 1

    def _exists(self, table: str, key: str, value: Any) -> bool:
        if value is None:
            return True
        return (
            self.db.execute(f"SELECT 1 FROM {table} WHERE {key} = ?", [value]).fetchone()
            is not None
        )

    def _person(self, change: Mapping[str, Any]) -> None:
        op = change.get("op")
        person_id = str(change["id"])
        version = int(change.get("version") or 0)
        if op == "upsert":
            row = {**(change.get("data") or {}), "id": person_id, "version": version}
            for table, key, field_name in (
                ("township", "code", "township_code"),
                ("village", "code", "village_code"),
                ("organisation", "id", "organisation_id"),
            ):
                if not self._exists(table, key, row.get(field_name)):
                    # A reference this laptop cannot resolve must not wedge the feed forever;
                    # the next version of the person brings it back.
                    log.warning("person %s: unknown %s %r", person_id, field_name, row[field_name])
                    row[field_name] = None
            people.upsert_server_people(self.db, [row])
            self.receipt.people["upserted"] += 1
        elif op == "delete":
            self.db.execute(
                "UPDATE person SET deleted = 1, version = ?, updated_at = ? "
                "WHERE id = ? AND version <= ?",
                [version, now(), person_id, version],
            )
            self.receipt.people["deleted"] += 1
        elif op == "merge":
            self.db.execute(
                "UPDATE person SET merged_into = ?, version = ?, updated_at = ? "
                "WHERE id = ? AND version <= ?",
                [change.get("merged_into"), version, now(), person_id, version],
            )
            self.receipt.people["merged"] += 1

    def _material(self, change: Mapping[str, Any]) -> None:
        material_id = str(change["id"])
        if change.get("op") in ("delete", "retire"):
            self.db.execute("UPDATE material SET retired = 1 WHERE id = ?", [material_id])
            self.receipt.materials["retired"] += 1
            return
        data = change.get("data") or {}
        try:
            register_material(
                self.db,
                material_id=material_id,
                title=data.get("title"),  # type: ignore[arg-type]
                mime=data.get("mime") or "application/octet-stream",
                size=data.get("size"),  # type: ignore[arg-type]
                sha256=data.get("sha256"),  # type: ignore[arg-type]
                topic=data.get("topic"),
                language=data.get("language"),
                duration_s=data.get("duration_s"),
                priority=int(data.get("priority") or 0),
                version=int(data.get("version") or 1),
            )
        except InvalidValueError as exc:
            log.warning("material %s from the server is malformed: %s", material_id, exc)
            self.receipt.warn("material_malformed", id=material_id)
            return
        self.db.execute(
            "UPDATE material SET retired = ? WHERE id = ?",
            [int(bool(data.get("retired"))), material_id],
        )
        self.receipt.materials["upserted"] += 1

    # -- counts ----------------------------------------------------------------------------

    def fetch_counts(self) -> None:
        """The server's figures for this device when no push reply carried them."""
        replica = replica_id(self.db)
        reply = self.http.call("GET", "/v1/sync/state", params={"replica_id": replica})
        if reply.status == 200 and isinstance(reply.data.get("counts"), dict):
            counts = reply.data["counts"]
            self.server_counts = {k: int(v) for k, v in counts.items() if isinstance(v, int)}

    def compare_totals(self) -> None:
        receipt = self.receipt
        receipt.pending_ops = outbox.pending_count(self.db)
        receipt.local_totals = status.local_totals(self.db)
        receipt.server_counts = self.server_counts
        if self.server_counts is None or receipt.pending_ops:
            receipt.totals_match = None
            return
        receipt.totals_match = all(
            self.server_counts.get(key) == receipt.local_totals[key]
            for key in ("sessions", "participant_times")
        )
        if not receipt.totals_match:
            receipt.warn(
                "totals_mismatch",
                server=self.server_counts,
                local={k: receipt.local_totals[k] for k in ("sessions", "participant_times")},
            )

    # -- downloads -------------------------------------------------------------------------

    def download_files(self, only: Collection[str] | None = None) -> None:
        """Fetch the files of the download queue: those whose effective choice is "wanted"
        (``core.materials.effective_choice``), or exactly the materials ``only`` names."""
        folder = self.paths.materials
        rows = self.db.execute(
            "SELECT id, sha256, size, mime, file_state, file_name, priority, download_choice "
            "FROM material WHERE retired = 0 ORDER BY priority DESC, title, id"
        ).fetchall()
        todo = []
        for material_id, sha256, size, mime, file_state, file_name, priority, choice in rows:
            if file_state == "present" and file_name and (folder / file_name).is_file():
                continue
            if only is not None:
                if material_id not in only:
                    continue
            elif file_state != "present" and (
                effective_choice(size, priority, choice) != CHOICE_WANTED
            ):
                self.receipt.files_deferred += 1
                continue
            todo.append((material_id, downloads.Wanted(sha256=sha256, size=size, mime=mime)))
        total = sum(wanted.size for _, wanted in todo)
        done = 0
        self.report(0, total, PHASE_DOWNLOAD)
        for index, (material_id, wanted) in enumerate(todo):
            self.check()
            base = done

            def progress(offset: int, base: int = base) -> None:
                self.report(base + offset, total, PHASE_DOWNLOAD)

            try:
                set_file_state(self.db, material_id, "partial")
                path = downloads.download(
                    self.http,
                    folder,
                    wanted,
                    check=self.check,
                    on_progress=progress,
                    reserve=self.options.download_reserve,
                )
            except (downloads.FileMissing, downloads.DownloadCorrupt) as exc:
                set_file_state(self.db, material_id, "absent")
                self.receipt.files_failed.append(
                    {"id": material_id, "sha256": wanted.sha256, "reason": exc.code}
                )
                continue
            except DiskFull as exc:
                self.receipt.warn("download_disk_full", needed=exc.needed, free=exc.free)
                self.receipt.files_pending = len(todo) - index
                return
            except (NoNetwork, ServerBusy) as exc:
                # The records are synced; files can wait for the next sync.
                log.warning("downloads stopped: %s", exc)
                self.receipt.warn("downloads_incomplete")
                self.receipt.files_pending = len(todo) - index
                return
            set_file_state(self.db, material_id, "present", file_name=path.name)
            done = base + wanted.size
            self.receipt.files_downloaded += 1
            self.receipt.bytes_downloaded += wanted.size
        self.report(total, total, PHASE_DOWNLOAD)

    # -- all -------------------------------------------------------------------------------

    def run(self) -> Receipt:
        self.info()
        self.push()
        if self.pull():
            # The server was restored while we pulled: re-send what it may have lost, then
            # rebuild our roster copy from its snapshot.
            self.push()
            self.pull()
        if self.server_counts is None:
            self.fetch_counts()
        self.compare_totals()
        with transaction(self.db):
            _set_state(self.db, last_sync_at=now())
            outbox.prune_acked(self.db, older_than_s=ACKED_KEEP_S)
        if self.options.fetch_files:
            self.download_files()
        self.receipt.finished_at = now()
        if self.options.backup:
            self.receipt.backup = str(backup.backup_now(self.db, reason="after-sync"))
        return self.receipt


def sync(
    db: Database,
    paths: DataPaths,
    *,
    state: TaskState | None = None,
    options: SyncOptions | None = None,
) -> Receipt:
    """Push, pull and download once; return the receipt.

    Raises SyncError subclasses (NoNetwork, CaptivePortal, Unauthorized, Revoked …) for the
    user, ``core.tasks.Cancelled`` when asked to stop, SyncAlreadyRunning when another sync of
    this data folder is running. Whatever stops it, the next sync continues from there.
    """
    with _sync_lock(paths):
        creds = credentials(db)
        run = _Run(db, paths, creds, state, options or SyncOptions.from_env())
        try:
            return run.run()
        finally:
            run.http.close()


def download_materials(
    db: Database,
    paths: DataPaths,
    material_ids: Collection[str],
    *,
    state: TaskState | None = None,
    options: SyncOptions | None = None,
) -> Receipt:
    """Download only these materials' files (the download queue's "download now"), without
    pushing or pulling; return a receipt with the ``files_*`` figures.

    Free disk space for all of them (less what ``.part`` files already hold, plus the reserve)
    is checked first: DiskFull is raised before any byte is written. Otherwise as ``sync``:
    resumable, verified, cancelled by ``state``, one at a time with a sync of the same folder.
    """
    options = options or SyncOptions.from_env()
    with _sync_lock(paths):
        creds = credentials(db)
        wanted = set(material_ids)
        needed = 0
        for material_id, sha256, size, file_state in db.execute(
            "SELECT id, sha256, size, file_state FROM material WHERE retired = 0"
        ):
            if material_id in wanted and file_state != "present":
                needed += max(size - downloads.verified_bytes(paths.materials, sha256), 0)
        paths.materials.mkdir(parents=True, exist_ok=True)
        free = downloads.free_bytes(paths.materials)
        if needed and free < needed + options.download_reserve:
            raise DiskFull(
                f"{needed} bytes to download, {free} free", needed=needed, free=free
            )
        run = _Run(db, paths, creds, state, options)
        try:
            run.download_files(only=wanted)
        finally:
            run.http.close()
        run.receipt.finished_at = now()
        return run.receipt


def describe(receipt: Receipt) -> dict[str, Any]:
    """The figures a person reads first (for the CLI's and the window's summary line)."""
    local = receipt.local_totals
    server = receipt.server_counts or {}
    return {
        "sessions": server.get("sessions", local.get("sessions", 0)),
        "participant_times": server.get("participant_times", local.get("participant_times", 0)),
        "local_sessions": local.get("sessions", 0),
        "local_participant_times": local.get("participant_times", 0),
        "match": receipt.totals_match,
    }


__all__ = [
    "Credentials",
    "Receipt",
    "SyncError",
    "SyncOptions",
    "credentials",
    "describe",
    "download_materials",
    "enrol",
    "point_at_server",
    "sync",
]

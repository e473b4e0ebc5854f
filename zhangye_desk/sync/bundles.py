"""Bundles: the push batches on a USB stick, and the server's signed receipt (DESIGN §4).

A laptop with no network at all writes its unacknowledged ops to a **bundle file**
(``export_bundle``): exactly the push bodies a network sync would send (``wire.build_batch``:
the same encoding, hoisted ids, op keys and hashes), nothing marked acknowledged. The server
imports it (``zhangye-server import-bundle``, server/bundles.py) with the push code itself and
writes a **receipt file**; ``import_receipt`` checks the receipt and acknowledges the ops in one
transaction, as a push reply would.

Both files share one container (docs/protocol.md, "Bundles"): UTF-8 lines, each ending in
``\\n`` — a JSON header line, the payload lines (a bundle: one base64 gzip'd push body per
batch; a receipt: one JSON line) and a JSON trailer line ``{"sha256": …, "hmac": …}``. Both
values cover every byte before the trailer. The sha256 finds a cut or damaged file; the HMAC
(SHA-256) proves who wrote it. Its key is the **sha256 of the device secret** (hex, as ASCII):
the one value both sides hold — the laptop has the secret, the server stores only its sha256
(auth.hash_secret) and cannot check the secret itself offline. The price: whoever can read the
server's device table can forge a bundle or a receipt for that laptop (never a network request,
which needs the secret itself); docs/decisions.md "USB bundles".

Nothing here imports Qt or the server package; the server imports the container functions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..core import outbox, status, sync_issues
from ..core.ids import now
from ..core.store import replica_id, rotate_replica, transaction
from .errors import SyncError
from .wire import MAX_BATCH_BYTES, PROTOCOL, build_batch

BUNDLE_FORMAT = "zhangye-bundle"
RECEIPT_FORMAT = "zhangye-receipt"
FORMAT_VERSION = 1
EXPORT_WINDOW_OPS = 8000  # ops considered for one batch, as the network push does
# The server's default max_request_bytes: a bundle batch is never larger than a push could be.
RAW_LIMIT = 1024 * 1024


class BundleError(SyncError):
    """A bundle or receipt that cannot be used; ``code`` names why (cli.MESSAGES keys)."""

    def __init__(self, code: str, message: str, **values: Any) -> None:
        super().__init__(message)
        self.code = code
        self.values = values  # for the message (e.g. ``device``)


# --- the container -----------------------------------------------------------------------------


def secret_key(secret: str) -> str:
    """The HMAC key of a device: sha256(secret) in hex, what the server stores for it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _mac(key_hex: str, content: bytes) -> str:
    return hmac.new(key_hex.encode("ascii"), content, hashlib.sha256).hexdigest()


def _line(data: Mapping[str, Any]) -> bytes:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


def pack(header: Mapping[str, Any], payload: Sequence[bytes], key_hex: str) -> bytes:
    """Header line, payload lines (no newline inside any), trailer line."""
    content = _line(header) + b"".join(line + b"\n" for line in payload)
    trailer = {"sha256": hashlib.sha256(content).hexdigest(), "hmac": _mac(key_hex, content)}
    return content + _line(trailer)


@dataclass(frozen=True)
class Container:
    header: dict[str, Any]
    payload: list[bytes]
    sha256: str  # of the content (everything before the trailer)
    content: bytes = field(repr=False)
    mac: str = field(repr=False)

    def authentic(self, key_hex: str) -> bool:
        return hmac.compare_digest(self.mac, _mac(key_hex, self.content))


def unpack(data: bytes, expected_format: str) -> Container:
    """The container in ``data`` if it is whole; BundleError ``bundle_damaged`` if it was cut or
    changed, ``bundle_wrong_kind`` if it is another kind of file (a receipt for a bundle)."""
    if not data.endswith(b"\n"):
        raise BundleError("bundle_damaged", "the file does not end with its trailer (cut short?)")
    lines = data[:-1].split(b"\n")
    if len(lines) < 2:
        raise BundleError("bundle_damaged", "the file has no header and trailer")
    content = data[: len(data) - len(lines[-1]) - 1]
    try:
        trailer = json.loads(lines[-1])
        header = json.loads(lines[0])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BundleError("bundle_damaged", "the header or trailer is not JSON") from None
    if not isinstance(trailer, dict) or not isinstance(header, dict):
        raise BundleError("bundle_damaged", "the header or trailer is not an object")
    digest = hashlib.sha256(content).hexdigest()
    if not hmac.compare_digest(str(trailer.get("sha256", "")), digest):
        raise BundleError("bundle_damaged", "the sha256 does not match: the file was changed")
    if header.get("format") != expected_format:
        raise BundleError("bundle_wrong_kind", f"not a {expected_format} file")
    if header.get("version") != FORMAT_VERSION or header.get("protocol") != PROTOCOL:
        raise BundleError("bundle_protocol", "written by an incompatible version")
    return Container(header, lines[1:-1], digest, content, str(trailer.get("hmac", "")))


def ops_digest(ops: Iterable[tuple[str, int, str]]) -> str:
    """One batch's op keys and hashes (``origin seq sha256`` lines): the receipt names the ops
    it acknowledges by this, so a laptop never acknowledges other ops under the same seqs."""
    text = "".join(f"{origin} {seq} {sha}\n" for origin, seq, sha in ops)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode_batch_line(line: bytes) -> bytes:
    """A payload line of a bundle → the gzip'd push body."""
    try:
        return base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError):
        raise BundleError("bundle_damaged", "a batch line is not base64") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or leave what was there (a USB stick pulled out mid-write)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- the laptop ------------------------------------------------------------------------------


def _enrolled(db: Database) -> tuple[str, str]:
    row = db.execute("SELECT device_id, device_secret FROM sync_state WHERE id = 1").fetchone()
    if not row or not row[0] or not row[1]:
        from .errors import NotEnrolled

        raise NotEnrolled("this laptop is not enrolled with a server")
    return str(row[0]), str(row[1])


@dataclass(frozen=True)
class ExportResult:
    path: Path | None  # None: nothing was waiting, no file written
    batches: int
    ops: int
    first_seq: int | None
    last_seq: int | None
    size: int


def export_bundle(db: Database, path: Path, *, at: int | None = None) -> ExportResult:
    """Write every unacknowledged op to ``path`` as push batches; acknowledges nothing."""
    device_id, secret = _enrolled(db)
    created = now() if at is None else at
    replica, acked_through = db.execute(
        "SELECT replica_id, acked_through FROM sync_state WHERE id = 1"
    ).fetchone()
    pending = outbox.pending(db)
    if not pending:
        return ExportResult(None, 0, 0, None, None, 0)
    lines: list[bytes] = []
    prev = int(acked_through)
    start = 0
    while start < len(pending):
        batch = build_batch(
            pending[start : start + EXPORT_WINDOW_OPS],
            target=MAX_BATCH_BYTES,
            raw_limit=RAW_LIMIT,
            replica_id=str(replica),
            device_id=device_id,
            prev=prev,
            device_time=created,
            clock_offset_s=None,  # unknown offline; the next network sync measures it
        )
        lines.append(base64.b64encode(batch.body))
        prev = batch.last_seq  # what the server holds once this batch is applied
        start += len(batch.seqs)
    header = {
        "format": BUNDLE_FORMAT,
        "version": FORMAT_VERSION,
        "protocol": PROTOCOL,
        "device_id": device_id,
        "replica_id": str(replica),
        "created_at": created,
        "batches": len(lines),
        "ops": len(pending),
        "first_seq": pending[0].seq,
        "last_seq": pending[-1].seq,
    }
    data = pack(header, lines, secret_key(secret))
    write_atomically(path, data)
    return ExportResult(
        Path(path), len(lines), len(pending), pending[0].seq, pending[-1].seq, len(data)
    )


@dataclass
class ReceiptResult:
    """What importing a receipt did (the CLI prints it; ``--json`` prints this)."""

    ops_acked: int = 0
    batches: int = 0  # batches of the receipt whose ops were acknowledged here (new or not)
    already_acked: bool = False  # the receipt named only ops acknowledged before
    stale_batches: int = 0  # batches whose ops this laptop no longer holds as they were
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[str, Any] | None = None  # the server's gap / seq_reuse answer
    replica_rotated: bool = False
    server_counts: dict[str, int] | None = None
    local_totals: dict[str, int] = field(default_factory=dict)
    pending_ops: int = 0
    totals_match: bool | None = None


def _held_digest(db: Database, first: int, last: int) -> tuple[int, str]:
    rows = db.execute(
        "SELECT origin_replica, seq, sha256 FROM outbox WHERE seq BETWEEN ? AND ? ORDER BY seq",
        [first, last],
    ).fetchall()
    return len(rows), ops_digest((str(o), int(s), str(h)) for o, s, h in rows)


def import_receipt(db: Database, path: Path) -> ReceiptResult:
    """Check a receipt (this laptop's, this replica's, whole, signed) and acknowledge the ops it
    confirms in one transaction. A foreign, damaged or forged receipt raises BundleError and
    changes nothing; a stale one (another replica) too."""
    device_id, secret = _enrolled(db)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BundleError("bundle_unreadable", f"cannot read {path}: {exc}") from None
    box = unpack(data, RECEIPT_FORMAT)
    if box.header.get("device_id") != device_id:
        raise BundleError("receipt_foreign", "the receipt belongs to another laptop")
    if not box.authentic(secret_key(secret)):
        raise BundleError("bundle_not_authentic", "the receipt's signature does not match")
    if len(box.payload) != 1:
        raise BundleError("bundle_damaged", "a receipt holds exactly one body line")
    try:
        body = json.loads(box.payload[0])
        batches = [
            (int(b["first_seq"]), int(b["last_seq"]), int(b["count"]), str(b["digest"]),
             int(b["acked_through"]), b)
            for b in body["batches"]
        ]  # fmt: skip
    except (ValueError, KeyError, TypeError):
        raise BundleError("bundle_damaged", "the receipt body is malformed") from None
    if body.get("replica_id") != replica_id(db):
        raise BundleError("receipt_stale", "the receipt is for an earlier replica of this file")
    result = ReceiptResult()
    with transaction(db):
        for first, last, count, digest, acked, item in batches:
            if _held_digest(db, first, last) != (count, digest):
                # Pruned, re-keyed or not the ops this laptop holds now: acknowledge none of
                # them, nor anything after (mark_acked acknowledges every seq up to a point).
                result.stale_batches += 1
                break
            through = min(acked, last)
            if through < first:
                result.stale_batches += 1
                break
            newly = {
                int(r[0])
                for r in db.execute(
                    "SELECT seq FROM outbox WHERE acked_at IS NULL AND seq BETWEEN ? AND ?",
                    [first, through],
                )
            }
            quarantined = [
                {"seq": int(q[0]), "reason": str(q[1]), "detail": str(q[2]) if len(q) > 2 else ""}
                for q in item.get("quarantined") or []
                if int(q[0]) in newly
            ]
            conflicts = [
                {"seq": int(c[0]), "person_id": str(c[1]), "fields": [str(f) for f in c[2]]}
                for c in item.get("conflicts") or []
                if int(c[0]) in newly
            ]
            result.ops_acked += outbox.mark_acked(db, through)
            sync_issues.record(db, quarantined=quarantined, conflicts=conflicts)
            result.quarantined.extend(quarantined)
            result.conflicts.extend(conflicts)
            result.batches += 1
        refused = body.get("refused")
        if isinstance(refused, dict) and not result.stale_batches:
            result.refused = refused
            _repair(db, refused, result)
    counts = body.get("counts")
    if isinstance(counts, dict):
        result.server_counts = {k: int(v) for k, v in counts.items() if isinstance(v, int)}
    result.already_acked = result.ops_acked == 0 and result.batches > 0 and not result.refused
    result.pending_ops = outbox.pending_count(db)
    result.local_totals = status.local_totals(db)
    if result.server_counts is not None and not result.pending_ops:
        result.totals_match = all(
            result.server_counts.get(key) == result.local_totals[key]
            for key in ("sessions", "participant_times")
        )
    return result


def _repair(db: Database, refused: Mapping[str, Any], result: ReceiptResult) -> None:
    """The server refused a batch as it refuses a push: act as the sync engine does."""
    error = refused.get("error")
    if error == "gap":
        through = refused.get("acked_through")
        held = int(db.execute("SELECT acked_through FROM sync_state WHERE id = 1").fetchone()[0])
        if isinstance(through, int) and through < held:
            outbox.unack_after(db, through)
    elif error == "seq_reuse":
        seq, origin = refused.get("seq"), refused.get("origin")
        if isinstance(seq, int) and isinstance(origin, str):
            new = rotate_replica(db)
            outbox.restamp(db, from_seq=seq, old_replica=origin, new_replica=new)
            result.replica_rotated = True

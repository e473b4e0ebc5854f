"""Import a laptop's bundle file and write its signed receipt (docs/protocol.md, "Bundles").

``import_bundle`` checks the file before it applies anything — whole (sha256), written by an
enrolled laptop (HMAC keyed with the sha256 of its secret, which is what the device table
holds), that laptop not revoked, every batch in the wire form and naming that device and the
bundle's replica — then hands each batch to ``apply.apply_push``, the very function a network
push runs: one transaction per batch, keys already stored answer ``dup`` and are not applied
again, what cannot be applied goes to quarantine. A ``gap`` or ``seq_reuse`` answer stops the
import at that batch (nothing of it applied, as a push would be refused) and is written into
the receipt, so the laptop repairs its outbox as it would after that push answer. Importing the
same file again applies nothing: every op answers ``dup``.

The receipt (``receipt_bytes``) names the device, the replica, the bundle's sha256, and per
batch the seq range, the op count and a digest of the op keys and hashes it confirms (the
laptop acknowledges only ops that match it), ``acked_through``, the quarantined ops and person
conflicts, and the device's counts — signed with the same key as the bundle.
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from ..sync.bundles import (
    BUNDLE_FORMAT,
    FORMAT_VERSION,
    RECEIPT_FORMAT,
    BundleError,
    decode_batch_line,
    ops_digest,
    pack,
    unpack,
)
from .apply import Batch, WireError, apply_push, decode_batch, replica_state
from .auth import Device
from .db import device, read_transaction
from .errors import PROTOCOL, ProtocolError

log = logging.getLogger(__name__)

MAX_DECODED_BYTES = 16 * 1024 * 1024  # Settings.max_decoded_bytes: one batch unpacked


@dataclass(frozen=True)
class Imported:
    receipt: dict[str, Any]  # the receipt body
    key: str  # the device's secret hash: the receipt's signing key (never printed)

    def receipt_bytes(self) -> bytes:
        header = {
            "format": RECEIPT_FORMAT,
            "version": FORMAT_VERSION,
            "protocol": PROTOCOL,
            "device_id": self.receipt["device_id"],
            "replica_id": self.receipt["replica_id"],
            "bundle_sha256": self.receipt["bundle_sha256"],
            "created_at": self.receipt["created_at"],
        }
        body = json.dumps(self.receipt, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return pack(header, [body.encode("utf-8")], self.key)


def _gunzip(body: bytes) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, MAX_DECODED_BYTES + 1)
    except zlib.error:
        raise BundleError("bundle_damaged", "a batch's gzip body is damaged") from None
    if len(data) > MAX_DECODED_BYTES or not decompressor.eof or decompressor.unused_data:
        raise BundleError("bundle_damaged", "a batch's gzip body is cut or too large")
    return data


def _batches(lines: list[bytes], device_id: str, replica_id: str) -> list[Batch]:
    batches = []
    for line in lines:
        try:
            batch = decode_batch(json.loads(_gunzip(decode_batch_line(line))))
        except (UnicodeDecodeError, json.JSONDecodeError, WireError) as exc:
            raise BundleError("bundle_damaged", f"a batch is not a push body: {exc}") from None
        if batch.device_id != device_id or batch.replica_id != replica_id:
            raise BundleError("bundle_damaged", "a batch names another device or replica")
        batches.append(batch)
    return batches


def import_bundle(engine: Engine, data: bytes, *, now: float) -> Imported:
    """Verify and apply a bundle; the receipt to write back. BundleError (nothing applied) for
    a damaged, forged, foreign-format or revoked laptop's bundle."""
    box = unpack(data, BUNDLE_FORMAT)
    header = box.header
    device_id = str(header.get("device_id") or "")
    replica_id = str(header.get("replica_id") or "")
    with read_transaction(engine) as conn:
        row = conn.execute(select(device).where(device.c.id == device_id)).first()
    if row is None:
        raise BundleError("bundle_unknown_device", f"no device {device_id!r}", device=device_id)
    key = str(row.secret_hash)
    if not box.authentic(key):
        raise BundleError("bundle_not_authentic", "the bundle's signature does not match")
    if row.revoked_at is not None:
        raise BundleError("bundle_revoked", f"device {device_id} is revoked", device=device_id)
    if header.get("batches") != len(box.payload):
        raise BundleError("bundle_damaged", "the header's batch count does not match")
    batches = _batches(box.payload, device_id, replica_id)
    dev = Device(row.id, row.township_code, row.name, row.last_seen_at)
    entries: list[dict[str, Any]] = []
    refused: dict[str, Any] | None = None
    counts: dict[str, Any] | None = None
    acked = 0
    for batch in batches:
        if not batch.ops:
            continue
        try:
            reply = apply_push(engine, dev, batch, now=now)
        except ProtocolError as exc:
            if exc.code in ("gap", "seq_reuse"):
                refused = {"error": exc.code, "first_seq": batch.ops[0].seq, **exc.extra}
                break
            raise BundleError(f"bundle_{exc.code}", exc.detail) from None
        acked = int(reply["acked_through"])
        counts = reply["counts"]
        entries.append(
            {
                "first_seq": batch.ops[0].seq,
                "last_seq": batch.ops[-1].seq,
                "count": len(batch.ops),
                "digest": ops_digest((op.origin, op.seq, op.sha256) for op in batch.ops),
                "acked_through": acked,
                "results": reply["results"],
                "quarantined": reply["quarantined"],
                "conflicts": reply["conflicts"],
            }
        )
    if counts is None:
        try:
            with read_transaction(engine) as conn:
                state = replica_state(conn, replica_id, dev)
        except ProtocolError as exc:
            raise BundleError(f"bundle_{exc.code}", exc.detail) from None
        counts, acked = state["counts"], int(state["acked_through"])
    results = [r for entry in entries for r in entry["results"]]
    receipt = {
        "device_id": device_id,
        "replica_id": replica_id,
        "bundle_sha256": box.sha256,
        "bundle_created_at": header.get("created_at"),
        "created_at": int(now),
        "acked_through": {replica_id: acked},
        "batches": entries,
        "summary": {
            "ops": sum(entry["count"] for entry in entries),
            "ok": sum(entry["count"] for entry in entries) - len(results),
            "dup": sum(1 for r in results if r[1] == "dup"),
            "quarantined": sum(1 for r in results if r[1] == "quarantined"),
        },
        "refused": refused,
        "counts": counts,
    }
    log.info(
        "bundle from device %s replica %s: %d of %d batches applied%s",
        device_id,
        replica_id,
        len(entries),
        len(batches),
        f", refused {refused['error']}" if refused else "",
    )
    return Imported(receipt, key)

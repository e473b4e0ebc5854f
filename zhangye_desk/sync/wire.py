"""The push batch on the wire (docs/protocol.md, POST /v1/sync/push), and its size policy.

A batch is compact JSON, gzip'd: ids hoisted into a ``strings`` table (every value under an
ID_KEYS key, also inside ``f`` of the update ops), origin replicas into ``origins``, each op
``[seq, origin_index, type, fields]``. ``decode_batch`` is the inverse (the server does the
same; tests and tools use ours) and gives back each op's exact stored canonical JSON, so
``op_hash`` of it equals the laptop's sha256.

Batches are sized by their **compressed** bytes: ``BatchSizer`` holds the target (32 KiB to
start, halved after a failure, doubled after three successes in a row, kept within 4–128 KiB)
and ``build_batch`` packs as many pending ops as fit under it. Nothing here does I/O.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.outbox import OP_PERSON_UPDATE, OP_SESSION_UPDATE, Op, canonical_json

PROTOCOL = 1
ID_KEYS = frozenset({"id", "s", "p", "m", "township_code", "village_code", "organisation_id"})
# Ops whose ``f`` (changed fields) may hold ids too.
_NESTED_F = frozenset({OP_SESSION_UPDATE, OP_PERSON_UPDATE})

KIB = 1024
MIN_BATCH_BYTES = 4 * KIB
START_BATCH_BYTES = 32 * KIB
MAX_BATCH_BYTES = 128 * KIB
SUCCESSES_TO_GROW = 3
# Level 9 costs a few milliseconds per batch; every byte costs 125 µs at 64 kbit/s.
GZIP_LEVEL = 9


def _dumps(data: Any) -> bytes:
    # ensure_ascii=False: a Chinese character is 3 bytes of UTF-8 instead of 6 of \uXXXX.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def gzip_bytes(raw: bytes) -> bytes:
    # mtime=0: the same ops always give the same bytes, so a retry really is identical.
    return gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)


class _Table:
    """Strings in first-use order → their index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[str] = []

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.items)
            self.items.append(value)
        return found


def _hoist(fields: Mapping[str, Any], strings: _Table) -> dict[str, Any]:
    # Only string values are hoisted; a cleared id inside ``f`` is null and stays null.
    return {
        key: strings(value) if key in ID_KEYS and isinstance(value, str) else value
        for key, value in fields.items()
    }


def encode_fields(op_type: str, data: Mapping[str, Any], strings: _Table) -> dict[str, Any]:
    """An op's stored body (without ``t``) with its ids replaced by string-table indexes."""
    fields = _hoist({k: v for k, v in data.items() if k != "t"}, strings)
    if op_type in _NESTED_F and isinstance(fields.get("f"), dict):
        fields["f"] = _hoist(fields["f"], strings)
    return fields


def _restore(fields: Mapping[str, Any], strings: Sequence[str]) -> dict[str, Any]:
    return {
        key: strings[value]
        if key in ID_KEYS and isinstance(value, int) and not isinstance(value, bool)
        else value
        for key, value in fields.items()
    }


def decode_fields(
    op_type: str, fields: Mapping[str, Any], strings: Sequence[str]
) -> dict[str, Any]:
    """The inverse of ``encode_fields``, with ``t`` put back: the op's stored body as a dict."""
    data = _restore(fields, strings)
    if op_type in _NESTED_F and isinstance(data.get("f"), dict):
        data["f"] = _restore(data["f"], strings)
    data["t"] = op_type
    return data


@dataclass(frozen=True)
class Batch:
    """One encoded push body and what it holds."""

    body: bytes  # gzip'd JSON, as sent
    raw_size: int  # bytes before gzip
    seqs: tuple[int, ...]

    @property
    def first_seq(self) -> int:
        return self.seqs[0]

    @property
    def last_seq(self) -> int:
        return self.seqs[-1]

    @property
    def size(self) -> int:
        return len(self.body)


def batch_document(
    ops: Sequence[Op],
    *,
    replica_id: str,
    device_id: str,
    prev: int,
    device_time: int,
    clock_offset_s: int | None,
) -> dict[str, Any]:
    """The push body as a dict (before JSON and gzip)."""
    strings = _Table()
    origins = _Table()
    encoded = [
        [op.seq, origins(op.origin_replica), op.type, encode_fields(op.type, op.data, strings)]
        for op in ops
    ]
    document: dict[str, Any] = {
        "protocol": PROTOCOL,
        "replica_id": replica_id,
        "device_id": device_id,
        "prev": prev,
        "device_time": device_time,
        "origins": origins.items,
        "strings": strings.items,
        "ops": encoded,
    }
    if clock_offset_s is not None:
        document["clock_offset_s"] = clock_offset_s
    return document


def encode_batch(ops: Sequence[Op], **header: Any) -> Batch:
    """Encode ``ops`` (in seq order) as one gzip'd push body."""
    if not ops:
        raise ValueError("a batch holds at least one op")
    raw = _dumps(batch_document(ops, **header))
    return Batch(body=gzip_bytes(raw), raw_size=len(raw), seqs=tuple(op.seq for op in ops))


def build_batch(
    ops: Sequence[Op], *, target: int, raw_limit: int | None = None, **header: Any
) -> Batch:
    """The longest prefix of ``ops`` whose compressed body is at most ``target`` bytes.

    Always at least one op (a lone op larger than the target still has to travel). Size is
    nearly linear in the number of ops, so a proportional guess between the largest prefix
    known to fit and the smallest known not to fit converges in a few compressions.
    ``raw_limit`` also bounds the uncompressed size (the server's ``max_request_bytes``).
    """
    if not ops:
        raise ValueError("nothing to encode")

    def fits(batch: Batch) -> bool:
        return batch.size <= target and (raw_limit is None or batch.raw_size <= raw_limit)

    whole = encode_batch(ops, **header)
    if fits(whole):
        return whole
    best = encode_batch(ops[:1], **header)
    if not fits(best):
        return best
    lo, hi = 1, len(ops)  # ops[:lo] fits, ops[:hi] does not
    over = whole
    for _ in range(12):
        if hi - lo <= 1:
            break
        # Guess from the two bracketing sizes, aiming a little under the target.
        ratio = min(
            target / over.size,
            (raw_limit / over.raw_size) if raw_limit is not None else 1.0,
        )
        guess = int(hi * ratio * 0.99)
        n = min(max(guess, lo + 1), hi - 1)
        candidate = encode_batch(ops[:n], **header)
        if fits(candidate):
            lo, best = n, candidate
            if candidate.size >= target * 0.97:
                break  # close enough: another compression would win a few bytes at most
        else:
            hi, over = n, candidate
    return best


def decode_batch(body: bytes) -> dict[str, Any]:
    """Parse a gzip'd push body; each op comes back as ``{"seq", "origin", "type", "body"}``.

    ``body`` is the canonical JSON the laptop stored, so ``op_hash(body)`` is its sha256.
    Used by the tests (and any tool that reads bundles); the server has its own copy.
    """
    document = json.loads(gzip.decompress(body))
    strings = document["strings"]
    origins = document["origins"]
    ops = []
    for seq, origin_index, op_type, fields in document["ops"]:
        data = decode_fields(op_type, fields, strings)
        ops.append(
            {
                "seq": seq,
                "origin": origins[origin_index],
                "type": op_type,
                "body": canonical_json(data),
            }
        )
    document["ops"] = ops
    return document


class BatchSizer:
    """The compressed-size target for the next batch (DESIGN §4).

    Halved after a failure (the link is worse than we hoped: smaller bodies get through
    between drops), doubled after three successes in a row, always within 4–128 KiB and
    never above the server's limit.
    """

    def __init__(
        self,
        start: int = START_BATCH_BYTES,
        *,
        minimum: int = MIN_BATCH_BYTES,
        maximum: int = MAX_BATCH_BYTES,
    ) -> None:
        if not 0 < minimum <= maximum:
            raise ValueError("batch size bounds must satisfy 0 < minimum <= maximum")
        self.minimum = minimum
        self.maximum = maximum
        self.target = min(max(start, minimum), maximum)
        self._successes = 0

    def limit_to(self, server_max: int) -> None:
        """Never plan a body larger than the server accepts."""
        self.maximum = max(min(self.maximum, server_max), 1)
        self.minimum = min(self.minimum, self.maximum)
        self.target = min(self.target, self.maximum)

    def failed(self) -> None:
        self._successes = 0
        self.target = max(self.minimum, self.target // 2)

    def succeeded(self) -> None:
        self._successes += 1
        if self._successes >= SUCCESSES_TO_GROW:
            self._successes = 0
            self.target = min(self.maximum, self.target * 2)

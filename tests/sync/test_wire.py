"""The push batch on the wire: hoisting round-trips to the exact stored op, sizes, the sizer."""

from __future__ import annotations

import gzip
import json
import random
from typing import Any

import pytest

from zhangye_desk.core import outbox
from zhangye_desk.core.outbox import Op, canonical_json, op_hash
from zhangye_desk.sync.wire import (
    KIB,
    MAX_BATCH_BYTES,
    MIN_BATCH_BYTES,
    START_BATCH_BYTES,
    BatchSizer,
    build_batch,
    decode_batch,
    encode_batch,
)

REPLICA = "0194f3a2-7b1c-7d4e-9a00-00000000aaaa"
OTHER = "0194f3a2-7b1c-7d4e-9a00-00000000bbbb"
HEADER: dict[str, Any] = {
    "replica_id": REPLICA,
    "device_id": "0194f3a2-0000-7000-8000-00000000dddd",
    "prev": 0,
    "device_time": 1767225600,
    "clock_offset_s": -4,
}


def make_op(seq: int, data: dict[str, object], origin: str = REPLICA) -> Op:
    body = canonical_json({k: v for k, v in data.items() if v is not None})
    return Op(seq, origin, str(data["t"]), body, op_hash(body), 1767225600, None)


def sample_ops() -> list[Op]:
    session = "0194f3a2-1111-7000-8000-000000000001"
    person = "0194f3a2-2222-7000-8000-000000000002"
    return [
        make_op(
            1,
            {
                "t": outbox.OP_SESSION_CREATE,
                "id": session,
                "kind": "tent",
                "title": "学党史 感党恩 跟党走",
                "township_code": "620721203",
                "village_code": "620721203201",
                "latitude": 38.70123,
                "longitude": 99.7,
                "starts_at": 1767225600,
                "headcount_unregistered": 3,
            },
        ),
        make_op(
            2,
            {
                "t": outbox.OP_ATTENDANCE,
                "s": session,
                "p": person,
                "st": "present",
                "at": 1767225660,
                "by": "安海龙",
            },
        ),  # fmt: skip
        make_op(
            3,
            {
                "t": outbox.OP_PERSON_UPDATE,
                "id": person,
                "base": 3,
                # A cleared id stays null; a new organisation id is hoisted.
                "f": {"village_code": None, "organisation_id": "org-大河-1", "phone": "139"},
                "at": 1767225700,
            },
        ),
        make_op(
            4,
            {
                "t": outbox.OP_SESSION_UPDATE,
                "id": session,
                "f": {"village_code": "620721203202", "title": "新标题"},
            },
            origin=OTHER,
        ),  # fmt: skip
        make_op(
            5,
            {
                "t": outbox.OP_MATERIAL_SHOWN,
                "id": "row-1",
                "s": session,
                "m": "mat-1",
                "at": 1767225800,
            },
        ),  # fmt: skip
        make_op(6, {"t": outbox.OP_SESSION_CLOSE, "id": session, "ends_at": 1767229200}),
    ]


def test_round_trip_gives_back_each_stored_op_and_its_hash() -> None:
    ops = sample_ops()
    batch = encode_batch(ops, **HEADER)
    document = decode_batch(batch.body)
    assert [op["seq"] for op in document["ops"]] == [1, 2, 3, 4, 5, 6]
    for sent, got in zip(ops, document["ops"], strict=True):
        assert got["body"] == sent.body
        assert op_hash(got["body"]) == sent.sha256
        assert got["origin"] == sent.origin_replica
        assert got["type"] == sent.type
    assert document["origins"] == [REPLICA, OTHER]
    assert document["prev"] == 0 and document["replica_id"] == REPLICA
    assert document["clock_offset_s"] == -4


def test_ids_are_hoisted_and_nulls_are_not() -> None:
    batch = encode_batch(sample_ops(), **HEADER)
    raw = json.loads(gzip.decompress(batch.body))
    strings = raw["strings"]
    mark = raw["ops"][1]
    assert mark[:3] == [2, 0, "attendance.mark"]
    assert isinstance(mark[3]["s"], int) and isinstance(mark[3]["p"], int)
    assert "t" not in mark[3]
    edit = raw["ops"][2][3]
    assert edit["f"]["village_code"] is None
    assert strings[edit["f"]["organisation_id"]] == "org-大河-1"
    assert edit["f"]["phone"] == "139"  # not an id key: left alone
    # Each id appears once in the table however many ops use it.
    assert len(strings) == len(set(strings))
    # Chinese travels as UTF-8, not \\u escapes (half the bytes before gzip).
    assert "学党史".encode() in gzip.decompress(batch.body)


def test_identical_ops_give_identical_bytes() -> None:
    # A retried batch is byte-for-byte the same (gzip mtime is fixed).
    assert encode_batch(sample_ops(), **HEADER).body == encode_batch(sample_ops(), **HEADER).body


def marks(count: int, people: int = 2000, seed: int = 7) -> list[Op]:
    rng = random.Random(seed)
    person_ids = [f"0194f3a2-{rng.getrandbits(16):04x}-7{rng.getrandbits(12):03x}-8000-"
                  f"{rng.getrandbits(48):012x}" for _ in range(people)]  # fmt: skip
    sessions = [f"0194f3a3-0000-7000-8000-{i:012x}" for i in range(50)]
    return [
        make_op(
            seq,
            {
                "t": outbox.OP_ATTENDANCE,
                "s": sessions[seq // 200 % len(sessions)],
                "p": rng.choice(person_ids),
                "st": "present",
                "at": 1767225600 + seq * 7,
                "by": "安海龙",
            },
        )
        for seq in range(1, count + 1)
    ]


@pytest.mark.parametrize("target", [MIN_BATCH_BYTES, START_BATCH_BYTES, MAX_BATCH_BYTES])
def test_build_batch_fills_the_compressed_target(target: int) -> None:
    ops = marks(16000)
    batch = build_batch(ops, target=target, **HEADER)
    assert batch.size <= target
    assert batch.size >= target * 0.85  # not timid: a batch costs a round trip
    assert batch.seqs == tuple(range(1, len(batch.seqs) + 1))
    one_more = encode_batch(ops[: len(batch.seqs) + 1], **HEADER)
    assert one_more.size > target * 0.95


def test_a_32_kib_batch_holds_about_a_thousand_marks() -> None:
    batch = build_batch(marks(8000), target=32 * KIB, **HEADER)
    assert 900 <= len(batch.seqs) <= 3000
    assert batch.size / len(batch.seqs) < 30  # bytes per mark on the wire


def test_small_input_goes_whole_and_a_lone_large_op_still_goes() -> None:
    ops = marks(10)
    assert build_batch(ops, target=32 * KIB, **HEADER).seqs == tuple(range(1, 11))
    noise = random.Random(1).randbytes(4000).hex()  # incompressible
    fields = {"t": outbox.OP_SESSION_CREATE, "id": "x", "notes": noise, "title": "t",
              "kind": "tent", "starts_at": 1, "township_code": "1"}  # fmt: skip
    huge = make_op(1, fields)
    batch = build_batch([huge, *marks(3)[1:]], target=1 * KIB, **HEADER)
    assert batch.seqs == (1,)


def test_raw_limit_also_bounds_the_uncompressed_body() -> None:
    batch = build_batch(marks(4000), target=MAX_BATCH_BYTES, raw_limit=50 * KIB, **HEADER)
    assert batch.raw_size <= 50 * KIB


def test_sizer_halves_after_failure_and_doubles_after_three_successes() -> None:
    sizer = BatchSizer()
    assert sizer.target == 32 * KIB
    sizer.failed()
    assert sizer.target == 16 * KIB
    sizer.succeeded()
    sizer.succeeded()
    assert sizer.target == 16 * KIB
    sizer.failed()  # a failure resets the run of successes
    sizer.succeeded()
    sizer.succeeded()
    assert sizer.target == 8 * KIB
    sizer.succeeded()
    assert sizer.target == 16 * KIB


def test_sizer_stays_within_bounds_and_under_the_server_limit() -> None:
    sizer = BatchSizer()
    for _ in range(10):
        sizer.failed()
    assert sizer.target == MIN_BATCH_BYTES
    for _ in range(30):
        sizer.succeeded()
    assert sizer.target == MAX_BATCH_BYTES
    sizer.limit_to(40 * KIB)
    assert sizer.target == 40 * KIB
    for _ in range(6):
        sizer.succeeded()
    assert sizer.target == 40 * KIB

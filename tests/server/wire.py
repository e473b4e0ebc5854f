"""A push-body encoder written from docs/protocol.md alone (not from the server's decoder), so
the server tests check the documented wire form rather than the server against itself."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from typing import Any

from zhangye_desk.core.outbox import Op

ID_KEYS = {"id", "s", "p", "m", "township_code", "village_code", "organisation_id"}
NESTED_F = {"session.update", "person.update"}


def encode_ops(ops: Sequence[Op]) -> tuple[list[str], list[str], list[list[Any]]]:
    """(origins, strings, ops) of the wire form: string ids hoisted, ``t`` left out."""
    origins: list[str] = []
    strings: list[str] = []

    def index(table: list[str], value: str) -> int:
        if value not in table:
            table.append(value)
        return table.index(value)

    def hoist(fields: dict[str, Any]) -> dict[str, Any]:
        return {
            key: index(strings, value) if key in ID_KEYS and isinstance(value, str) else value
            for key, value in fields.items()
        }

    encoded = []
    for op in ops:
        data = json.loads(op.body)
        op_type = data.pop("t")
        fields = hoist(data)
        if op_type in NESTED_F and isinstance(fields.get("f"), dict):
            fields["f"] = hoist(fields["f"])
        encoded.append([op.seq, index(origins, op.origin_replica), op_type, fields])
    return origins, strings, encoded


def batch(
    ops: Sequence[Op],
    *,
    replica_id: str,
    device_id: str,
    prev: int = 0,
    device_time: int = 1767225600,
    clock_offset_s: int | None = None,
) -> dict[str, Any]:
    origins, strings, encoded = encode_ops(ops)
    body: dict[str, Any] = {
        "protocol": 1,
        "replica_id": replica_id,
        "device_id": device_id,
        "prev": prev,
        "device_time": device_time,
        "origins": origins,
        "strings": strings,
        "ops": encoded,
    }
    if clock_offset_s is not None:
        body["clock_offset_s"] = clock_offset_s
    return body


def gzip_json(document: Any) -> bytes:
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(raw, mtime=0)

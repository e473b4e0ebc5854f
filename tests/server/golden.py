"""Golden protocol exchanges: requests and the server's replies, kept in tests/fixtures/protocol.

Each file holds a ``setup`` (enrolment codes, roster changes made by an admin), then
``exchanges``: a request with ``$name`` placeholders and the reply it got. ``test_golden.py``
replays every file against a fresh server and expects the same replies, so a later server
stays compatible with laptops already in the field; docs/protocol.md quotes these files.

Placeholders: ``$code`` (made by the setup), ``$device_id``/``$secret`` (from the enrolment
reply), ``$epoch`` (the server epoch) and ``$cursor`` (the last reply's cursor). In replies,
values that differ on every run (epoch, device id, secret, code) are written as placeholders;
``detail`` texts are for logs and are not compared. The server runs on a fixed two-township
directory (``directory/``) and a fixed clock, so change ids and times are stable.

Regenerate after a deliberate protocol change (and say so in docs/protocol.md)::

    .venv/bin/python -m tests.server.golden
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from httpx import Response

from tests.server import wire
from tests.server.conftest import DAHE, MATI, ServerUnderTest
from zhangye_desk.core.outbox import Op, canonical_json, op_hash
from zhangye_desk.server import dbadmin, service

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "protocol"
DIRECTORY = FIXTURES / "directory"
VOLATILE = ("epoch", "device_id", "secret", "code")

REPLICA = "0199a0c0-0000-7000-8000-00000000a001"
OTHER_REPLICA = "0199a0c0-0000-7000-8000-00000000a002"
SESSION = "0199a0c1-0000-7000-8000-000000000001"
FOREIGN_SESSION = "0199a0c1-0000-7000-8000-000000000002"
PERSON_1 = "0199a0c2-0000-7000-8000-000000000001"
PERSON_2 = "0199a0c2-0000-7000-8000-000000000002"
PERSON_3 = "0199a0c2-0000-7000-8000-000000000003"
SHOWN = "0199a0c3-0000-7000-8000-000000000001"
MATERIAL = "0199a0c4-0000-7000-8000-000000000001"
T0 = 1767225600  # 2026-01-01 08:00 CST: when the lecture starts on the laptop


def laptop_op(seq: int, data: dict[str, Any], origin: str = REPLICA) -> Op:
    """An op exactly as the laptop's outbox stores it (core.outbox's canonical JSON)."""
    body = canonical_json({k: v for k, v in data.items() if v is not None})
    return Op(seq, origin, data["t"], body, op_hash(body), data.get("at", T0), None)


LECTURE = [
    laptop_op(
        1,
        {
            "t": "person.create",
            "id": PERSON_1,
            "name": "才让卓玛",
            "township_code": DAHE,
            "political_status": "member",
            "gender": "F",
            "birth_year": 1980,
            "at": T0,
            "by": "讲师",
        },
    ),
    laptop_op(
        2,
        {
            "t": "person.create",
            "id": PERSON_2,
            "name": "安木",
            "township_code": MATI,
            "political_status": "masses",
            "at": T0,
            "by": "讲师",
        },
    ),
    laptop_op(
        3,
        {
            "t": "session.create",
            "id": SESSION,
            "kind": "tent",
            "title": "帐篷课堂：党史学习",
            "township_code": DAHE,
            "starts_at": T0,
            "place_name": "夏季牧场",
            "at": T0,
            "by": "讲师",
        },
    ),
    laptop_op(
        4,
        {
            "t": "attendance.mark",
            "s": SESSION,
            "p": PERSON_1,
            "st": "present",
            "at": T0 + 60,
            "by": "讲师",
        },
    ),
    laptop_op(
        5,
        {
            "t": "attendance.mark",
            "s": SESSION,
            "p": PERSON_2,
            "st": "late",
            "at": T0 + 120,
            "by": "讲师",
        },
    ),
    laptop_op(
        6,
        {
            "t": "material.shown",
            "id": SHOWN,
            "s": SESSION,
            "m": MATERIAL,
            "at": T0 + 300,
            "by": "讲师",
        },
    ),
    laptop_op(
        7,
        {
            "t": "session.update",
            "id": SESSION,
            "f": {"headcount_unregistered": 3, "village_code": "620721203201"},
            "at": T0 + 600,
            "by": "讲师",
        },
    ),
    laptop_op(
        8,
        {
            "t": "person.update",
            "id": PERSON_1,
            "base": 0,
            "f": {"phone": "13800000000"},
            "at": T0 + 700,
            "by": "讲师",
        },
    ),
    laptop_op(
        9,
        {"t": "session.close", "id": SESSION, "ends_at": T0 + 3600, "at": T0 + 3600, "by": "讲师"},
    ),
    laptop_op(
        10,
        {
            "t": "session.create",
            "id": FOREIGN_SESSION,
            "kind": "horseback",
            "title": "马背课堂",
            "township_code": MATI,
            "starts_at": T0,
            "at": T0,
        },
    ),
]


def push(ops: list[Op], *, prev: int, replica: str = REPLICA, **changes: Any) -> dict[str, Any]:
    document = wire.batch(
        ops,
        replica_id=replica,
        device_id="$device_id",
        prev=prev,
        device_time=T0 + 3700,
        clock_offset_s=-4,
    )
    document.update(changes)
    return {"method": "POST", "path": "/v1/sync/push", "auth": True, "gzip": True, "json": document}


def enrol(replica: str = REPLICA, code: str = "$code") -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/v1/devices",
        "json": {"code": code, "name": "大河乡-笔记本-1", "replica_id": replica},
    }


def get(path: str, auth: bool = True, **params: Any) -> dict[str, Any]:
    return {"method": "GET", "path": path, "auth": auth, "params": params}


CODE = {"do": "enrol_code", "township": DAHE}
ROSTER = [
    {
        "do": "person",
        "fields": {
            "id": PERSON_1,
            "name": "卓玛",
            "township_code": DAHE,
            "birth_year": 1980,
            "political_status": "member",
        },
    },
    {"do": "person", "fields": {"id": PERSON_2, "name": "才让", "township_code": DAHE}},
    {
        "do": "person",
        "fields": {"id": PERSON_3, "name": "卓玛", "township_code": DAHE, "birth_year": 1980},
    },
    {"do": "delete_person", "id": PERSON_2},
    {"do": "merge_people", "loser": PERSON_3, "winner": PERSON_1},
]

SCENARIOS: dict[str, dict[str, Any]] = {
    "enrol": {
        "description": "Enrolment: a good code, the same laptop asking again after a lost "
        "reply, the code used by another laptop, an unknown code, a malformed request.",
        "setup": [CODE],
        "exchanges": [
            enrol(),
            enrol(),
            enrol(OTHER_REPLICA),
            enrol(code="AAAA-BBBB-CCCC"),
            {"method": "POST", "path": "/v1/devices", "json": {"name": "x"}},
        ],
    },
    "info_state": {
        "description": "Server info (no credential) and a replica's state before and after "
        "enrolment; a request without a credential.",
        "setup": [CODE],
        "exchanges": [
            get("/v1/sync/info", auth=False),
            enrol(),
            get("/v1/sync/state", replica_id=REPLICA),
            get("/v1/sync/state", auth=False, replica_id=REPLICA),
        ],
    },
    "push": {
        "description": "A batch with every op type (one session in another township: "
        "quarantined), the same batch again (dup), the state after it, a reused seq, a gap, "
        "a batch that is not in the wire form.",
        "setup": [CODE],
        "exchanges": [
            enrol(),
            push(LECTURE, prev=0),
            push(LECTURE, prev=0),
            get("/v1/sync/state", replica_id=REPLICA),
            push(
                [
                    laptop_op(
                        11,
                        {
                            "t": "attendance.mark",
                            "s": SESSION,
                            "p": PERSON_1,
                            "st": "removed",
                            "at": T0 + 4000,
                        },
                    ),
                    laptop_op(
                        3,
                        {
                            "t": "session.create",
                            "id": SESSION,
                            "kind": "tent",
                            "title": "另一个",
                            "township_code": DAHE,
                            "starts_at": T0,
                            "at": T0,
                        },
                    ),
                ][::-1],
                prev=10,
            ),
            push(LECTURE[:1], prev=50),
            push(LECTURE[:1], prev=10, strings=[]),
        ],
        "op_hashes": {f"{op.origin_replica}:{op.seq}": op.sha256 for op in LECTURE},
    },
    "pull": {
        "description": "The change feed in pages (directory, then people: upserts, a "
        "tombstone, a merge), a cursor of another epoch (410), then a paged snapshot.",
        "setup": [CODE, *ROSTER],
        "exchanges": [
            enrol(),
            get("/v1/sync/pull", cursor="", limit=4),
            get("/v1/sync/pull", cursor="$cursor", limit=4),
            get("/v1/sync/pull", cursor="$cursor", limit=4),
            get("/v1/sync/pull", cursor="0199a0c9-0000-7000-8000-000000000000:6"),
            get("/v1/sync/pull", snapshot=1, after="", limit=4),
            get("/v1/sync/pull", snapshot=1, after="$cursor", limit=20),
        ],
    },
}


def new_golden_server(folder: Path) -> ServerUnderTest:
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    dbadmin.init_db(url, directory=DIRECTORY)
    return ServerUnderTest(url, folder / "files", initialised=True)


class Golden:
    """Runs one scenario's setup and exchanges against a server."""

    def __init__(self, server: ServerUnderTest) -> None:
        self.server = server
        self.context: dict[str, str] = {}

    def setup(self, actions: list[dict[str, Any]]) -> None:
        now = int(self.server.clock())
        for action in actions:
            if action["do"] == "enrol_code":
                self.context["code"] = self.server.code(action["township"])
                continue
            with self.server.conn() as conn:
                if action["do"] == "person":
                    service.upsert_person(conn, action["fields"], actor="golden", now=now)
                elif action["do"] == "delete_person":
                    service.delete_person(conn, action["id"], actor="golden", now=now)
                elif action["do"] == "merge_people":
                    service.merge_people(
                        conn, action["loser"], action["winner"], actor="golden", now=now
                    )
                else:
                    raise ValueError(f"unknown setup action {action['do']!r}")

    def _fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return re.sub(r"\$(\w+)", lambda m: self.context.get(m.group(1), m.group(0)), value)
        if isinstance(value, list):
            return [self._fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self._fill(v) for k, v in value.items()}
        return value

    def send(self, spec: dict[str, Any]) -> Response:
        spec = self._fill(spec)
        headers: dict[str, str] = {}
        if spec.get("auth"):
            headers["Authorization"] = (
                f"Bearer {self.context['device_id']}.{self.context['secret']}"
            )
        content = None
        if "json" in spec:
            headers["Content-Type"] = "application/json"
            if spec.get("gzip"):
                headers["Content-Encoding"] = "gzip"
                content = wire.gzip_json(spec["json"])
            else:
                content = json.dumps(spec["json"], ensure_ascii=False).encode("utf-8")
        return self.server.client.request(
            spec["method"],
            spec["path"],
            params=spec.get("params"),
            content=content,
            headers=headers,
        )

    def _learn(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        if isinstance(data.get("device_id"), str) and isinstance(data.get("secret"), str):
            self.context["device_id"], self.context["secret"] = data["device_id"], data["secret"]
        if isinstance(data.get("server_epoch"), str):
            self.context["epoch"] = data["server_epoch"]
        if isinstance(data.get("cursor"), str):
            self.context["cursor"] = data["cursor"]

    def normalise(self, value: Any) -> Any:
        if isinstance(value, str):
            for name in VOLATILE:
                if self.context.get(name):
                    value = value.replace(self.context[name], f"${name}")
            return value
        if isinstance(value, list):
            return [self.normalise(v) for v in value]
        if isinstance(value, dict):
            return {k: self.normalise(v) for k, v in value.items()}
        return value

    def exchange(self, spec: dict[str, Any]) -> dict[str, Any]:
        reply = self.send(spec)
        data = reply.json()
        self._learn(data)
        return {"status": reply.status_code, "json": self.normalise(data)}


def without_details(value: Any) -> Any:
    """Replies with their log texts blanked (``detail``, a quarantined op's third field)."""
    if isinstance(value, list):
        return [without_details(v) for v in value]
    if isinstance(value, dict):
        out = {k: "…" if k == "detail" else without_details(v) for k, v in value.items()}
        if isinstance(out.get("quarantined"), list):
            out["quarantined"] = [q[:2] + ["…"] for q in out["quarantined"]]
        return out
    return value


def write_all() -> None:
    for name, scenario in SCENARIOS.items():
        with tempfile.TemporaryDirectory() as folder:
            server = new_golden_server(Path(folder))
            try:
                golden = Golden(server)
                golden.setup(scenario["setup"])
                exchanges = [
                    {"request": spec, "response": golden.exchange(spec)}
                    for spec in scenario["exchanges"]
                ]
            finally:
                server.close()
        document = {
            "description": scenario["description"],
            "setup": scenario["setup"],
            "exchanges": exchanges,
        }
        if "op_hashes" in scenario:
            document["op_hashes"] = scenario["op_hashes"]
        path = FIXTURES / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    write_all()

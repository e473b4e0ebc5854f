"""Enrolment codes, device credentials, revocation, /v1/sync/info and /v1/sync/state."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from tests.server.conftest import DAHE, MATI, ServerUnderTest
from zhangye_desk.server.auth import CODE_ALPHABET, revoke_device
from zhangye_desk.server.db import device, enrol_code

CODE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")


def enrol(server: ServerUnderTest, code: str, **extra: str) -> tuple[int, dict]:
    reply = server.client.post(
        "/v1/devices", json={"code": code, "name": "大河乡-笔记本-1", **extra}
    )
    return reply.status_code, reply.json()


def test_a_code_enrols_one_laptop_into_its_township(server: ServerUnderTest) -> None:
    code = server.code(DAHE)
    assert CODE.match(code), code
    status, data = enrol(server, code)
    assert status == 201
    assert data["township_code"] == DAHE and data["township_name"] == "大河乡"
    assert data["server_epoch"] and isinstance(data["server_time"], float)
    (row,) = server.rows(device, device.c.id == data["device_id"])
    # Only hashes are stored: neither the code nor the secret can be read back.
    assert row["secret_hash"] == hashlib.sha256(data["secret"].encode()).hexdigest()
    stored = server.rows(enrol_code)
    assert all(
        code not in str(r.values()) and code.replace("-", "") not in str(r.values()) for r in stored
    )
    assert data["secret"] not in str(row.values())
    assert len(data["secret"]) >= 43  # 32 random bytes, base64url


def test_typing_the_code_is_forgiving(server: ServerUnderTest) -> None:
    code = server.code()
    status, _ = enrol(server, " " + code.lower().replace("-", " ") + " ")
    assert status == 201


def test_a_code_is_single_use(server: ServerUnderTest) -> None:
    code = server.code()
    assert enrol(server, code)[0] == 201
    status, data = enrol(server, code)
    assert (status, data["error"]) == (403, "code_used")
    assert data["protocol"] == 1 and data["detail"]


def test_a_lost_reply_does_not_burn_the_code(server: ServerUnderTest) -> None:
    code = server.code()
    first = enrol(server, code, replica_id="replica-A")[1]
    status, again = enrol(server, code, replica_id="replica-A")
    assert status == 201
    assert again["device_id"] == first["device_id"] and again["secret"] != first["secret"]
    # Only the newest secret works; another laptop still cannot use the code.
    old = {"Authorization": f"Bearer {first['device_id']}.{first['secret']}"}
    new = {"Authorization": f"Bearer {again['device_id']}.{again['secret']}"}
    info = {"replica_id": "replica-A"}
    assert server.client.get("/v1/sync/state", params=info, headers=old).status_code == 401
    assert server.client.get("/v1/sync/state", params=info, headers=new).status_code == 200
    assert enrol(server, code, replica_id="replica-B")[1]["error"] == "code_used"


def test_an_expired_code_is_refused(server: ServerUnderTest) -> None:
    code = server.code(ttl_s=600)
    server.clock.advance(601)
    status, data = enrol(server, code)
    assert (status, data["error"]) == (403, "code_expired")


def test_an_unknown_code_is_refused(server: ServerUnderTest) -> None:
    status, data = enrol(server, "AAAA-BBBB-CCCC")
    assert (status, data["error"]) == (403, "code_unknown")


@pytest.mark.parametrize("body", [{}, {"code": "X"}, {"name": "n"}, {"code": 5, "name": "n"}])
def test_a_malformed_enrolment_is_a_bad_request(server: ServerUnderTest, body: dict) -> None:
    reply = server.client.post("/v1/devices", json=body)
    assert reply.status_code == 400
    assert reply.json()["error"] == "bad_request" and reply.json()["protocol"] == 1


def test_codes_belong_to_known_townships(server: ServerUnderTest) -> None:
    from zhangye_desk.server.errors import NotFound

    with pytest.raises(NotFound):
        server.code("999999999")


AUTHENTICATED = [
    ("GET", "/v1/sync/state?replica_id=r"),
    ("POST", "/v1/sync/push"),
    ("GET", "/v1/sync/pull"),
    ("GET", "/v1/files/" + "0" * 64),
]


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_every_device_route_needs_a_valid_credential(
    server: ServerUnderTest, method: str, path: str
) -> None:
    creds = server.enrol()
    for header in (
        None,
        "Basic abc",
        f"Bearer {creds.device_id}",
        f"Bearer {creds.device_id}.wrong-secret",
        f"Bearer 01a2b3c4-0000-7000-8000-000000000000.{creds.secret}",
    ):
        headers = {} if header is None else {"Authorization": header}
        reply = server.client.request(method, path, headers=headers, content=b"{}")
        assert reply.status_code == 401, (header, reply.text)
        assert reply.json()["error"] == "unauthorized"
        assert reply.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_device_is_told_so_only_with_its_secret(server: ServerUnderTest) -> None:
    creds = server.enrol()
    with server.conn() as conn:
        assert revoke_device(conn, creds.device_id) is True
        assert revoke_device(conn, creds.device_id) is False
    reply = server.client.get("/v1/sync/pull", headers=creds.headers)
    assert (reply.status_code, reply.json()["error"]) == (401, "revoked")
    guess = {"Authorization": f"Bearer {creds.device_id}.guess"}
    assert server.client.get("/v1/sync/pull", headers=guess).json()["error"] == "unauthorized"


def test_info_needs_no_credential(server: ServerUnderTest) -> None:
    data = server.client.get("/v1/sync/info").json()
    assert data["protocol"] == data["protocol_min"] == data["protocol_max"] == 1
    assert data["server_time"] == server.clock()
    assert data["max_request_bytes"] == server.settings.max_request_bytes
    assert {"gzip", "range"} <= set(data["features"])
    assert data["server_epoch"]


def test_state_of_a_replica_never_seen(server: ServerUnderTest) -> None:
    creds = server.enrol()
    reply = server.client.get("/v1/sync/state", params={"replica_id": "new"}, headers=creds.headers)
    assert reply.json() == {
        "protocol": 1,
        "replica_id": "new",
        "acked_through": 0,
        "op_count": 0,
        "counts": {
            "ops": 0,
            "sessions": 0,
            "participant_times": 0,
            "registered_participant_times": 0,
            "unregistered_headcount": 0,
        },
    }
    missing = server.client.get("/v1/sync/state", headers=creds.headers)
    assert missing.status_code == 400


def test_another_townships_device_cannot_read_a_replica(server: ServerUnderTest) -> None:
    owner = server.enrol(DAHE)
    empty = {
        "protocol": 1,
        "replica_id": "replica-D",
        "device_id": owner.device_id,
        "prev": 0,
        "origins": [],
        "strings": [],
        "ops": [],
    }
    assert server.push_document(owner, empty).status_code == 200
    other = server.enrol(MATI)
    params = {"replica_id": "replica-D"}
    reply = server.client.get("/v1/sync/state", params=params, headers=other.headers)
    assert (reply.status_code, reply.json()["error"]) == (403, "replica_foreign")


def test_last_seen_is_kept_without_writing_on_every_request(server: ServerUnderTest) -> None:
    creds = server.enrol()
    enrolled = server.rows(device)[0]["last_seen_at"]
    server.clock.advance(30)
    server.client.get("/v1/sync/pull", headers=creds.headers)
    assert server.rows(device)[0]["last_seen_at"] == enrolled
    server.clock.advance(60)
    server.client.get("/v1/sync/pull", headers=creds.headers)
    assert server.rows(device)[0]["last_seen_at"] == int(server.clock())
    with server.conn() as conn:
        assert conn.execute(select(device.c.revoked_at)).scalar() is None

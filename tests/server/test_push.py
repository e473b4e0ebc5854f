"""POST /v1/sync/push: real laptop ops in the documented wire form, applied exactly once."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.server import wire
from tests.server.conftest import DAHE, MATI, Laptop, ServerUnderTest, new_client_store
from tests.server.lectures import record_lecture
from zhangye_desk.core import attendance, outbox, people, sessions, status
from zhangye_desk.core.store import open_db, rotate_replica, transaction
from zhangye_desk.server.db import attendance as effective
from zhangye_desk.server.db import (
    attendance_event,
    op_log,
    quarantine,
    replica,
    session,
    session_material,
)
from zhangye_desk.server.db import person as person_table


def count(server: ServerUnderTest, table: object) -> int:
    with server.conn() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def fake_op(seq: int, origin: str, data: dict) -> outbox.Op:
    body = outbox.canonical_json(data)
    return outbox.Op(seq, origin, data["t"], body, outbox.op_hash(body), 0, None)


def test_laptop_ops_arrive_with_the_laptops_own_hashes(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server)
    record_lecture(laptop.db, DAHE)
    ops = laptop.pending()
    assert {op.type for op in ops} == set(outbox.OP_TYPES)
    reply = laptop.push()
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["replica_id"] == laptop.replica
    assert data["acked_through"] == ops[-1].seq
    assert data["results"] == []  # only what is not "ok" is listed
    assert data["quarantined"] == []
    stored = {(r["origin_replica"], r["seq"]): r["sha256"] for r in any_server.rows(op_log)}
    assert stored == {(op.origin_replica, op.seq): op.sha256 for op in ops}
    # The receipt: the server's figures for this device equal the laptop's own.
    local = status.local_totals(laptop.db)
    assert data["counts"]["ops"] == len(ops)
    for key in (
        "sessions",
        "participant_times",
        "registered_participant_times",
        "unregistered_headcount",
    ):
        assert data["counts"][key] == local[key], key
    (row,) = any_server.rows(session)
    assert (row["state"], row["headcount_unregistered"], row["notes"]) == ("closed", 4, "雪")
    assert len(any_server.rows(session_material)) == 1
    assert laptop.pending() == []


def test_a_batch_sent_again_is_acknowledged_and_not_applied_twice(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server)
    record_lecture(laptop.db, DAHE)
    ops = laptop.pending()
    first = laptop.push(ops).json()
    events = count(any_server, attendance_event)
    # The reply was lost: the laptop sends the identical batch again.
    again = any_server.push_document(laptop.creds, laptop.document(ops, prev=0)).json()
    assert again["results"] == [[op.seq, "dup"] for op in ops]
    assert again["acked_through"] == first["acked_through"]
    assert again["counts"] == first["counts"]
    assert count(any_server, attendance_event) == events
    assert any_server.rows(replica)[0]["op_count"] == len(ops)


def test_a_restored_copy_reusing_seqs_gets_seq_reuse_then_pushes_under_a_new_replica(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop], tmp_path: Path
) -> None:
    laptop = make_laptop(any_server)
    record_lecture(laptop.db, DAHE, title="第一次")
    copy_path = tmp_path / "copy.sqlite3"
    laptop.db.execute("VACUUM INTO ?", [str(copy_path)])  # a file copied aside by hand
    laptop.push()
    first_through = laptop.acked_through
    record_lecture(laptop.db, DAHE, title="第二次")
    laptop.push()
    before = {r["id"]: r["title"] for r in any_server.rows(session)}

    # The copy is put back by hand (same replica id) and used: its new ops reuse seqs.
    restored = Laptop(open_db(copy_path), any_server, laptop.creds)
    try:
        record_lecture(restored.db, DAHE, title="第三次")
        reply = restored.push()
        assert reply.status_code == 409
        body = reply.json()
        assert body["error"] == "seq_reuse"
        assert (body["seq"], body["origin"]) == (first_through + 1, laptop.replica)
        assert {r["id"]: r["title"] for r in any_server.rows(session)} == before  # untouched

        # The client rotates its replica and re-stamps the ops made since the restore.
        old = restored.replica
        rotate_replica(restored.db)
        with transaction(restored.db):
            outbox.restamp(
                restored.db, from_seq=body["seq"], old_replica=old, new_replica=restored.replica
            )
        reply = restored.push(prev=0)
        assert reply.status_code == 200, reply.text
        results = dict(reply.json()["results"])
        assert results == {seq: "dup" for seq in range(1, first_through + 1)}  # the rest: ok
        titles = sorted(r["title"] for r in any_server.rows(session))
        assert titles == ["第一次", "第三次", "第二次"]
    finally:
        restored.db.close()


def test_a_server_that_lost_ops_answers_gap(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server)
    record_lecture(laptop.db, DAHE)
    ops = laptop.pending()
    half = len(ops) // 2
    laptop.push(ops[:half])
    # The laptop believes the server has more than it does (the server was restored).
    reply = any_server.push_document(laptop.creds, laptop.document(ops[half:], prev=ops[-1].seq))
    assert reply.status_code == 409
    assert reply.json()["error"] == "gap" and reply.json()["acked_through"] == ops[half - 1].seq
    assert count(any_server, op_log) == half
    assert laptop.push(ops[half:], prev=ops[half - 1].seq).status_code == 200
    assert count(any_server, op_log) == len(ops)


def test_a_session_in_another_township_is_quarantined_never_dropped(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    laptop = make_laptop(any_server, DAHE)
    lecture = record_lecture(laptop.db, MATI, close=False)
    ops = laptop.pending()
    data = laptop.push().json()
    assert data["acked_through"] == ops[-1].seq  # acknowledged: it never blocks the queue
    reasons = {seq: reason for seq, reason, _detail in data["quarantined"]}
    by_type = {op.seq: op.type for op in ops}
    assert {by_type[s] for s, r in reasons.items() if r == "township_mismatch"} == {
        "session.create"
    }
    assert {r for s, r in reasons.items() if by_type[s] != "session.create"} == {"unknown_session"}
    listed = dict(data["results"])
    assert {by_type[seq] for seq in by_type if seq not in listed} == {
        "person.create",
        "person.update",
    }
    assert set(listed.values()) == {"quarantined"}
    held = any_server.rows(quarantine)
    assert {(q["seq"], q["reason"]) for q in held} == set(reasons.items())
    create = next(q for q in held if q["type"] == "session.create")
    assert json.loads(create["body"])["id"] == lecture.session_id  # the op is kept whole
    assert any_server.rows(session) == []


def test_a_mark_for_someone_from_another_township_is_fine(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    visitor = people.add_person(laptop.db, name="外乡人", township_code=MATI)
    session_id = sessions.create_session(
        laptop.db, kind="horseback", title="马背课堂", township_code=DAHE
    )
    attendance.mark_present(laptop.db, session_id, visitor)
    data = laptop.push().json()
    assert data["quarantined"] == [] and data["counts"]["participant_times"] == 1


def test_what_cannot_be_applied_is_quarantined_with_a_reason(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    session_id = sessions.create_session(laptop.db, kind="tent", title="课", township_code=DAHE)
    person_id = people.add_person(laptop.db, name="卓玛", township_code=DAHE)
    laptop.push()
    origin = laptop.replica
    n = laptop.acked_through
    handmade = [
        {"t": "attendance.mark", "s": session_id, "p": "no-such-person", "st": "present", "at": 1},
        {"t": "attendance.mark", "s": session_id, "p": person_id, "st": "asleep", "at": 1},
        {"t": "session.update", "id": session_id, "f": {"kind": "picnic"}, "at": 1},
        {"t": "session.update", "id": session_id, "f": {"state": "closed"}, "at": 1},
        {"t": "person.create", "id": "p-new", "name": " ", "township_code": DAHE, "at": 1},
        {"t": "person.create", "id": "p-x", "name": "X", "township_code": "000000000", "at": 1},
        {"t": "session.frobnicate", "id": session_id},
        {"t": "session.close", "id": session_id, "ends_at": 2, "at": 2},
        {"t": "attendance.mark", "s": session_id, "p": person_id, "st": "present", "at": 3},
        {"t": "material.shown", "id": "sm-1", "s": session_id, "m": "m-1", "at": 3},
    ]
    ops = [fake_op(n + i + 1, origin, data) for i, data in enumerate(handmade)]
    reply = laptop.push(ops)
    assert reply.status_code == 200, reply.text
    got = {seq: reason for seq, reason, _ in reply.json()["quarantined"]}
    assert got == {
        n + 1: "unknown_person",
        n + 2: "invalid",
        n + 3: "invalid",
        n + 4: "invalid",
        n + 5: "invalid",
        n + 6: "invalid",
        n + 7: "unknown_type",
        n + 9: "session_closed",
        n + 10: "session_closed",
    }
    assert len(server.rows(quarantine)) == len(got)
    assert server.rows(session)[0]["state"] == "closed"


def test_ops_pushed_again_under_another_origin_are_not_applied_twice(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    record_lecture(laptop.db, DAHE)
    ops = laptop.pending()
    laptop.push(ops)
    before = (
        count(server, attendance_event),
        count(server, person_table),
        len(server.rows(session)),
    )
    # The same ops under another origin (as if re-stamped after a restore): same bodies.
    again = [
        outbox.Op(op.seq, "another-origin", op.type, op.body, op.sha256, 0, None) for op in ops
    ]
    data = laptop.push(again).json()
    assert data["results"] == [] and data["quarantined"] == []  # all ok, none applied again
    after = (
        count(server, attendance_event),
        count(server, person_table),
        len(server.rows(session)),
    )
    assert after == before


def test_removing_a_mark_made_by_another_laptop_is_flagged_not_applied(
    server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    from zhangye_desk.server.db import review_queue

    first, second = make_laptop(server), make_laptop(server)
    session_id = sessions.create_session(first.db, kind="tent", title="课", township_code=DAHE)
    person_id = people.add_person(first.db, name="卓玛", township_code=DAHE)
    attendance.mark_present(first.db, session_id, person_id)
    first.push()
    unmark = {"t": "attendance.mark", "s": session_id, "p": person_id, "st": "removed", "at": 9}
    second.push([fake_op(1, second.replica, unmark)])
    assert server.rows(effective)[0]["status"] == "present"
    assert [r["kind"] for r in server.rows(review_queue)] == ["attendance_disagreement"]


def test_a_body_over_the_limit_is_refused_with_413(server: ServerUnderTest, laptop: Laptop) -> None:
    big = b"x" * (server.settings.max_request_bytes + 1)
    headers = {**laptop.creds.headers, "Content-Type": "application/json"}
    reply = server.client.post("/v1/sync/push", content=big, headers=headers)
    assert (reply.status_code, reply.json()["error"]) == (413, "too_large")
    # A small gzip body that unpacks past the decoded limit is refused too.
    bomb = gzip.compress(b"[" + b" " * (server.settings.max_decoded_bytes + 10) + b"]")
    assert len(bomb) < server.settings.max_request_bytes
    headers["Content-Encoding"] = "gzip"
    reply = server.client.post("/v1/sync/push", content=bomb, headers=headers)
    assert (reply.status_code, reply.json()["error"]) == (413, "too_large")


def test_a_chunked_body_over_the_limit_is_refused_with_413(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    def chunks():  # no Content-Length: counted while read
        for _ in range(5):
            yield b"x" * (server.settings.max_request_bytes // 4)

    reply = server.client.post("/v1/sync/push", content=chunks(), headers=laptop.creds.headers)
    assert (reply.status_code, reply.json()["error"]) == (413, "too_large")


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda d: d.update(protocol=2), "bad_request"),
        (lambda d: d.update(prev=-1), "bad_request"),
        (lambda d: d["ops"][0].__setitem__(1, 5), "bad_request"),
        (lambda d: d["ops"][0][3].__setitem__("s", 999), "bad_request"),
        (lambda d: d["ops"].reverse(), "bad_request"),
        (lambda d: d["ops"][0][3].__setitem__("t", "x"), "bad_request"),
        (lambda d: d.update(ops=[[1, 0, "x"]]), "bad_request"),
        (lambda d: d.update(device_id="someone-else"), "device_mismatch"),
    ],
)
def test_a_batch_not_in_the_wire_form_is_refused_whole(
    server: ServerUnderTest, laptop: Laptop, mutate: Callable[[dict], object], error: str
) -> None:
    session_id = sessions.create_session(laptop.db, kind="tent", title="课", township_code=DAHE)
    attendance.mark_present(
        laptop.db, session_id, people.add_person(laptop.db, name="A", township_code=DAHE)
    )
    document = laptop.document()
    mutate(document)
    reply = server.push_document(laptop.creds, document)
    assert reply.json()["error"] == error
    assert reply.status_code == (403 if error == "device_mismatch" else 400)
    assert count(server, op_log) == 0


def test_a_cut_or_garbled_body_is_refused(server: ServerUnderTest, laptop: Laptop) -> None:
    sessions.create_session(laptop.db, kind="tent", title="课", township_code=DAHE)
    body = wire.gzip_json(laptop.document())
    headers = {**laptop.creds.headers, "Content-Encoding": "gzip"}
    for content in (body[: len(body) // 2], b"not gzip", gzip.compress(b"{not json")):
        reply = server.client.post("/v1/sync/push", content=content, headers=headers)
        assert (reply.status_code, reply.json()["error"]) == (400, "bad_request")
    headers["Content-Encoding"] = "br"
    assert server.client.post("/v1/sync/push", content=body, headers=headers).status_code == 415
    assert count(server, op_log) == 0


def test_plain_json_is_accepted_and_replies_are_gzipped_when_asked(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    record_lecture(laptop.db, DAHE, attendees=30)
    document = laptop.document()
    first = server.push_document(laptop.creds, document, gzipped=False)
    assert first.status_code == 200
    assert "content-encoding" not in first.headers  # a short reply: not worth compressing
    again = server.push_document(laptop.creds, document, gzipped=False)  # lists every dup
    assert again.headers["content-encoding"] == "gzip"  # TestClient asks for gzip
    assert again.headers["content-type"] == "application/json"
    assert len(again.json()["results"]) == len(document["ops"])


def test_counts_cover_every_replica_of_the_device(
    server: ServerUnderTest, laptop: Laptop, tmp_path: Path
) -> None:
    record_lecture(laptop.db, DAHE)
    first = laptop.push().json()["counts"]
    # The laptop's file is restored from a backup: a new replica of the same device.
    other = new_client_store(tmp_path / "restored")
    try:
        restored = Laptop(other, server, laptop.creds)
        record_lecture(other, DAHE, title="第二场")
        second = restored.push().json()["counts"]
    finally:
        other.close()
    assert second["sessions"] == first["sessions"] + 1
    assert second["participant_times"] == 2 * first["participant_times"]
    assert second["ops"] == count(server, op_log)

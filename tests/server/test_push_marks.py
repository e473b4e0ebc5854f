"""Runs of attendance marks are applied set-based (apply._apply_marks); the outcome must be
exactly that of applying each op on its own, which is also the path a run takes when the
database refuses it. Plus the bulk helpers in db.py and the SQLite write queue."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.pgcluster import PgCluster, drop_database
from tests.server.conftest import DAHE, MATI, Laptop, ServerUnderTest, new_client_store
from zhangye_desk.core import attendance, outbox, people, sessions
from zhangye_desk.core.store import replica_id
from zhangye_desk.server import apply
from zhangye_desk.server import db as server_db
from zhangye_desk.server.db import attendance as effective
from zhangye_desk.server.db import (
    attendance_event,
    device,
    insert_rows,
    op_log,
    person,
    quarantine,
    reserve_ids,
    review_queue,
    session,
    write_transaction,
)

MAX_BIGINT = 2**63 - 1


def fake_op(seq: int, origin: str, data: dict[str, Any]) -> outbox.Op:
    body = outbox.canonical_json(data)
    return outbox.Op(seq, origin, data["t"], body, outbox.op_hash(body), 0, None)


def mark(s: str, p: str, st: str = "present", at: int = 1767225700) -> dict[str, Any]:
    return {"t": "attendance.mark", "s": s, "p": p, "st": st, "at": at, "by": "讲师"}


@pytest.fixture(params=["sqlite", "postgresql"])
def two_db_urls(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[str, str]]:
    """Two initialised server databases of the same kind (one per way of applying)."""
    if request.param == "sqlite":
        urls = []
        for name in ("one", "two"):
            path = tmp_path / f"{name}.sqlite3"
            path.write_bytes(sqlite_template.read_bytes())
            urls.append(f"sqlite:///{path}")
        yield urls[0], urls[1]
        return
    cluster: PgCluster = request.getfixturevalue("postgres_cluster")
    template: str = request.getfixturevalue("postgres_template")
    names = [f"t_{uuid.uuid4().hex[:16]}" for _ in range(2)]
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield cluster.url(names[0]), cluster.url(names[1])
    finally:
        for name in names:
            drop_database(cluster.url(), name)


def play(server: ServerUnderTest, folder: Path) -> dict[str, Any]:
    """Two laptops of 大河乡 and one of 马蹄乡; the second pushes a batch of marks that meets
    every rule (another laptop's marks, unknown and closed sessions, a session and a person
    made in the same batch, bad values, a body already applied under another origin).
    Returns everything the server holds about attendance and what it answered."""

    def laptop(name: str, township: str) -> Laptop:
        db = new_client_store(folder / name)
        return Laptop(db, server, server.enrol(township, replica=replica_id(db)))

    first, second, other = laptop("a", DAHE), laptop("b", DAHE), laptop("c", MATI)
    try:
        p = [people.add_person(first.db, name=f"牧民{i}", township_code=DAHE) for i in range(6)]
        s1 = sessions.create_session(first.db, kind="tent", title="课一", township_code=DAHE)
        s2 = sessions.create_session(first.db, kind="tent", title="课二", township_code=DAHE)
        attendance.mark(first.db, s1, p[0], "present")
        attendance.mark(first.db, s1, p[1], "late")
        attendance.mark(first.db, s1, p[2], "present")
        attendance.unmark(first.db, s1, p[2])
        attendance.mark(first.db, s2, p[0], "present")
        sessions.close_session(first.db, s2)
        assert first.push().status_code == 200
        late_body = next(
            outbox.Op(int(seq), str(origin), str(t), str(body), str(sha), 0, None)
            for seq, origin, t, body, sha in first.db.execute(
                "SELECT seq, origin_replica, type, body, sha256 FROM outbox ORDER BY seq"
            )
            if t == "attendance.mark" and '"late"' in body
        )
        mati = sessions.create_session(other.db, kind="tent", title="马蹄课", township_code=MATI)
        assert other.push().status_code == 200

        s3, p6 = str(uuid.uuid4()), str(uuid.uuid4())
        create_s3 = {"t": "session.create", "id": s3, "kind": "tent", "title": "课三",
                     "township_code": DAHE, "starts_at": 1767225600, "at": 1767225600}  # fmt: skip
        create_p6 = {"t": "person.create", "id": p6, "name": "新人", "township_code": DAHE,
                     "at": 1767225600}  # fmt: skip
        handmade = [
            mark(s1, p[0], "removed"),  # another laptop's present: flagged, not applied
            mark(s1, p[0], "present"),  # agrees: applied, now this laptop's
            mark(s1, p[0], "removed"),  # this laptop's own mark: applied
            mark(s1, p[2], "present"),  # the other laptop removed them: flagged, applied
            mark(s1, p[3], "removed"),  # never marked: stored as removed
            mark(s1, p[1], "late", at=1767225601),  # like the other laptop's, later
            mark(str(uuid.uuid4()), p[0]),  # unknown_session
            mark(s1, "no-such-person"),  # unknown_person
            mark(s1, p[1], "asleep"),  # invalid
            mark(s1, p[1], "present", at=MAX_BIGINT + 1),  # invalid
            mark(s2, p[4]),  # session_closed
            mark(mati, p[4]),  # township_mismatch
            mark(s3, p[4]),  # unknown_session: created below
            create_s3,
            mark(s3, p[4]),
            mark(s3, p[4], "removed"),
            mark(s3, p[4]),  # the same body twice under one origin: two real ops
            mark(s3, p6),  # unknown_person: created below
            create_p6,
            mark(s3, p6, "left_early"),
            {"t": "session.close", "id": s3, "at": 1767229200},
            mark(s3, p[5]),  # session_closed
        ]
        ops = [fake_op(i + 1, second.replica, data) for i, data in enumerate(handmade)]
        # The other laptop's op, re-stamped under this origin: acknowledged, not applied twice.
        ops.append(outbox.Op(len(ops) + 1, second.replica, late_body.type, late_body.body,
                             late_body.sha256, 0, None))  # fmt: skip
        reply = second.push(ops)
        assert reply.status_code == 200, reply.text
        again = second.push(ops, prev=0).json()  # the reply was lost: all dup
        assert {r for _, r in again["results"]} == {"dup"}
    finally:
        for machine in (first, second, other):
            machine.db.close()

    def rows(table: Any, *columns: str) -> list[tuple[Any, ...]]:
        return sorted(tuple(r[c] for c in columns) for r in server.rows(table))

    devices = {first.creds.device_id: "first", second.creds.device_id: "second"}
    return {
        "reply": {k: v for k, v in reply.json().items() if k != "server_time"},
        "names": {"p": p, "s1": s1, "s2": s2, "s3": s3, "p6": p6, "devices": devices},
        "attendance": [
            (s, who, st, devices[d], at, e)
            for s, who, st, d, at, e in rows(
                effective, "session_id", "person_id", "status", "device_id", "at", "event_id"
            )
        ],
        "events": rows(attendance_event, "id", "session_id", "person_id", "status", "at", "seq"),
        "review": rows(review_queue, "kind", "entity_id", "detail", "seq"),
        "quarantine": rows(quarantine, "seq", "reason", "detail"),
        "op_log": rows(op_log, "origin_replica", "seq", "result"),
    }


def test_a_run_of_marks_ends_exactly_as_applying_each_mark_alone(
    two_db_urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_url, one_by_one_url = two_db_urls
    fast = ServerUnderTest(fast_url, tmp_path / "f1", initialised=True)
    try:
        got = play(fast, tmp_path / "fast")
    finally:
        fast.close()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT", {}, Exception("refused for the test"))

    monkeypatch.setattr(apply, "_write_marks", refuse)
    slow = ServerUnderTest(one_by_one_url, tmp_path / "f2", initialised=True)
    try:
        want = play(slow, tmp_path / "slow")
    finally:
        slow.close()

    # Ids differ between the two runs (uuids, devices); compare by position in each run. Rows
    # were sorted by those ids, whose order differs between runs: sort again once renamed.
    def normalise(result: dict[str, Any]) -> Any:
        names = result["names"]
        rename = {v: f"p{i}" for i, v in enumerate(names["p"])}
        rename.update({names[k]: k for k in ("s1", "s2", "s3", "p6")})
        rename.update(names["devices"])

        def now_or(number: int) -> int | str:
            # Marks made without an explicit time carry the laptop clock of each run, which
            # may straddle a second: compare them as "now".
            return "<now>" if abs(number - time.time()) < 3600 else number

        def clean(value: Any) -> Any:
            if isinstance(value, str):
                for old, new in rename.items():
                    value = value.replace(old, new)
                value = re.sub(r"\b\d{10}\b", lambda m: str(now_or(int(m.group(0)))), value)
                return re.sub(
                    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", value
                )
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and 10**9 <= value < 10**10:
                return now_or(value)
            if isinstance(value, dict):
                return {key: clean(item) for key, item in value.items()}
            if isinstance(value, tuple):
                return tuple(clean(item) for item in value)
            if isinstance(value, list):
                return sorted((clean(item) for item in value), key=repr)
            return value

        return clean({k: v for k, v in result.items() if k != "names"})

    assert normalise(got) == normalise(want)

    # And what that outcome is.
    p, s1 = got["names"]["p"], got["names"]["s1"]
    final = {(s, who): (st, d) for s, who, st, d, _at, _e in got["attendance"]}
    assert final[(s1, p[0])] == ("removed", "second")
    assert final[(s1, p[2])] == ("present", "second")
    assert final[(s1, p[3])] == ("removed", "second")
    assert final[(s1, p[1])] == ("late", "second")
    s3, p6 = got["names"]["s3"], got["names"]["p6"]
    assert final[(s3, p[4])] == ("present", "second")
    assert final[(s3, p6)] == ("left_early", "second")
    assert [(kind, seq) for kind, _e, _d, seq in got["review"]] == [
        ("attendance_disagreement", 1),
        ("attendance_disagreement", 4),
    ]
    reasons = {seq: reason for seq, reason, _ in got["reply"]["quarantined"]}
    assert reasons == {
        7: "unknown_session",
        8: "unknown_person",
        9: "invalid",
        10: "invalid",
        11: "session_closed",
        12: "township_mismatch",
        13: "unknown_session",
        18: "unknown_person",
        22: "session_closed",
    }
    # Three events for (s3, p4) — mark, unmark, the same mark again — and none for op 23.
    assert sum(1 for e in got["events"] if e[1] == s3 and e[2] == p[4]) == 3
    assert not any(e[5] == 23 for e in got["events"] if e[1] == s1)


def test_a_run_the_database_refuses_half_way_is_applied_op_by_op(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = make_laptop(any_server)
    session_id = sessions.create_session(laptop.db, kind="tent", title="课", township_code=DAHE)
    ids = [people.add_person(laptop.db, name=f"牧民{i}", township_code=DAHE) for i in range(5)]
    for person_id in ids:
        attendance.mark_present(laptop.db, session_id, person_id)
    refused: list[str] = []
    real_insert_rows = apply.insert_rows

    def refuse_once(conn: Any, table: Any, rows: Any) -> None:
        # After the events went in: the savepoint must take them back.
        if table is effective and not refused:
            refused.append(table.name)
            raise IntegrityError("INSERT", {}, Exception("refused for the test"))
        real_insert_rows(conn, table, rows)

    monkeypatch.setattr(apply, "insert_rows", refuse_once)
    data = laptop.push().json()
    assert refused == ["attendance"]
    assert data["quarantined"] == [] and data["counts"]["participant_times"] == 5
    with any_server.conn() as conn:
        events = conn.execute(select(func.count()).select_from(attendance_event)).scalar_one()
    assert events == 5
    assert len(any_server.rows(effective)) == 5


def test_marks_for_more_people_than_one_query_names_are_all_applied(
    any_server: ServerUnderTest, make_laptop: Callable[..., Laptop]
) -> None:
    from zhangye_desk.server import service

    laptop = make_laptop(any_server)
    with any_server.conn() as conn:
        roster = [
            service.upsert_person(conn, {"name": f"牧民{i}", "township_code": DAHE}, actor="t")[
                "id"
            ]
            for i in range(server_db.IN_CHUNK + 20)
        ]
    session_id = sessions.create_session(laptop.db, kind="tent", title="大会", township_code=DAHE)
    origin = laptop.replica
    ops = laptop.pending()
    seq = ops[-1].seq
    for status in ("present", "late"):  # new rows, then (next batch) updates of all of them
        for person_id in roster:
            seq += 1
            ops.append(fake_op(seq, origin, mark(session_id, person_id, status)))
        data = laptop.push(ops).json()
        assert data["quarantined"] == [] and data["acked_through"] == seq
        ops = []
    assert data["counts"]["registered_participant_times"] == len(roster)
    assert {r["status"] for r in any_server.rows(effective)} == {"late"}
    assert len(any_server.rows(attendance_event)) == 2 * len(roster)


def test_a_time_or_seq_beyond_64_bits_is_refused_not_a_crash(
    server: ServerUnderTest, laptop: Laptop
) -> None:
    session_id = sessions.create_session(laptop.db, kind="tent", title="课", township_code=DAHE)
    laptop.push()
    huge = fake_op(MAX_BIGINT + 1, laptop.replica, mark(session_id, "p", at=1))
    reply = server.push_document(laptop.creds, laptop.document([huge]))
    assert (reply.status_code, reply.json()["error"]) == (400, "bad_request")


def test_bulk_inserts_report_database_refusals_like_any_statement(any_db_url: str) -> None:
    engine = server_db.create_engine_for(any_db_url)
    try:
        row = {"origin_replica": "r", "seq": 1, "sha256": "0" * 64, "type": "x", "body": "{}",
               "device_id": "no-such-device", "replica_id": "r", "received_at": 0,
               "result": "ok", "clock_offset_s": None}  # fmt: skip
        with write_transaction(engine) as conn:
            with pytest.raises(IntegrityError), conn.begin_nested():
                insert_rows(conn, op_log, [row])
            # The transaction goes on after its savepoint.
            assert conn.execute(select(func.count()).select_from(op_log)).scalar_one() == 0
    finally:
        engine.dispose()


def test_reserved_ids_are_new_and_the_default_continues_after_them(any_db_url: str) -> None:
    engine = server_db.create_engine_for(any_db_url)
    try:
        with write_transaction(engine) as conn:
            conn.execute(
                device.insert().values(
                    id="d", township_code=DAHE, name="n", secret_hash="h", enrolled_at=0
                )
            )
            conn.execute(
                session.insert().values(
                    id="s", kind="tent", title="t", township_code=DAHE, starts_at=0, created_at=0,
                    updated_at=0, created_by_device="d", origin_replica="r", seq=1, received_at=0,
                )
            )  # fmt: skip
            conn.execute(
                person.insert().values(
                    id="p", name="n", name_norm="n", version=1, origin="server", created_at=0,
                    updated_at=0,
                )
            )  # fmt: skip
            event = {
                "session_id": "s", "person_id": "p", "status": "present", "at": 0,
                "device_id": "d", "origin_replica": "r", "seq": 1, "received_at": 0,
            }  # fmt: skip
            conn.execute(attendance_event.insert().values(**event))
            ids = reserve_ids(conn, attendance_event, 3)
            insert_rows(conn, attendance_event, [{"id": i, **event} for i in ids])
            after = conn.execute(attendance_event.insert().values(**event)).inserted_primary_key
        assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > 1
        assert after is not None and after[0] > ids[-1]
    finally:
        engine.dispose()


def test_a_write_queue_held_too_long_answers_503_busy(
    server: ServerUnderTest, laptop: Laptop, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions.create_session(laptop.db, kind="tent", title="课", township_code=DAHE)
    monkeypatch.setattr(server_db, "WRITE_WAIT_S", 0.2)
    lock = server.engine.get_execution_options()[server_db.WRITE_LOCK_OPTION]
    assert isinstance(lock, type(threading.Lock()))
    with lock:  # another thread of the server is writing
        reply = server.push_document(laptop.creds, laptop.document())
    assert (reply.status_code, reply.json()["error"]) == (503, "busy")
    assert reply.headers["Retry-After"] == str(server.settings.busy_retry_after_s)
    assert laptop.push().status_code == 200  # free again: the same batch goes through


def test_no_free_database_connection_answers_503_busy_not_500(
    server: ServerUnderTest, laptop: Laptop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    sessions.create_session(laptop.db, kind="tent", title="课", township_code=DAHE)

    def pool_exhausted(*_args: object, **_kwargs: object) -> None:
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    monkeypatch.setattr("zhangye_desk.server.api_sync.apply_push", pool_exhausted)
    reply = server.push_document(laptop.creds, laptop.document())
    assert (reply.status_code, reply.json()["error"]) == (503, "busy")
    assert "Retry-After" in reply.headers

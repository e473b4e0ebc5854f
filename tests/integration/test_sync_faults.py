"""Fault injection against the real server (SQLite and PostgreSQL): nothing recorded on a laptop
is lost or counted twice, whatever breaks and wherever it breaks.

Each case ends with ``assert_synced``: every op is on the server exactly once and the laptop's
totals equal the server's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from zhangye_desk.core import backup, people
from zhangye_desk.sync.errors import CaptivePortal
from zhangye_desk.sync.wire import encode_batch

from ..sync.httpfake import Answer, FakeServer
from .conftest import FAST, REPO, Central, Laptop, assert_synced, retarget, server_env
from .faultproxy import FaultProxy


def test_a_clean_sync_pushes_everything_and_the_receipt_agrees(
    laptop: Any, proxy: FaultProxy
) -> None:
    machine = laptop()
    machine.record(sessions_count=3, marks=40)
    receipt = machine.sync()
    assert receipt.batches >= 5  # small test batches: many round trips from few ops
    assert receipt.totals_match is True
    assert receipt.quarantined == [] and receipt.failed_attempts == 0
    assert_synced(machine)
    # Nothing left: a second sync pushes nothing and still compares the totals.
    again = machine.sync()
    assert again.ops_acked == 0 and again.totals_match in (True, None)


# Where a push request is cut: in the request line, in the headers, just after them, in the
# body, all but the last byte (from the end: 1), and the whole request then nothing (0).
REQUEST_CUTS = [0, 9, 60, 150]
REQUEST_CUTS_FROM_END = [300, 40, 1, 0]


def test_request_cut_after_n_bytes(laptop: Any, proxy: FaultProxy) -> None:
    machine = laptop()
    machine.record(sessions_count=3, marks=40)
    for n in REQUEST_CUTS:
        proxy.cut_request(n)
    for n in REQUEST_CUTS_FROM_END:
        proxy.cut_request_from_end(n)
    receipt = machine.sync()
    assert proxy.fired == len(REQUEST_CUTS) + len(REQUEST_CUTS_FROM_END)
    assert receipt.failed_attempts == proxy.fired
    assert receipt.totals_match is True
    assert_synced(machine)


def test_reply_cut_after_n_bytes_the_batch_was_committed(laptop: Any, proxy: FaultProxy) -> None:
    machine = laptop()
    machine.record(sessions_count=3, marks=40)
    cuts = [0, 1, 12, 80, 200]  # before anything, in the status line, headers, body
    for n in cuts:
        proxy.cut_reply(n)
    receipt = machine.sync()
    assert proxy.fired == len(cuts)
    # The acknowledgements were lost, not the batches: the server says "dup" on the resend.
    assert receipt.duplicates > 0
    assert_synced(machine)


def _sync_in_thread(machine: Laptop, result: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        # A worker opens its own connection (a sqlite-utils Database belongs to its thread).
        from zhangye_desk.core.store import connect_worker
        from zhangye_desk.sync.engine import sync

        db = connect_worker(machine.paths.db)
        try:
            result["receipt"] = sync(db, machine.paths, options=FAST)
        except BaseException as exc:  # reported to the test thread
            result["error"] = exc
        finally:
            db.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("when", ["after_commit", "before_commit"])
def test_server_killed_during_a_push(
    laptop: Any, central: Central, proxy: FaultProxy, when: str
) -> None:
    machine = laptop()
    machine.record(sessions_count=2, marks=40)
    if when == "after_commit":
        # The server commits and answers; the answer is held in the proxy; then SIGKILL.
        proxy.stall_reply(0)
    else:
        # The server never gets the whole request: it dies with nothing committed.
        proxy.stall_request(120)
    result: dict[str, Any] = {}
    thread = _sync_in_thread(machine, result)
    _wait(lambda: proxy.fired == 1)
    if when == "after_commit":
        time.sleep(0.2)  # let the commit's reply reach the proxy (it is held there)
    central.server.kill()
    central.server.start()
    retarget(proxy, central)
    thread.join(timeout=120)
    assert "error" not in result, result.get("error")
    assert result["receipt"].failed_attempts >= 1
    assert_synced(machine)


def test_client_process_killed_at_random_points(
    laptop: Any, central: Central, proxy: FaultProxy
) -> None:
    machine = laptop()
    machine.record(sessions_count=4, marks=40)
    machine.close()  # the CLI takes the data folder's lock
    proxy.latency_s = 0.01  # each round trip ~20 ms, so a kill lands inside the sync
    env = server_env()
    options = {k: v for k, v in dataclasses.asdict(FAST).items() if k != "backup"}
    env["ZHANGYE_DESK_SYNC_OPTIONS"] = json.dumps(options)
    rng = random.Random(1234)
    command = [sys.executable, "-m", "zhangye_desk.cli", "--data-dir", str(machine.paths.root),
               "sync", "--json"]  # fmt: skip
    kills = 0
    for _ in range(4):
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # A random point of the sync: after 1–3 more push requests, plus up to 30 ms (inside a
        # request, between the commit and the reply, or in the acknowledging transaction).
        target = proxy.pushes + rng.randint(1, 3)
        _wait(lambda p=process, t=target: proxy.pushes >= t or p.poll() is not None, timeout=60)
        time.sleep(rng.uniform(0, 0.03))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
    assert kills >= 1
    proxy.latency_s = 0.0
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    receipt = json.loads(done.stdout)
    assert receipt["totals_match"] is True
    assert_synced(machine)


REPLAYER = """
import json, sys, time, requests
url, auth, order = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
bodies = [bytes.fromhex(h) for h in json.load(open(sys.argv[4]))]
session = requests.Session()
waiting = list(order)
deadline = time.monotonic() + 60
while waiting and time.monotonic() < deadline:
    index = waiting.pop(0)
    reply = session.post(url + "/v1/sync/push", data=bodies[index], timeout=(5, 30), headers={
        "Authorization": auth, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    if reply.status_code == 409 and reply.json().get("error") == "gap":
        waiting.append(index)  # the batch before it has not arrived yet: later
        time.sleep(0.01)
    elif reply.status_code != 200:
        sys.exit(f"batch {index}: {reply.status_code} {reply.text}")
sys.exit(1 if waiting else 0)
"""


def test_duplicate_and_out_of_order_replays_from_two_processes(
    laptop: Any, central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    machine = laptop()
    machine.record(sessions_count=2, marks=30)
    from zhangye_desk.core import outbox

    ops = outbox.pending(machine.db)
    state = machine.db.execute(
        "SELECT replica_id, device_id, device_secret, acked_through FROM sync_state"
    ).fetchone()
    replica, device, secret, acked = state
    # The batches the laptop would send, each naming the one before it as ``prev``.
    bodies, prev = [], acked
    for start in range(0, len(ops), 15):
        chunk = ops[start : start + 15]
        bodies.append(
            encode_batch(
                chunk,
                replica_id=replica,
                device_id=device,
                prev=prev,
                device_time=int(time.time()),
                clock_offset_s=0,
            ).body  # fmt: skip
        )
        prev = chunk[-1].seq
    file = tmp_path / "bodies.json"
    file.write_text(json.dumps([b.hex() for b in bodies]))
    forward = list(range(len(bodies)))
    scrambled = forward[::-1][: len(forward) // 2] + forward  # late ones first, then all again
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                REPLAYER,
                central.server.url,
                f"Bearer {device}.{secret}",
                json.dumps(order),
                str(file),
            ],
            env=server_env(),
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for order in (forward, scrambled)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    # The laptop syncs afterwards: every op is a duplicate now, acknowledged, applied once.
    receipt = machine.sync()
    assert receipt.duplicates == len(ops)
    assert_synced(machine)


def _events(machine: Laptop) -> int:
    return int(machine.db.execute("SELECT count(*) FROM attendance_event").fetchone()[0])


def _lost_after_backup(machine: Laptop) -> tuple[Path, dict[str, int]]:
    """Sync, back up (with ops still pending in the copy), work on, sync: then the disk dies.

    Returns the backup and what the laptop will lose by going back to it (all on the server).
    """
    machine.record(sessions_count=1, marks=20)
    machine.sync()
    machine.record(sessions_count=1, marks=20)  # pending in the backup, pushed afterwards
    copy = backup.backup_now(machine.db, reason="manual")
    machine.sync()
    before = {**machine.totals(), "events": _events(machine)}
    machine.record(sessions_count=2, marks=25)  # made and pushed after the backup
    machine.sync()
    after = {**machine.totals(), "events": _events(machine)}
    lost = {key: after[key] - before[key] for key in ("sessions", "participant_times", "events")}
    return copy, lost


@pytest.mark.parametrize("how", ["restore_backup", "copied_by_hand"])
def test_laptop_restored_from_an_old_backup(laptop: Any, proxy: FaultProxy, how: str) -> None:
    machine = laptop()
    copy, lost = _lost_after_backup(machine)
    everything_before = machine.ops()
    replica_before = machine.db.execute("SELECT replica_id FROM sync_state").fetchone()[0]
    machine.close()
    db_path = machine.paths.db
    if how == "restore_backup":
        backup.restore_backup(db_path, copy)  # the app's way: a new replica id
    else:
        # Someone copied the old file back over the live one: same replica id, old seqs.
        for side in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            side.unlink(missing_ok=True)
        shutil.copyfile(copy, db_path)
    replica_after = machine.db.execute("SELECT replica_id FROM sync_state").fetchone()[0]
    assert (replica_after == replica_before) == (how == "copied_by_hand")
    machine.record(sessions_count=2, marks=25)  # new work after the restore
    receipt = machine.sync()
    if how == "copied_by_hand":
        # Its new ops reused seqs the server holds with other content: re-keyed, not lost.
        assert receipt.replica_rotations == 1
    assert receipt.totals_match is False  # the laptop lost what came after its backup …
    assert_synced(machine, extra_ops=everything_before, extra_totals=lost)  # … the server not


def test_a_stalled_connection_is_given_up_within_the_stall_timeout(
    laptop: Any, proxy: FaultProxy
) -> None:
    machine = laptop()
    machine.record(sessions_count=1, marks=30)
    proxy.stall_reply(0)
    proxy.stall_reply(30, trigger=b"GET /v1/sync/pull")
    started = time.monotonic()
    receipt = machine.sync()
    elapsed = time.monotonic() - started
    assert proxy.fired == 2
    assert receipt.failed_attempts >= 1
    # Two stalls of at most the stall timeout (2 s + the body's crawl time) each, then on.
    assert elapsed < 2 * (FAST.stall_timeout + 1) + 4
    assert_synced(machine)


def test_a_captive_portal_acknowledges_nothing(
    laptop: Any, central: Central, proxy: FaultProxy
) -> None:
    machine = laptop()
    machine.record(sessions_count=1, marks=30)
    pending = machine.pending()
    page = b"<html><head><title>WiFi</title></head><body>Please log in</body></html>"
    portal = Answer(200, page, {"Content-Type": "text/html; charset=utf-8"})
    with FakeServer(lambda seen: portal) as fake:
        proxy.target = ("127.0.0.1", int(fake.url.rsplit(":", 1)[1]))
        with pytest.raises(CaptivePortal):
            machine.sync()
        assert fake.seen  # the portal did answer
    assert machine.pending() == pending  # nothing counted as acknowledged
    retarget(proxy, central)
    machine.sync()
    assert_synced(machine)


def _material(central: Central, tmp_path: Path, size: int, seed: int) -> tuple[bytes, str]:
    content = random.Random(seed).randbytes(size)
    source = tmp_path / f"lecture-{seed}.pdf"
    source.write_bytes(content)
    central.publish(source, title=f"讲稿 {seed}", priority=seed)
    return content, hashlib.sha256(content).hexdigest()


def _local_file(machine: Laptop, sha: str) -> Path | None:
    row = machine.db.execute(
        "SELECT file_state, file_name FROM material WHERE sha256 = ?", [sha]
    ).fetchone()
    if row is None or row[0] != "present":
        return None
    return machine.paths.materials / row[1]


def test_material_downloads_survive_cuts_a_changed_file_and_a_flipped_byte(
    laptop: Any, central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    from zhangye_desk.server.files import content_path

    machine = laptop()
    rng = random.Random(77)
    # Cuts at random offsets of the file replies …
    first, first_sha = _material(central, tmp_path, 400_000, 1)
    for _ in range(3):
        proxy.cut_reply(rng.randrange(300, 130_000), trigger=b"GET /v1/files/")
    receipt = machine.sync()
    assert proxy.fired == 3
    assert receipt.files_downloaded == 1 and receipt.files_failed == []
    # … and one flipped byte: discarded, fetched again.
    second, second_sha = _material(central, tmp_path, 300_000, 2)
    proxy.flip_reply(rng.randrange(0, 300_000))
    receipt = machine.sync()
    assert proxy.fired == 4
    assert receipt.files_downloaded == 1 and receipt.files_failed == []
    for content, sha in ((first, first_sha), (second, second_sha)):
        path = _local_file(machine, sha)
        assert path is not None and path.read_bytes() == content
    assert not list(machine.paths.materials.glob("*.part*"))

    # Changed on the server mid-download: the download is cut and given up (link gone) …
    third, third_sha = _material(central, tmp_path, 500_000, 3)
    proxy.cut_reply(200_000, trigger=b"GET /v1/files/")
    proxy.stall_reply(0, trigger=b"GET /v1/files/", times=50)
    hopeless = dataclasses.replace(FAST, max_failures=2, stall_timeout=0.5)
    receipt = machine.sync(hopeless)
    assert receipt.files_pending == 1 and _local_file(machine, third_sha) is None
    assert list(machine.paths.materials.glob(f"{third_sha}.part"))
    proxy.clear()
    # … meanwhile the bytes on the server change under the same name (a damaged store):
    stored = content_path(central.files, third_sha)
    stored.write_bytes(random.Random(99).randbytes(len(third)))
    receipt = machine.sync()
    assert [f["reason"] for f in receipt.files_failed] == ["download_corrupt"]
    assert _local_file(machine, third_sha) is None  # wrong bytes are never kept
    stored.write_bytes(third)  # the admin repairs the store
    receipt = machine.sync()
    path = _local_file(machine, third_sha)
    assert path is not None and path.read_bytes() == third
    assert_synced(machine)


def test_two_laptops_edit_the_same_person(laptop: Any, central: Central) -> None:
    from zhangye_desk.server.db import person_history, review_queue

    first = laptop("大河乡-笔记本-1")
    second = laptop("大河乡-笔记本-2")
    person = first.people[0]
    people.edit_person(first.db, person, {"phone": "13900000001"}, by="first")
    people.edit_person(second.db, person, {"phone": "13900000002"}, by="second")
    first.sync()
    second.sync()
    conflicts = central.rows(
        select(review_queue.c.kind, review_queue.c.detail).where(review_queue.c.entity_id == person)
    )
    assert [kind for kind, _ in conflicts] == ["hard_conflict"]
    history = " ".join(
        str(row)
        for row in central.rows(
            select(person_history.c.fields, person_history.c.detail, person_history.c.snapshot)
            .where(person_history.c.person_id == person)
        )
    )  # fmt: skip
    assert "13900000001" in history and "13900000002" in history
    # The server kept the first value; the second laptop gets it back on its next pull.
    second.sync()
    assert people.get_person(second.db, person)["phone"] == "13900000001"
    assert_synced(first)
    assert_synced(second)


def test_sync_from_the_command_line_prints_a_chinese_receipt(
    laptop: Any, proxy: FaultProxy
) -> None:
    machine = laptop()
    machine.record(sessions_count=2, marks=10)
    totals = machine.totals()
    machine.close()
    env = {**server_env(), "ZHANGYE_DESK_LANG": "zh_CN"}
    env.pop("ZHANGYE_DESK_SYNC_OPTIONS", None)
    done = subprocess.run(
        [sys.executable, "-m", "zhangye_desk.cli", "--data-dir", str(machine.paths.root), "sync"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    sessions_, times = totals["sessions"], totals["participant_times"]
    expected = f"服务器已确认 {sessions_} 场课堂、{times} 人次，与本机一致"
    assert expected in done.stdout
    assert os.path.exists(machine.paths.backups)
    assert_synced(machine)


# A file-level server backup is a SQLite scenario (on PostgreSQL it is pg_dump's business).
@pytest.mark.parametrize("central", ["sqlite"], indirect=True)
def test_a_server_restored_from_a_backup_gets_everything_again(
    laptop: Any, central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    import sqlite3

    from zhangye_desk.server.dbadmin import new_epoch

    machine = laptop()
    machine.record(sessions_count=1, marks=30)
    machine.sync()
    server_file = Path(central.db_url.removeprefix("sqlite:///"))
    copy = tmp_path / "server-backup.sqlite3"
    source, target = sqlite3.connect(server_file), sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    machine.record(sessions_count=2, marks=30)  # pushed, then lost by the server's restore
    machine.sync()
    central.server.kill()
    central.engine.dispose()
    for side in (Path(f"{server_file}-wal"), Path(f"{server_file}-shm")):
        side.unlink(missing_ok=True)
    shutil.copyfile(copy, server_file)
    new_epoch(central.db_url)  # what the admin runs after restoring (dbadmin)
    central.server.start()
    retarget(proxy, central)
    receipt = machine.sync()
    assert receipt.server_restored and receipt.snapshot
    assert receipt.duplicates > 0  # what the backup kept is recognised, not applied again
    assert_synced(machine)


def test_progress_cancel_and_one_sync_at_a_time(laptop: Any, proxy: FaultProxy) -> None:
    from zhangye_desk.core.tasks import Cancelled, TaskState
    from zhangye_desk.sync.engine import sync
    from zhangye_desk.sync.errors import SyncAlreadyRunning

    machine = laptop()
    machine.record(sessions_count=2, marks=40)
    seen: list[tuple[int, int, str]] = []

    def stop_after_two_batches(done: int, total: int, phase: str) -> None:
        seen.append((done, total, phase))
        if phase == "push" and len([s for s in seen if s[2] == "push"]) >= 3:
            state.cancel()

    state = TaskState(stop_after_two_batches)
    with pytest.raises(Cancelled):
        sync(machine.db, machine.paths, state=state, options=FAST)
    left = machine.pending()
    assert 0 < left < len(machine.ops())  # stopped part-way, acknowledged what was committed

    # While one sync runs (its reply held by the proxy), a second one is refused at once.
    proxy.stall_reply(0)
    result: dict[str, Any] = {}
    thread = _sync_in_thread(machine, result)
    _wait(lambda: proxy.fired == 1)
    with pytest.raises(SyncAlreadyRunning):
        sync(machine.db, machine.paths, options=FAST)
    thread.join(timeout=60)
    assert "error" not in result, result.get("error")
    phases = [phase for _, _, phase in seen]
    assert phases[0] == "push"
    assert_synced(machine)

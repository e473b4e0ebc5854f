"""USB bundles end to end: ``zhangye-desk bundle-export`` → ``zhangye-server import-bundle`` →
``zhangye-desk bundle-import-receipt``, as real processes on a real laptop store and a real
server database (SQLite and PostgreSQL, the ``central`` fixture), with network syncs before and
after through the running server. Nothing may be applied twice, a damaged or foreign file
changes nothing, and the laptop's totals end equal to the server's (``assert_synced``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from zhangye_desk.core import attendance

from .conftest import REPO, Central, Laptop, assert_synced, server_env


def desk(laptop: Laptop, *args: str) -> subprocess.CompletedProcess[str]:
    laptop.close()  # the command opens the store itself (one program per data folder)
    return subprocess.run(
        [sys.executable, "-m", "zhangye_desk.cli", "--data-dir", str(laptop.paths.root), *args],
        capture_output=True, text=True, timeout=120, env=server_env(), cwd=REPO,
    )  # fmt: skip


def server(central: Central, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhangye_desk.server.cli", *args, "--db", central.db_url],
        capture_output=True, text=True, timeout=120, env=server_env(), cwd=REPO,
    )  # fmt: skip


def stored_ops(central: Central, device_id: str) -> int:
    from zhangye_desk.server.db import op_log

    return int(
        central.scalar(
            select(func.count()).select_from(op_log).where(op_log.c.device_id == device_id)
        )
    )


def events(central: Central) -> int:
    from zhangye_desk.server.db import attendance_event

    return int(central.scalar(select(func.count()).select_from(attendance_event)))


def export(laptop: Laptop, path: Path) -> dict[str, Any]:
    result = desk(laptop, "bundle-export", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert "数据包已保存" in result.stderr
    return dict(json.loads(result.stdout))


def import_bundle(central: Central, path: Path, receipt: Path) -> dict[str, Any]:
    result = server(central, "import-bundle", str(path), "--receipt", str(receipt), "--json")
    assert result.returncode == 0, result.stderr
    assert "数据包已导入" in result.stderr
    return dict(json.loads(result.stdout))


def test_bundle_round_trip_then_network_sync_sends_nothing_twice(
    laptop: Any, tmp_path: Path
) -> None:
    machine: Laptop = laptop()
    central = machine.central
    machine.record(sessions_count=2, marks=60)
    pending = machine.pending()
    bundle, receipt = tmp_path / "usb" / "dahe.bundle", tmp_path / "usb" / "dahe.receipt"

    exported = export(machine, bundle)
    assert exported["ops"] == pending and exported["batches"] >= 1
    assert machine.pending() == pending  # exporting acknowledges nothing

    summary = import_bundle(central, bundle, receipt)
    assert summary["summary"]["ok"] == pending and summary["summary"]["dup"] == 0
    assert stored_ops(central, machine.device_id) == pending
    after_first = events(central)

    # The same bundle again: every op answers dup, nothing is applied twice.
    again = import_bundle(central, bundle, tmp_path / "again.receipt")
    assert again["summary"] == {"ops": pending, "ok": 0, "dup": pending, "quarantined": 0}
    assert stored_ops(central, machine.device_id) == pending
    assert events(central) == after_first

    result = desk(machine, "bundle-import-receipt", str(receipt))
    assert result.returncode == 0, result.stderr
    assert f"{pending} 条记录确认已上传" in result.stderr
    assert "与本机一致" in result.stderr  # the server's totals equal the laptop's
    assert machine.pending() == 0

    # The second receipt names the same ops: already acknowledged, nothing changes.
    result = desk(machine, "bundle-import-receipt", str(tmp_path / "again.receipt"))
    assert result.returncode == 0, result.stderr
    assert "此前都已确认上传" in result.stderr

    sync = machine.sync()
    assert sync.ops_acked == 0 and sync.batches == 0
    assert sync.totals_match is True
    assert_synced(machine)


def test_old_bundle_after_more_marks_and_a_network_sync_counts_nothing_twice(
    laptop: Any, tmp_path: Path
) -> None:
    machine: Laptop = laptop()
    central = machine.central
    machine.record(sessions_count=1, marks=30)
    bundle = tmp_path / "old.bundle"
    export(machine, bundle)
    # More marks after the export, then the network comes back and everything syncs.
    for person in machine.people[30:40]:
        attendance.mark(machine.db, machine.sessions[0], person, "present", by=machine.name)
    machine.sync()
    assert_synced(machine)
    before = (stored_ops(central, machine.device_id), events(central))

    summary = import_bundle(central, bundle, tmp_path / "old.receipt")
    assert summary["summary"]["ok"] == 0 and summary["summary"]["dup"] > 0
    assert (stored_ops(central, machine.device_id), events(central)) == before

    result = desk(machine, "bundle-import-receipt", str(tmp_path / "old.receipt"))
    assert result.returncode == 0, result.stderr
    assert "此前都已确认上传" in result.stderr
    assert_synced(machine)


def test_damaged_forged_or_misplaced_bundles_change_nothing(laptop: Any, tmp_path: Path) -> None:
    machine: Laptop = laptop()
    central = machine.central
    machine.record(sessions_count=1, marks=20)
    bundle = tmp_path / "dahe.bundle"
    export(machine, bundle)
    data = bundle.read_bytes()
    device = machine.device_id

    truncated = tmp_path / "cut.bundle"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.bundle"
    tampered.write_bytes(bytes(flipped))
    # A changed batch with the sha256 recomputed: whole, but not signed by the laptop.
    header, *batches, trailer = data.rstrip(b"\n").split(b"\n")
    content = b"\n".join([header, *batches[:-1], batches[-1][:-8] + b"AAAAAAAA"]) + b"\n"
    sealed = json.loads(trailer)
    sealed["sha256"] = hashlib.sha256(content).hexdigest()
    forged = tmp_path / "forged.bundle"
    forged.write_bytes(content + json.dumps(sealed).encode() + b"\n")

    for path, message in [
        (truncated, "不完整或已损坏"),
        (tampered, "不完整或已损坏"),
        (forged, "签名不正确"),
    ]:
        result = server(central, "import-bundle", str(path))
        assert result.returncode == 1, (path, result.stderr)
        assert message in result.stderr and "没有导入任何记录" in result.stderr
        assert not path.with_name(path.stem + ".receipt").exists()
    assert stored_ops(central, device) == 0

    # A receipt on the laptop that was cut or changed: nothing acknowledged.
    receipt = tmp_path / "dahe.receipt"
    import_bundle(central, bundle, receipt)
    pending = machine.pending()
    good = receipt.read_bytes()
    receipt.write_bytes(good.replace(b'"ok"', b'"OK"', 1))
    result = desk(machine, "bundle-import-receipt", str(receipt))
    assert result.returncode == 1 and "没有做任何改动" in result.stderr
    result = desk(machine, "bundle-import-receipt", str(bundle))  # the bundle, not its receipt
    assert result.returncode == 1 and "不是服务器写出的回执" in result.stderr
    assert machine.pending() == pending
    receipt.write_bytes(good)
    assert desk(machine, "bundle-import-receipt", str(receipt)).returncode == 0
    assert machine.pending() == 0


def test_bundle_of_a_revoked_laptop_is_refused(laptop: Any, tmp_path: Path) -> None:
    machine: Laptop = laptop()
    central = machine.central
    machine.record(sessions_count=1, marks=10)
    bundle = tmp_path / "lost-laptop.bundle"
    export(machine, bundle)
    assert server(central, "revoke-device", machine.device_id).returncode == 0

    result = server(central, "import-bundle", str(bundle), "--lang", "en")
    assert result.returncode == 1
    assert f"device {machine.device_id}) is revoked" in result.stderr
    result = server(central, "import-bundle", str(bundle))
    assert "已被停用" in result.stderr
    assert stored_ops(central, machine.device_id) == 0


def test_receipt_for_another_laptop_changes_nothing(laptop: Any, tmp_path: Path) -> None:
    first: Laptop = laptop("大河乡-笔记本-1")
    second: Laptop = laptop("大河乡-笔记本-2")
    first.record(sessions_count=1, marks=10)
    second.record(sessions_count=1, marks=10)
    export(first, tmp_path / "first.bundle")
    import_bundle(first.central, tmp_path / "first.bundle", tmp_path / "first.receipt")
    before = second.pending()

    result = desk(second, "bundle-import-receipt", str(tmp_path / "first.receipt"))
    assert result.returncode == 1
    assert "属于另一台笔记本" in result.stderr
    assert second.pending() == before
    assert first.pending() > 0  # the receipt has not been imported where it belongs yet


def test_a_file_copied_back_by_hand_gets_new_keys_from_the_receipt(
    laptop: Any, tmp_path: Path
) -> None:
    """seq_reuse through bundles: the server refuses the clashing batch (applies nothing of
    it), the receipt says so, the laptop re-keys its new ops, and the next bundle carries them."""
    import shutil

    from zhangye_desk.core import backup

    machine: Laptop = laptop()
    central = machine.central
    machine.record(sessions_count=1, marks=15)
    machine.sync()
    copy = backup.backup_now(machine.db, reason="manual")
    machine.record(sessions_count=1, marks=15)  # pushed, then lost with the disk
    machine.sync()
    everything_before = machine.ops()
    lost_totals = machine.totals()
    lost_events = int(machine.db.execute("SELECT count(*) FROM attendance_event").fetchone()[0])
    machine.close()
    db_path = machine.paths.db
    for side in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        side.unlink(missing_ok=True)
    shutil.copyfile(copy, db_path)  # same replica id, old seqs
    kept = machine.totals()
    kept_events = int(machine.db.execute("SELECT count(*) FROM attendance_event").fetchone()[0])
    machine.record(sessions_count=1, marks=12)  # new work under seqs the server holds
    stored_before = stored_ops(central, machine.device_id)

    export(machine, tmp_path / "first.bundle")
    result = server(central, "import-bundle", str(tmp_path / "first.bundle"))
    assert result.returncode == 0, result.stderr
    assert "数据文件曾被替换为旧副本" in result.stderr
    assert stored_ops(central, machine.device_id) == stored_before  # nothing of it applied
    result = desk(machine, "bundle-import-receipt", str(tmp_path / "first.receipt"))
    assert result.returncode == 0, result.stderr
    assert "换用新编号" in result.stderr
    assert machine.pending() > 0

    export(machine, tmp_path / "second.bundle")
    import_bundle(central, tmp_path / "second.bundle", tmp_path / "second.receipt")
    result = desk(machine, "bundle-import-receipt", str(tmp_path / "second.receipt"))
    assert result.returncode == 0, result.stderr
    assert machine.pending() == 0
    lost = {k: lost_totals[k] - kept[k] for k in ("sessions", "participant_times")}
    assert_synced(
        machine,
        extra_ops=[op for op in everything_before if op not in machine.ops()],
        extra_totals={**lost, "events": lost_events - kept_events},
    )


# A file-level server backup is a SQLite scenario (on PostgreSQL it is pg_dump's business).
@pytest.mark.parametrize("central", ["sqlite"], indirect=True)
def test_a_server_restored_from_a_backup_answers_gap_and_gets_the_ops_again(
    laptop: Any, central: Central, tmp_path: Path
) -> None:
    import shutil
    import sqlite3

    from zhangye_desk.server.dbadmin import new_epoch

    machine: Laptop = laptop()
    server_file = Path(central.db_url.removeprefix("sqlite:///"))
    copy = tmp_path / "server-backup.sqlite3"
    source, target = sqlite3.connect(server_file), sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    machine.record(sessions_count=1, marks=20)
    machine.sync()  # pushed, then lost by the server's restore
    machine.record(sessions_count=1, marks=10)
    central.server.kill()
    central.engine.dispose()
    for side in (Path(f"{server_file}-wal"), Path(f"{server_file}-shm")):
        side.unlink(missing_ok=True)
    shutil.copyfile(copy, server_file)
    new_epoch(central.db_url)

    export(machine, tmp_path / "first.bundle")
    result = server(central, "import-bundle", str(tmp_path / "first.bundle"))
    assert result.returncode == 0, result.stderr
    assert "服务器曾从备份恢复" in result.stderr
    assert stored_ops(central, machine.device_id) == 0
    result = desk(machine, "bundle-import-receipt", str(tmp_path / "first.receipt"))
    assert result.returncode == 0, result.stderr
    assert "重新标为未上传" in result.stderr
    assert machine.pending() == len(machine.ops())  # everything the server lost waits again

    export(machine, tmp_path / "second.bundle")
    import_bundle(central, tmp_path / "second.bundle", tmp_path / "second.receipt")
    result = desk(machine, "bundle-import-receipt", str(tmp_path / "second.receipt"))
    assert result.returncode == 0, result.stderr
    assert "与本机一致" in result.stderr
    assert_synced(machine)

"""What ``zhangye-desk status``, the settings page and the status bar report about the store.

``sync_status`` is the cheap part (pending ops, last sync, the data folder), which the window's
status bar re-reads after every change; ``status`` adds ``local_totals``, which counts what
this laptop recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..paths import DataPaths
from . import outbox
from .vocab import ATTENDED_STATUSES, sql_in

if TYPE_CHECKING:
    from sqlite_utils import Database


def local_totals(db: Database) -> dict[str, int]:
    """Everything recorded on this laptop: the figures a sync receipt is compared with.

    ``participant_times`` counts registered attendances plus unregistered headcount, the same
    definition as core.stats and the server's ``totals``. Registered attendances are read
    from ``attendance_tally``, which triggers keep equal to ``attendance`` counted by status
    (schema m005), and people from the ``person_deleted`` index, so neither scans a table.
    """
    sessions, headcount = db.execute(
        "SELECT count(*), coalesce(sum(headcount_unregistered), 0) FROM session"
    ).fetchone()
    registered = db.execute(
        "SELECT coalesce(sum(marks), 0) FROM attendance_tally "
        f"WHERE status IN {sql_in(ATTENDED_STATUSES)}"
    ).fetchone()[0]
    people = db.execute("SELECT count(*) FROM person WHERE deleted = 0").fetchone()[0]
    return {
        "sessions": int(sessions),
        "participant_times": int(registered) + int(headcount),
        "registered_participant_times": int(registered),
        "unregistered_headcount": int(headcount),
        "people": int(people),
    }


def sync_status(db: Database, paths: DataPaths) -> dict[str, Any]:
    """``status`` without ``local_totals``: what the status bar shows, in a few index reads."""
    state = db.execute(
        "SELECT replica_id, device_id, server_url, last_sync_at, clock_offset_s, acked_through "
        "FROM sync_state WHERE id = 1"
    ).fetchone()
    replica, device, server_url, last_sync, offset, acked = state
    return {
        "pending_ops": outbox.pending_count(db),
        "last_sync": last_sync,
        "acked_through": acked,
        "enrolled": device is not None,
        "server_url": server_url,
        "clock_offset_s": offset,
        "replica_id": replica,
        "data_dir": str(paths.root),
    }


def status(db: Database, paths: DataPaths) -> dict[str, Any]:
    info = sync_status(db, paths)
    info["local_totals"] = local_totals(db)
    return info

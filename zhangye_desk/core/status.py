"""What ``zhangye-desk status`` and the status bar report about the local store."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..paths import DataPaths
from . import outbox
from .vocab import ATTENDED_STATUSES, sql_in


def local_totals(db: Database) -> dict[str, int]:
    """Everything recorded on this laptop: the figures a sync receipt is compared with.

    ``participant_times`` counts registered attendances plus unregistered headcount, the same
    definition as core.stats and the server's ``totals``.
    """
    sessions, headcount = db.execute(
        "SELECT count(*), coalesce(sum(headcount_unregistered), 0) FROM session"
    ).fetchone()
    registered = db.execute(
        f"SELECT count(*) FROM attendance WHERE status IN {sql_in(ATTENDED_STATUSES)}"
    ).fetchone()[0]
    people = db.execute("SELECT count(*) FROM person WHERE deleted = 0").fetchone()[0]
    return {
        "sessions": int(sessions),
        "participant_times": int(registered) + int(headcount),
        "registered_participant_times": int(registered),
        "unregistered_headcount": int(headcount),
        "people": int(people),
    }


def status(db: Database, paths: DataPaths) -> dict[str, Any]:
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
        "local_totals": local_totals(db),
        "data_dir": str(paths.root),
    }

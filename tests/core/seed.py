"""Test helper: a tiny roster written straight into the store with SQL.

The real directory loader (``core.directory.load_directory``) and roster functions live
elsewhere; these tests only need a few townships, villages and people with known ids.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from zhangye_desk.core.ids import new_id
from zhangye_desk.core.store import transaction

T1 = "620721100"  # 红湾寺镇
T2 = "620721101"  # 皇城镇
T3 = "620721102"  # 康乐镇
V1 = "620721100201"  # a village in T1
V2 = "620721101201"  # a village in T2


def add_townships(db: Database) -> None:
    with transaction(db):
        for sort, (code, name) in enumerate(((T1, "红湾寺镇"), (T2, "皇城镇"), (T3, "康乐镇"))):
            db.execute(
                "INSERT INTO township (code, name, sort) VALUES (?, ?, ?)", [code, name, sort]
            )
        db.execute(
            "INSERT INTO village (code, township_code, name) VALUES (?, ?, ?)", [V1, T1, "西岭村"]
        )
        db.execute(
            "INSERT INTO village (code, township_code, name) VALUES (?, ?, ?)", [V2, T2, "东庄村"]
        )


def add_person(
    db: Database,
    name: str,
    township_code: str | None = T1,
    political_status: str = "masses",
    *,
    deleted: bool = False,
    merged_into: str | None = None,
) -> str:
    person_id = new_id()
    with transaction(db):
        db.execute(
            "INSERT INTO person (id, name, township_code, political_status, created_at, "
            "updated_at, deleted, merged_into) VALUES (?, ?, ?, ?, 0, 0, ?, ?)",
            [person_id, name, township_code, political_status, int(deleted), merged_into],
        )
    return person_id


def delete_person(db: Database, person_id: str, *, merged_into: str | None = None) -> None:
    with transaction(db):
        db.execute(
            "UPDATE person SET deleted = 1, merged_into = ? WHERE id = ?", [merged_into, person_id]
        )


def ops(db: Database) -> list[tuple[str, dict[str, object]]]:
    """Every outbox op so far, as (type, body without "t"), oldest first."""
    rows = db.execute("SELECT type, body FROM outbox ORDER BY seq").fetchall()
    result: list[tuple[str, dict[str, object]]] = []
    for op_type, body in rows:
        data = json.loads(body)
        assert data.pop("t") == op_type
        result.append((op_type, data))
    return result

"""The statistics' per-session tally (``stats_person``, ``session_tally``), filled from the
attendance already stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sys
from array import array

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

# Frozen here (not imported from the app): what "attended" meant when this ran.
ATTENDED = ("present", "late", "left_early")


def upgrade() -> None:
    op.create_table(
        "stats_person",
        sa.Column(
            "number",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_stats_person_person_id_person")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_stats_person")),
        sa.UniqueConstraint("person_id", name=op.f("uq_stats_person_person_id")),
    )
    op.create_table(
        "session_tally",
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("people", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["session.id"], name=op.f("fk_session_tally_session_id_session")
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_tally")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_session_stats",
        "session",
        ["starts_at", "township_code", "kind", "topic", "headcount_unregistered", "id"],
    )
    _fill(op.get_bind())


def _fill(conn: sa.Connection) -> None:
    """Number every person marked attended and write each session's tally (the same content
    ``server.stats.rebuild_tallies`` writes)."""
    statuses = ", ".join(f"'{s}'" for s in ATTENDED)
    conn.execute(
        sa.text(
            "INSERT INTO stats_person (person_id) SELECT DISTINCT person_id FROM attendance"
            f" WHERE status IN ({statuses}) ORDER BY person_id"
        )
    )
    rows = conn.execute(
        sa.text(
            "SELECT a.session_id, n.number FROM attendance a"
            " JOIN stats_person n ON n.person_id = a.person_id"
            f" WHERE a.status IN ({statuses}) ORDER BY a.session_id, n.number"
        )
    )
    insert = sa.text("INSERT INTO session_tally (session_id, people) VALUES (:s, :p)").bindparams(
        sa.bindparam("p", type_=sa.LargeBinary())
    )
    batch: list[dict[str, object]] = []
    current: str | None = None
    numbers = array("i")
    for session_id, number in rows:
        if session_id != current:
            if current is not None:
                batch.append({"s": current, "p": _bytes(numbers)})
            current, numbers = session_id, array("i")
        numbers.append(int(number))
        if len(batch) >= 5000:
            conn.execute(insert, batch)
            batch = []
    if current is not None:
        batch.append({"s": current, "p": _bytes(numbers)})
    if batch:
        conn.execute(insert, batch)


def _bytes(numbers: array[int]) -> bytes:
    if sys.byteorder != "little":
        numbers.byteswap()
    return numbers.tobytes()


def downgrade() -> None:
    op.drop_index("ix_session_stats", table_name="session")
    op.drop_table("session_tally")
    op.drop_table("stats_person")

"""The web pages' accounts: signed-in browser sessions and failed sign-ins (rate limiting).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"], ["admin_user.id"], name=op.f("fk_web_session_admin_id_admin_user")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_session")),
    )
    op.create_index("ix_web_session_admin_id", "web_session", ["admin_id"])
    op.create_table(
        "login_failure",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("client", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index("ix_login_failure_name", "login_failure", ["name", "at"])
    op.create_index("ix_login_failure_client", "login_failure", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failure_client", table_name="login_failure")
    op.drop_index("ix_login_failure_name", table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_index("ix_web_session_admin_id", table_name="web_session")
    op.drop_table("web_session")

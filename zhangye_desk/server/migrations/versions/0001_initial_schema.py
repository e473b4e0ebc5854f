"""The initial server schema: directory, roster, sessions, attendance, materials, devices,
the push stream (replicas, op log, quarantine), the change feed and admin users.

Written out table by table (not ``metadata.create_all``) so that this revision keeps creating
exactly this schema after ``db.py`` moves on; tests/server/test_db.py checks that the migrated
database matches ``db.metadata``.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column(
            "change_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("op", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("merged_into", sa.Text(), nullable=True),
        sa.Column("scope_township", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_change_log")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_log_entity", "change_log", ["kind", "entity_id"])

    op.create_table(
        "review_queue",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("entity_kind", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("other_id", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column("origin_replica", sa.Text(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_queue")),
    )
    op.create_index("ix_review_queue_entity", "review_queue", ["entity_kind", "entity_id"])
    op.create_index("ix_review_queue_open", "review_queue", ["resolved_at", "kind"])

    op.create_table(
        "server_meta",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_server_meta")),
    )
    op.create_table(
        "township",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("sort", sa.Integer(), server_default="0", nullable=False),
        sa.Column("code_confirmed", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_township")),
        sa.UniqueConstraint("name", name=op.f("uq_township_name")),
    )
    op.create_table(
        "admin_user",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_login_at", sa.BigInteger(), nullable=True),
        sa.Column("disabled_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "role != 'township' OR township_code IS NOT NULL",
            name=op.f("ck_admin_user_township_scope"),
        ),
        sa.CheckConstraint(
            "role IN ('county', 'township', 'viewer')", name=op.f("ck_admin_user_role")
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["township.code"], name=op.f("fk_admin_user_township_code_township")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_user")),
        sa.UniqueConstraint("name", name=op.f("uq_admin_user_name")),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("enrolled_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=True),
        sa.Column("clock_offset_s", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["township_code"], ["township.code"], name=op.f("fk_device_township_code_township")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
    )
    op.create_index(op.f("ix_device_township_code"), "device", ["township_code"])

    op.create_table(
        "material",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("mime", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("published", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("retired", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("retired_at", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.CheckConstraint("size >= 0", name=op.f("ck_material_size")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["township.code"], name=op.f("fk_material_township_code_township")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material")),
    )
    op.create_index(op.f("ix_material_sha256"), "material", ["sha256"])

    op.create_table(
        "organisation",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("sample", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('committee', 'general_branch', 'branch')", name=op.f("ck_organisation_kind")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["organisation.id"], name=op.f("fk_organisation_parent_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["township_code"],
            ["township.code"],
            name=op.f("fk_organisation_township_code_township"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_index(op.f("ix_organisation_township_code"), "organisation", ["township_code"])

    op.create_table(
        "village",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sample", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["township_code"], ["township.code"], name=op.f("fk_village_township_code_township")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_village")),
    )
    op.create_index(op.f("ix_village_township_code"), "village", ["township_code"])

    op.create_table(
        "enrol_code",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column("replica_id", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_enrol_code_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["township.code"], name=op.f("fk_enrol_code_township_code_township")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrol_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrol_code_code_hash")),
    )
    op.create_table(
        "op_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("origin_replica", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("replica_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("clock_offset_s", sa.Integer(), nullable=True),
        sa.CheckConstraint("result IN ('ok', 'quarantined')", name=op.f("ck_op_log_result")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_op_log_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_op_log")),
        sa.UniqueConstraint("origin_replica", "seq", name="uq_op_log_key"),
    )
    op.create_index(op.f("ix_op_log_device_id"), "op_log", ["device_id"])
    op.create_index(op.f("ix_op_log_sha256"), "op_log", ["sha256"])

    op.create_table(
        "person",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_norm", sa.Text(), nullable=False),
        sa.Column("gender", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("village_code", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Text(), nullable=True),
        sa.Column("political_status", sa.Text(), server_default="masses", nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("merged_into", sa.Text(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("created_by_device", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "origin IN ('server', 'import', 'laptop')", name=op.f("ck_person_origin")
        ),
        sa.CheckConstraint(
            "political_status IN ('member', 'probationary', 'activist', 'masses')",
            name=op.f("ck_person_political_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_device"], ["device.id"], name=op.f("fk_person_created_by_device_device")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["person.id"], name=op.f("fk_person_merged_into_person")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_person_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["township.code"], name=op.f("fk_person_township_code_township")
        ),
        sa.ForeignKeyConstraint(
            ["village_code"], ["village.code"], name=op.f("fk_person_village_code_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_index("ix_person_duplicates", "person", ["township_code", "name_norm", "birth_year"])
    op.create_index("ix_person_members", "person", ["township_code", "political_status"])
    op.create_index(op.f("ix_person_merged_into"), "person", ["merged_into"])
    op.create_index("ix_person_organisation", "person", ["organisation_id"])

    op.create_table(
        "quarantine",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("origin_replica", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_quarantine_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    op.create_index("ix_quarantine_key", "quarantine", ["origin_replica", "seq"])
    op.create_index("ix_quarantine_open", "quarantine", ["resolved_at"])

    op.create_table(
        "replica",
        sa.Column("replica_id", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("acked_through", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("op_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("first_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("last_push_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_replica_device_id_device")
        ),
        sa.PrimaryKeyConstraint("replica_id", name=op.f("pk_replica")),
    )
    op.create_index(op.f("ix_replica_device_id"), "replica", ["device_id"])

    op.create_table(
        "session",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.BigInteger(), nullable=False),
        sa.Column("ends_at", sa.BigInteger(), nullable=True),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("village_code", sa.Text(), nullable=True),
        sa.Column("place_name", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("lecturers", sa.Text(), nullable=True),
        sa.Column("headcount_unregistered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), server_default="open", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.Column("created_by_device", sa.Text(), nullable=False),
        sa.Column("origin_replica", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('tent', 'horseback', 'study', 'party_lecture', 'party_day', 'mobile')",
            name=op.f("ck_session_kind"),
        ),
        sa.CheckConstraint("state IN ('open', 'closed')", name=op.f("ck_session_state")),
        sa.CheckConstraint("headcount_unregistered >= 0", name=op.f("ck_session_headcount")),
        sa.ForeignKeyConstraint(
            ["created_by_device"], ["device.id"], name=op.f("fk_session_created_by_device_device")
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["township.code"], name=op.f("fk_session_township_code_township")
        ),
        sa.ForeignKeyConstraint(
            ["village_code"], ["village.code"], name=op.f("fk_session_village_code_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session")),
    )
    op.create_index(op.f("ix_session_created_by_device"), "session", ["created_by_device"])
    op.create_index("ix_session_starts", "session", ["starts_at"])
    op.create_index("ix_session_township_starts", "session", ["township_code", "starts_at"])

    op.create_table(
        "attendance_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("by", sa.Text(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("origin_replica", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('present', 'late', 'left_early', 'removed')",
            name=op.f("ck_attendance_event_status"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_attendance_event_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_attendance_event_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["session.id"], name=op.f("fk_attendance_event_session_id_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_event")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_attendance_event_session_person", "attendance_event", ["session_id", "person_id"]
    )

    op.create_table(
        "person_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column("origin_replica", sa.Text(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_history_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_history")),
    )
    op.create_index("ix_person_history_person", "person_history", ["person_id", "version"])

    op.create_table(
        "session_material",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("material_id", sa.Text(), nullable=False),
        sa.Column("shown_at", sa.BigInteger(), nullable=False),
        sa.Column("by", sa.Text(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("origin_replica", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_session_material_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["session.id"], name=op.f("fk_session_material_session_id_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_material")),
    )
    op.create_index(op.f("ix_session_material_material_id"), "session_material", ["material_id"])
    op.create_index(op.f("ix_session_material_session_id"), "session_material", ["session_id"])

    op.create_table(
        "attendance",
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('present', 'late', 'left_early', 'removed')",
            name=op.f("ck_attendance_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["attendance_event.id"],
            name=op.f("fk_attendance_event_id_attendance_event"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_attendance_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["session.id"], name=op.f("fk_attendance_session_id_session")
        ),
        sa.PrimaryKeyConstraint("session_id", "person_id", name=op.f("pk_attendance")),
    )
    op.create_index("ix_attendance_person", "attendance", ["person_id"])
    op.create_index("ix_attendance_session_status", "attendance", ["session_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_attendance_session_status", table_name="attendance")
    op.drop_index("ix_attendance_person", table_name="attendance")

    op.drop_table("attendance")
    op.drop_index(op.f("ix_session_material_session_id"), table_name="session_material")
    op.drop_index(op.f("ix_session_material_material_id"), table_name="session_material")

    op.drop_table("session_material")
    op.drop_index("ix_person_history_person", table_name="person_history")

    op.drop_table("person_history")
    op.drop_index("ix_attendance_event_session_person", table_name="attendance_event")

    op.drop_table("attendance_event")
    op.drop_index("ix_session_township_starts", table_name="session")
    op.drop_index("ix_session_starts", table_name="session")
    op.drop_index(op.f("ix_session_created_by_device"), table_name="session")

    op.drop_table("session")
    op.drop_index(op.f("ix_replica_device_id"), table_name="replica")

    op.drop_table("replica")
    op.drop_index("ix_quarantine_open", table_name="quarantine")
    op.drop_index("ix_quarantine_key", table_name="quarantine")

    op.drop_table("quarantine")
    op.drop_index("ix_person_organisation", table_name="person")
    op.drop_index(op.f("ix_person_merged_into"), table_name="person")
    op.drop_index("ix_person_members", table_name="person")
    op.drop_index("ix_person_duplicates", table_name="person")

    op.drop_table("person")
    op.drop_index(op.f("ix_op_log_sha256"), table_name="op_log")
    op.drop_index(op.f("ix_op_log_device_id"), table_name="op_log")

    op.drop_table("op_log")
    op.drop_table("enrol_code")
    op.drop_index(op.f("ix_village_township_code"), table_name="village")

    op.drop_table("village")
    op.drop_index(op.f("ix_organisation_township_code"), table_name="organisation")

    op.drop_table("organisation")
    op.drop_index(op.f("ix_material_sha256"), table_name="material")

    op.drop_table("material")
    op.drop_index(op.f("ix_device_township_code"), table_name="device")

    op.drop_table("device")
    op.drop_table("admin_user")
    op.drop_table("township")
    op.drop_table("server_meta")
    op.drop_index("ix_review_queue_open", table_name="review_queue")
    op.drop_index("ix_review_queue_entity", table_name="review_queue")

    op.drop_table("review_queue")
    op.drop_index("ix_change_log_entity", table_name="change_log")

    op.drop_table("change_log")

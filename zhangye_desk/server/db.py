"""The server's schema (SQLAlchemy Core 2) and the engine factory, for SQLite and PostgreSQL.

One ``metadata`` serves both databases: text ids, ``BigInteger`` epoch seconds, JSON kept as
``Text`` (``json.dumps(ensure_ascii=False)``), booleans as ``Boolean``. The Alembic migrations in
``migrations/versions`` create exactly this schema (a test compares them), and the database is
only ever created or changed through them (``dbadmin``), never with ``metadata.create_all``.

``create_engine_for`` sets SQLite up like the laptop store (WAL, ``synchronous=FULL``, foreign
keys, a busy timeout) and takes over SQLite's BEGIN so that savepoints work and writers can
take the write lock up front (``write_transaction``): a deferred transaction that reads and then
writes can fail at once with "database is locked" when another writer got there first. SQLite
has one writer, so the threads of one server process queue for it on a lock of the engine's
(``write_transaction``) instead of polling SQLite's busy handler, which sleeps between tries
and answers "locked" after its timeout however short the queue; the busy timeout is left for
other processes (the CLI).

Nothing here holds an engine or a connection at import time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    make_url,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from ..core.vocab import (
    ATTENDANCE_STATUSES,
    ORGANISATION_KINDS,
    POLITICAL_STATUSES,
    SESSION_KINDS,
    SESSION_STATES,
    sql_in,
)
from .settings import sqlalchemy_url

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
# A server connection's page cache (KiB; SQLite's default is 2 MiB): a push touches pages all
# over op_log's hash index, which are then read from the cache instead of the OS.
SQLITE_CACHE_KIB = 32 * 1024
# Checkpoint the WAL into the database every 10,000 pages (~40 MB; SQLite's default is 1,000).
# A push of a few thousand marks dirties about as many index pages, so with the default nearly
# every push also paid for a checkpoint (another fsync); fewer, larger checkpoints write a page
# changed by several pushes once. Durability is the same: every commit still syncs the WAL.
SQLITE_CHECKPOINT_PAGES = 10_000
# The WAL file is cut back to this size after a checkpoint (bytes).
SQLITE_WAL_LIMIT = 64 * 1024 * 1024
# Values per IN list on SQLite (any_of): far below its limit of 32,766 parameters.
IN_CHUNK = 500
# How long a thread of the server waits for the SQLite write lock held by its own process.
WRITE_WAIT_S = 20.0
# The engine execution option holding that lock (SQLite engines only).
WRITE_LOCK_OPTION = "zhangye_write_lock"
ADMIN_ROLES: tuple[str, ...] = ("county", "township", "viewer")
PERSON_ORIGINS: tuple[str, ...] = ("server", "import", "laptop")
OP_RESULTS: tuple[str, ...] = ("ok", "quarantined")

# Constraint names are spelled out so that PostgreSQL and SQLite agree and Alembic can alter
# them later by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# A row read with ``.mappings()`` (keys may be columns too) or a plain dict of its values.
RowLike = Mapping[Any, Any]

# An autoincrementing 64-bit key; SQLite only autoincrements a column declared INTEGER.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")


def _epoch(name: str, *, nullable: bool = True) -> Column[Any]:
    return Column(name, BigInteger, nullable=nullable)


# --- the directory ---------------------------------------------------------------------------

township = Table(
    "township",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("name_en", Text),
    Column("sort", Integer, nullable=False, server_default="0"),
    Column("code_confirmed", Boolean, nullable=False, server_default="1"),
    _epoch("updated_at", nullable=False),
)

village = Table(
    "village",
    metadata,
    Column("code", Text, primary_key=True),
    Column("township_code", Text, ForeignKey("township.code"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("sample", Boolean, nullable=False, server_default="0"),
    _epoch("updated_at", nullable=False),
)

organisation = Table(
    "organisation",
    metadata,
    Column("id", Text, primary_key=True),
    Column("township_code", Text, ForeignKey("township.code"), nullable=False, index=True),
    Column("parent_id", Text, ForeignKey("organisation.id")),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("sample", Boolean, nullable=False, server_default="0"),
    _epoch("updated_at", nullable=False),
    CheckConstraint(f"kind IN {sql_in(ORGANISATION_KINDS)}", name="kind"),
)

# --- devices and enrolment -------------------------------------------------------------------

device = Table(
    "device",
    metadata,
    Column("id", Text, primary_key=True),
    Column("township_code", Text, ForeignKey("township.code"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    # sha256 of the secret (hex); the secret itself is shown once and never stored.
    Column("secret_hash", Text, nullable=False),
    _epoch("enrolled_at", nullable=False),
    _epoch("revoked_at"),
    _epoch("last_seen_at"),
    # server_time − device time, estimated by the laptop at its last push (seconds).
    Column("clock_offset_s", Integer),
)

enrol_code = Table(
    "enrol_code",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("code_hash", Text, nullable=False, unique=True),
    Column("township_code", Text, ForeignKey("township.code"), nullable=False),
    _epoch("created_at", nullable=False),
    _epoch("expires_at", nullable=False),
    _epoch("used_at"),
    Column("device_id", Text, ForeignKey("device.id")),
    # The laptop database that used it: the same one may ask again if the reply was lost.
    Column("replica_id", Text),
    Column("created_by", Text),
)

admin_user = Table(
    "admin_user",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("role", Text, nullable=False),
    Column("township_code", Text, ForeignKey("township.code")),
    _epoch("created_at", nullable=False),
    _epoch("last_login_at"),
    _epoch("disabled_at"),
    CheckConstraint(f"role IN {sql_in(ADMIN_ROLES)}", name="role"),
    # A township admin belongs to a township; county staff and viewers may too.
    CheckConstraint("role != 'township' OR township_code IS NOT NULL", name="township_scope"),
)

# A signed-in browser (the web pages): the cookie holds a random token, only its sha256 is
# kept here; the CSRF token belongs to the session (web/security.py).
web_session = Table(
    "web_session",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("admin_id", BigInteger, ForeignKey("admin_user.id"), nullable=False, index=True),
    Column("csrf_token", Text, nullable=False),
    _epoch("created_at", nullable=False),
    _epoch("last_seen_at", nullable=False),
    _epoch("expires_at", nullable=False),
)

# Failed sign-ins, counted per name and per client address over a window (web/security.py).
login_failure = Table(
    "login_failure",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("client", Text, nullable=False),
    _epoch("at", nullable=False),
    Index("ix_login_failure_name", "name", "at"),
    Index("ix_login_failure_client", "client", "at"),
)

# --- the roster ------------------------------------------------------------------------------

person = Table(
    "person",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    # core.search_keys.normalise(name): likely-duplicate detection and search.
    Column("name_norm", Text, nullable=False),
    Column("gender", Text),
    Column("ethnicity", Text),
    Column("birth_year", Integer),
    Column("township_code", Text, ForeignKey("township.code")),
    Column("village_code", Text, ForeignKey("village.code")),
    Column("organisation_id", Text, ForeignKey("organisation.id")),
    Column("political_status", Text, nullable=False, server_default="masses"),
    Column("phone", Text),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("merged_into", Text, ForeignKey("person.id"), index=True),
    Column("origin", Text, nullable=False),
    Column("created_by_device", Text, ForeignKey("device.id")),
    _epoch("created_at", nullable=False),
    _epoch("updated_at", nullable=False),
    CheckConstraint(f"political_status IN {sql_in(POLITICAL_STATUSES)}", name="political_status"),
    CheckConstraint(f"origin IN {sql_in(PERSON_ORIGINS)}", name="origin"),
    Index("ix_person_duplicates", "township_code", "name_norm", "birth_year"),
    Index("ix_person_members", "township_code", "political_status"),
    Index("ix_person_organisation", "organisation_id"),
)

# Every version of every person (snapshot after the change), plus edits that made no version
# (hard conflicts, edits after deletion): what an admin reviews.
person_history = Table(
    "person_history",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("person_id", Text, ForeignKey("person.id"), nullable=False),
    Column("version", Integer),  # the version this entry produced; NULL if it produced none
    Column("base_version", Integer),
    # created | edited | concurrent | conflict | after_delete | deleted | merged
    Column("outcome", Text, nullable=False),
    Column("fields", Text),  # JSON: the fields the edit carried
    Column("snapshot", Text),  # JSON: the whole record at `version`
    Column("detail", Text),  # JSON: conflicting values and the like
    Column("actor", Text),
    Column("device_id", Text),
    Column("origin_replica", Text),
    Column("seq", BigInteger),
    _epoch("created_at", nullable=False),
    Index("ix_person_history_person", "person_id", "version"),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    # hard_conflict | likely_duplicate | edit_after_delete | attendance_disagreement
    Column("kind", Text, nullable=False),
    Column("entity_kind", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("other_id", Text),
    Column("detail", Text),  # JSON
    Column("device_id", Text),
    Column("origin_replica", Text),
    Column("seq", BigInteger),
    _epoch("created_at", nullable=False),
    _epoch("resolved_at"),
    Column("resolution", Text),
    Column("resolved_by", Text),
    Index("ix_review_queue_open", "resolved_at", "kind"),
    Index("ix_review_queue_entity", "entity_kind", "entity_id"),
)

# --- sessions, attendance, materials ---------------------------------------------------------

session = Table(
    "session",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("topic", Text),
    _epoch("starts_at", nullable=False),
    _epoch("ends_at"),
    Column("township_code", Text, ForeignKey("township.code"), nullable=False),
    Column("village_code", Text, ForeignKey("village.code")),
    Column("place_name", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("lecturers", Text),
    Column("headcount_unregistered", Integer, nullable=False, server_default="0"),
    Column("notes", Text),
    Column("state", Text, nullable=False, server_default="open"),
    _epoch("created_at", nullable=False),  # the laptop's clock, for display only
    _epoch("updated_at", nullable=False),  # the server's clock
    _epoch("closed_at"),
    Column("created_by_device", Text, ForeignKey("device.id"), nullable=False, index=True),
    Column("origin_replica", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    _epoch("received_at", nullable=False),
    CheckConstraint(f"kind IN {sql_in(SESSION_KINDS)}", name="kind"),
    CheckConstraint(f"state IN {sql_in(SESSION_STATES)}", name="state"),
    CheckConstraint("headcount_unregistered >= 0", name="headcount"),
    Index("ix_session_starts", "starts_at"),
    Index("ix_session_township_starts", "township_code", "starts_at"),
    # Covers what the statistics read of a period's sessions (server/stats.py).
    Index(
        "ix_session_stats",
        "starts_at",
        "township_code",
        "kind",
        "topic",
        "headcount_unregistered",
        "id",
    ),
)

# Append-only: the server's id gives the arrival order, which decides the effective status.
attendance_event = Table(
    "attendance_event",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("session_id", Text, ForeignKey("session.id"), nullable=False),
    Column("person_id", Text, ForeignKey("person.id"), nullable=False),
    Column("status", Text, nullable=False),
    _epoch("at", nullable=False),
    Column("by", Text),
    Column("device_id", Text, ForeignKey("device.id"), nullable=False),
    Column("origin_replica", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    _epoch("received_at", nullable=False),
    CheckConstraint(f"status IN {sql_in(ATTENDANCE_STATUSES)}", name="status"),
    Index("ix_attendance_event_session_person", "session_id", "person_id"),
    sqlite_autoincrement=True,
)

# The effective status per (session, person), written with each applied event.
attendance = Table(
    "attendance",
    metadata,
    Column("session_id", Text, ForeignKey("session.id"), primary_key=True),
    Column("person_id", Text, ForeignKey("person.id"), primary_key=True),
    Column("status", Text, nullable=False),
    Column("event_id", BigInteger, ForeignKey("attendance_event.id"), nullable=False),
    _epoch("at", nullable=False),
    Column("device_id", Text, nullable=False),
    CheckConstraint(f"status IN {sql_in(ATTENDANCE_STATUSES)}", name="status"),
    Index("ix_attendance_person", "person_id"),
    Index("ix_attendance_session_status", "session_id", "status"),
)

# The statistics' summary of ``attendance`` (server/stats.py), rewritten in the same
# transaction as the marks it sums up: a small number per person ever marked attended, and per
# session the numbers of the people whose effective status there is attended (4-byte
# little-endian integers; no row while there are none). Person details (merges, township,
# organisation, membership) are read live, so only changes of ``attendance`` touch these.
stats_person = Table(
    "stats_person",
    metadata,
    Column("number", SERIAL, primary_key=True, autoincrement=True),
    Column("person_id", Text, ForeignKey("person.id"), nullable=False, unique=True),
)

session_tally = Table(
    "session_tally",
    metadata,
    Column("session_id", Text, ForeignKey("session.id"), primary_key=True),
    Column("people", LargeBinary, nullable=False),
    sqlite_with_rowid=False,  # one B-tree lookup per session instead of two
)

material = Table(
    "material",
    metadata,
    Column("id", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("topic", Text),
    Column("language", Text),
    Column("mime", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False, index=True),
    Column("duration_s", Float),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("priority", Integer, nullable=False, server_default="0"),
    # NULL: every township; otherwise only laptops of this township see it.
    Column("township_code", Text, ForeignKey("township.code")),
    Column("file_name", Text),  # the name it was published from, for admins
    Column("published", Boolean, nullable=False, server_default="1"),
    Column("retired", Boolean, nullable=False, server_default="0"),
    _epoch("created_at", nullable=False),
    _epoch("updated_at", nullable=False),
    _epoch("retired_at"),
    Column("created_by", Text),
    CheckConstraint("size >= 0", name="size"),
)

# What was shown at which session. The material may be one the lecturer added by hand on the
# laptop, which the server has never seen: hence no foreign key on material_id.
session_material = Table(
    "session_material",
    metadata,
    Column("id", Text, primary_key=True),
    Column("session_id", Text, ForeignKey("session.id"), nullable=False, index=True),
    Column("material_id", Text, nullable=False, index=True),
    _epoch("shown_at", nullable=False),
    Column("by", Text),
    Column("device_id", Text, ForeignKey("device.id"), nullable=False),
    Column("origin_replica", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    _epoch("received_at", nullable=False),
)

# --- the push stream -------------------------------------------------------------------------

replica = Table(
    "replica",
    metadata,
    Column("replica_id", Text, primary_key=True),
    Column("device_id", Text, ForeignKey("device.id"), nullable=False, index=True),
    Column("acked_through", BigInteger, nullable=False, server_default="0"),
    Column("op_count", BigInteger, nullable=False, server_default="0"),
    _epoch("first_seen_at", nullable=False),
    _epoch("last_push_at"),
)

# Every op ever received, once, keyed by (origin_replica, seq): the dedupe key and the audit
# trail (the canonical body is kept, so nothing a laptop sent is ever lost).
op_log = Table(
    "op_log",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("origin_replica", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False, index=True),
    Column("type", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("device_id", Text, ForeignKey("device.id"), nullable=False, index=True),
    Column("replica_id", Text, nullable=False),  # the push stream it arrived in
    _epoch("received_at", nullable=False),
    Column("result", Text, nullable=False),
    Column("clock_offset_s", Integer),
    UniqueConstraint("origin_replica", "seq", name="uq_op_log_key"),
    CheckConstraint(f"result IN {sql_in(OP_RESULTS)}", name="result"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("origin_replica", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", Text),
    Column("device_id", Text, ForeignKey("device.id"), nullable=False),
    _epoch("created_at", nullable=False),
    _epoch("resolved_at"),
    Column("resolution", Text),
    Column("resolved_by", Text),
    Index("ix_quarantine_open", "resolved_at"),
    Index("ix_quarantine_key", "origin_replica", "seq"),
)

# --- the change feed -------------------------------------------------------------------------

# Ids are handed out in commit order (SQLite has one writer; PostgreSQL writers take an
# advisory lock, see feed.lock_change_log) and never reused (AUTOINCREMENT), so a cursor is
# simply the last id a laptop has applied.
change_log = Table(
    "change_log",
    metadata,
    Column("change_id", SERIAL, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),  # township | village | organisation | person | material
    Column("op", Text, nullable=False),  # upsert | delete | merge
    Column("entity_id", Text, nullable=False),
    Column("version", Integer),
    Column("data", Text),  # JSON
    Column("merged_into", Text),
    # NULL: every device sees the change; else only devices of this township (materials).
    Column("scope_township", Text),
    _epoch("created_at", nullable=False),
    Index("ix_change_log_entity", "kind", "entity_id"),
    sqlite_autoincrement=True,
)

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)


# --- helpers ---------------------------------------------------------------------------------


def dumps(data: Any) -> str:
    """JSON as stored in Text columns: compact, sorted, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on either database; True if the row was inserted.

    RETURNING tells, not ``rowcount``: psycopg reports -1 for this statement.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return conn.execute(statement).first() is not None


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows (every one with the same keys) in the caller's transaction.

    PostgreSQL: one ``COPY … FROM STDIN`` on the connection (half the time of an executemany,
    which runs each row as its own statement); its errors come back as SQLAlchemy's
    (IntegrityError, DataError …) like any statement's. SQLite: the driver's executemany of
    one prepared statement. No type processing either way: values must be plain (text,
    integers, floats, None).
    """
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = list(rows[0])
    if conn.dialect.name != "postgresql":
        # The DBAPI's executemany with tuples: SQLAlchemy would process every row's
        # parameters, which costs more than SQLite's own insert of a row.
        statement = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        conn.exec_driver_sql(statement, [tuple(row[c] for c in columns) for row in rows])
        return
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            statement, None, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from exc


def any_of(conn: Connection, column: Any, values: Sequence[Any]) -> list[ColumnElement[bool]]:
    """WHERE clauses that together select the rows whose ``column`` is one of ``values``, one
    query each: one array parameter on PostgreSQL (``= ANY``: a statement whose text never
    changes, however many values), IN lists of at most ``IN_CHUNK`` on SQLite."""
    if not values:
        return []
    if conn.dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return [column == any_(array)]
    return [column.in_(values[i : i + IN_CHUNK]) for i in range(0, len(values), IN_CHUNK)]


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` unused values of ``table``'s autoincrementing ``id``, increasing, for an
    executemany INSERT that names them: far faster than ``RETURNING`` the ids, which SQLite
    can only do one row at a time and PostgreSQL in statements too long to prepare.

    PostgreSQL draws them from the column's sequence (never reused). On SQLite the table must
    be AUTOINCREMENT and the caller inside ``write_transaction``, which holds the database's
    write lock from BEGIN: nobody else can take the same ids before this transaction ends,
    and inserting them moves ``sqlite_sequence`` past them as the default would.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
                func.generate_series(1, count)
            )
        )
        return sorted(int(value) for value in rows.scalars())
    if not table.kwargs.get("sqlite_autoincrement"):
        raise ValueError(f"{table.name} is not AUTOINCREMENT: its ids could be reused")
    last = conn.execute(
        text(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = :name), 0), "
            f"coalesce((SELECT max(id) FROM {table.name}), 0))"
        ),
        {"name": table.name},
    ).scalar_one()
    return list(range(int(last) + 1, int(last) + 1 + count))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module (its legacy mode breaks savepoints); the
        # "begin" hook below emits it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() not in ("wal", "memory"):
                log.warning("SQLite refused WAL (journal mode %s)", mode)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")
            cursor.execute(f"PRAGMA journal_size_limit = {SQLITE_WAL_LIMIT}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("zhangye_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    """An engine for a user's ``--db`` URL; SQLite files get WAL, FULL sync and foreign keys.

    The folder of a SQLite file is created if missing (the default lives in platformdirs).
    """
    sa_url = make_url(sqlalchemy_url(url))
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, **kwargs)
        _configure_sqlite(engine)
        # User-defined execution options are allowed; connections inherit them.
        engine.update_execution_options(**{WRITE_LOCK_OPTION: threading.Lock()})
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(sa_url, **kwargs)


class WriterBusy(Exception):
    """The SQLite write lock stayed with other threads of this process too long (503 busy)."""


@contextlib.contextmanager
def write_transaction(engine: Engine, *, wait_s: float | None = None) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock at BEGIN, so it never
    fails half-way because another writer committed first.

    On SQLite the threads of this process first queue on the engine's lock (up to ``wait_s``,
    then WriterBusy), so BEGIN only ever waits for another process (up to the busy timeout).
    The lock is taken before a pooled connection, so queued writers hold no connection.
    ``wait_s`` defaults to ``WRITE_WAIT_S``.
    """
    lock = engine.get_execution_options().get(WRITE_LOCK_OPTION)
    wait = WRITE_WAIT_S if wait_s is None else wait_s
    if lock is not None and not lock.acquire(timeout=wait):
        raise WriterBusy(f"the database's write lock stayed busy for {wait:.0f} s")
    try:
        with engine.connect() as conn:
            conn.execution_options(zhangye_write=True)
            with conn.begin():
                yield conn
    finally:
        if lock is not None:
            lock.release()


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work (one consistent snapshot on SQLite)."""
    with engine.connect() as conn, conn.begin():
        yield conn

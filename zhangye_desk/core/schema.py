"""Local store schema as named migrations (sqlite-utils Migrations).

Each migration runs in its own transaction and is recorded in ``_sqlite_migrations``.
Never edit a migration that has shipped: add a new one. ``store.open_db`` copies the file
before applying pending migrations and refuses a database that has migrations we do not know.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .search_keys import search_keys
from .vocab import (
    ATTENDANCE_STATUSES,
    FILE_STATES,
    GENDERS,
    ORGANISATION_KINDS,
    POLITICAL_STATUSES,
    SESSION_KINDS,
    SESSION_STATES,
    sql_in,
)

MIGRATION_SET = "zhangye_desk"
migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE township (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            name_en TEXT,
            sort INTEGER NOT NULL DEFAULT 0,
            code_confirmed INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE village (
            code TEXT PRIMARY KEY,
            township_code TEXT NOT NULL REFERENCES township(code),
            name TEXT NOT NULL,
            sample INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX village_township ON village(township_code);
        CREATE TABLE organisation (
            id TEXT PRIMARY KEY,
            township_code TEXT NOT NULL REFERENCES township(code),
            parent_id TEXT REFERENCES organisation(id),
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN {sql_in(ORGANISATION_KINDS)}),
            sample INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX organisation_township ON organisation(township_code);
        CREATE TABLE person (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            gender TEXT CHECK (gender IS NULL OR gender IN {sql_in(GENDERS)}),
            ethnicity TEXT,
            birth_year INTEGER,
            township_code TEXT REFERENCES township(code),
            village_code TEXT REFERENCES village(code),
            organisation_id TEXT REFERENCES organisation(id),
            political_status TEXT NOT NULL DEFAULT 'masses'
                CHECK (political_status IN {sql_in(POLITICAL_STATUSES)}),
            phone TEXT,
            version INTEGER NOT NULL DEFAULT 0,
            origin TEXT NOT NULL DEFAULT 'server' CHECK (origin IN ('server', 'local')),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            merged_into TEXT
        );
        CREATE INDEX person_township_name ON person(township_code, name);
        CREATE TABLE session (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN {sql_in(SESSION_KINDS)}),
            title TEXT NOT NULL CHECK (length(trim(title)) > 0),
            topic TEXT,
            starts_at INTEGER NOT NULL,
            ends_at INTEGER,
            township_code TEXT NOT NULL REFERENCES township(code),
            village_code TEXT REFERENCES village(code),
            place_name TEXT,
            latitude REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
            longitude REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
            lecturers TEXT,
            headcount_unregistered INTEGER NOT NULL DEFAULT 0
                CHECK (headcount_unregistered >= 0),
            notes TEXT,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN {sql_in(SESSION_STATES)}),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            closed_at INTEGER
        );
        CREATE INDEX session_starts ON session(starts_at);
        CREATE INDEX session_township ON session(township_code, starts_at);
        -- Attendance is append-only: every mark, undo or correction is a new event.
        CREATE TABLE attendance_event (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES session(id),
            person_id TEXT NOT NULL REFERENCES person(id),
            status TEXT NOT NULL CHECK (status IN {sql_in(ATTENDANCE_STATUSES)}),
            at INTEGER NOT NULL,
            by TEXT
        );
        CREATE INDEX attendance_event_session ON attendance_event(session_id, person_id);
        CREATE TRIGGER attendance_event_no_update BEFORE UPDATE ON attendance_event
        BEGIN SELECT RAISE(ABORT, 'attendance events are append-only'); END;
        CREATE TRIGGER attendance_event_no_delete BEFORE DELETE ON attendance_event
        BEGIN SELECT RAISE(ABORT, 'attendance events are append-only'); END;
        -- The effective status, derived from the latest event by a trigger (never written
        -- directly), so statistics and the attendance screen need not replay events.
        CREATE TABLE attendance (
            session_id TEXT NOT NULL REFERENCES session(id),
            person_id TEXT NOT NULL REFERENCES person(id),
            status TEXT NOT NULL,
            event_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (session_id, person_id)
        ) WITHOUT ROWID;
        CREATE INDEX attendance_person ON attendance(person_id);
        CREATE TRIGGER attendance_event_derive AFTER INSERT ON attendance_event
        BEGIN
            INSERT INTO attendance (session_id, person_id, status, event_id, at)
            VALUES (NEW.session_id, NEW.person_id, NEW.status, NEW.id, NEW.at)
            ON CONFLICT (session_id, person_id) DO UPDATE SET
                status = excluded.status, event_id = excluded.event_id, at = excluded.at;
        END;
        CREATE TABLE material (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            topic TEXT,
            language TEXT,
            mime TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            sha256 TEXT NOT NULL,
            duration_s REAL,
            version INTEGER NOT NULL DEFAULT 1,
            priority INTEGER NOT NULL DEFAULT 0,
            file_state TEXT NOT NULL DEFAULT 'absent' CHECK (file_state IN {sql_in(FILE_STATES)}),
            file_name TEXT,
            retired INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE session_material (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES session(id),
            material_id TEXT NOT NULL REFERENCES material(id),
            shown_at INTEGER NOT NULL,
            by TEXT
        );
        CREATE INDEX session_material_session ON session_material(session_id);
        -- The transactional outbox: one op per local change, written with the change.
        -- An op's identity on the server is (origin_replica, seq): the replica id of this
        -- file when the op was made, which a restore's new replica id does not change.
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            origin_replica TEXT NOT NULL,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            acked_at INTEGER
        );
        CREATE INDEX outbox_pending ON outbox(acked_at, seq);
        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            replica_id TEXT NOT NULL,
            replica_created_at INTEGER NOT NULL,
            device_id TEXT,
            server_url TEXT,
            acked_through INTEGER NOT NULL DEFAULT 0,
            pull_cursor TEXT,
            server_epoch TEXT,
            clock_offset_s INTEGER,
            last_sync_at INTEGER
        );
        """
    )


@migrations()
def m002_person_search_keys(db: Database) -> None:
    """Add normalised-name and pinyin search keys to people, filled in for existing rows."""
    db.executescript(
        """
        ALTER TABLE person ADD COLUMN name_norm TEXT NOT NULL DEFAULT '';
        ALTER TABLE person ADD COLUMN pinyin_full TEXT NOT NULL DEFAULT '';
        ALTER TABLE person ADD COLUMN pinyin_initials TEXT NOT NULL DEFAULT '';
        """
    )
    rows = db.execute("SELECT id, name FROM person").fetchall()
    for person_id, name in rows:
        keys = search_keys(name)
        db.execute(
            "UPDATE person SET name_norm = ?, pinyin_full = ?, pinyin_initials = ? WHERE id = ?",
            [keys.name_norm, keys.pinyin_full, keys.pinyin_initials, person_id],
        )
    db.execute("CREATE INDEX person_pinyin_initials ON person(pinyin_initials)")


@migrations()
def m003_sync_credentials(db: Database) -> None:
    """What the sync engine keeps besides m001's columns.

    ``device_secret`` is the enrolment secret (sent as a bearer token, never logged);
    ``township_code``/``device_name`` are what the server answered at enrolment;
    ``snapshot_after`` is the position inside a paged pull snapshot (after a ``410``), kept
    apart from ``pull_cursor`` so an interrupted snapshot resumes where it stopped.
    """
    # One statement at a time: executescript() would commit the migration's transaction.
    for column in ("device_secret", "device_name", "township_code", "snapshot_after"):
        db.execute(f"ALTER TABLE sync_state ADD COLUMN {column} TEXT")


def known_migration_names() -> list[str]:
    return [m.name for m in migrations._migrations]


@migrations()
def m004_person_search_index(db: Database) -> None:
    """Make search-as-you-type fast on a county roster (people.search_people, bench/desk.py).

    * ``person_fts``: an FTS5 index of each person's name and pinyin keys, tokenised on the
      spaces between readings, with 1- and 2-character prefix indexes. It answers "which
      names, readings or initials *start with* the query" without reading every row, which is
      what short queries need ("a", "zh", "安" match thousands of people).
    * ``person_trigram``: an FTS5 trigram index of the name and the pinyin, which answers
      "which names or readings *contain* the query" for queries of three or more characters.
    * ``person_roster``: a covering index of the active people in roster order (township,
      pinyin, name). The township's roster (an empty query) is read straight from it, and a
      full scan (a query the FTS5 indexes cannot answer) reads it instead of the wider rows.
    * ``person_name``: the active people's normalised names alone, the smallest thing to scan
      for one or two Chinese characters found inside names ("措毛" in "才让措毛").

    Both FTS tables are external-content indexes over ``person`` keyed by ``person.rowid``
    and kept up to date by the triggers below, so no code has to remember them. Anything that
    could renumber rowids (a plain VACUUM) must be followed by ``INSERT INTO
    person_fts(person_fts) VALUES ('rebuild')`` (and the same for person_trigram); the online
    backup API used for backups copies pages and keeps rowids. A Python whose SQLite lacks
    FTS5 (or the trigram tokenizer, SQLite < 3.34) gets what it supports; search then scans,
    exactly as before, only slower.
    """
    import logging  # here, not at the top: this migration was appended to a shipped module
    import sqlite3

    log = logging.getLogger(__name__)
    db.execute(
        "CREATE INDEX person_roster ON person(township_code, pinyin_full, name, id, name_norm, "
        "pinyin_initials) WHERE deleted = 0 AND merged_into IS NULL"
    )
    db.execute(
        "CREATE INDEX person_name ON person(name_norm) WHERE deleted = 0 AND merged_into IS NULL"
    )
    indexes = {
        # table name: its columns, its FTS5 options
        "person_fts": (
            "name_norm, pinyin_full, pinyin_initials",
            "detail=none, prefix='1 2', tokenize='unicode61 remove_diacritics 0'",
        ),
        "person_trigram": ("name_norm, pinyin_full", "tokenize='trigram'"),
    }
    created = []
    for table, (columns, options) in indexes.items():
        try:
            db.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({columns}, content='person', "
                f"content_rowid='rowid', {options})"
            )
        except sqlite3.OperationalError as exc:  # no FTS5, or no trigram tokenizer
            log.warning("SQLite cannot build %s (%s): name search will scan more", table, exc)
            continue
        db.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        created.append(table)
    if not created:
        return

    def values(prefix: str, table: str) -> str:
        return ", ".join(f"{prefix}.{c.strip()}" for c in indexes[table][0].split(","))

    def add(table: str) -> str:
        return (
            f"INSERT INTO {table}(rowid, {indexes[table][0]}) "
            f"VALUES (new.rowid, {values('new', table)});"
        )

    def remove(table: str) -> str:
        return (
            f"INSERT INTO {table}({table}, rowid, {indexes[table][0]}) "
            f"VALUES ('delete', old.rowid, {values('old', table)});"
        )

    inserts = " ".join(add(t) for t in created)
    deletes = " ".join(remove(t) for t in created)
    keys = indexes["person_fts"][0]  # every column either index reads
    db.execute(f"CREATE TRIGGER person_search_insert AFTER INSERT ON person BEGIN {inserts} END")
    db.execute(f"CREATE TRIGGER person_search_delete AFTER DELETE ON person BEGIN {deletes} END")
    # Only when a key really changed: a sync pull rewrites every column of a person.
    changed = " OR ".join(f"old.{c.strip()} IS NOT new.{c.strip()}" for c in keys.split(","))
    db.execute(
        f"CREATE TRIGGER person_search_update AFTER UPDATE OF {keys} ON person "
        f"WHEN {changed} BEGIN {deletes} {inserts} END"
    )


@migrations()
def m005_status_counts(db: Database) -> None:
    """Let ``core.status`` count without scanning (the settings page, ``zhangye-desk status``).

    * ``attendance_tally``: how many ``attendance`` rows have each status, kept equal to
      ``SELECT status, count(*) FROM attendance GROUP BY status`` by the triggers below (an
      attendance event's upsert fires the update trigger when the row already exists).
      Counting 100,000 marks took 7 ms; reading the tally takes microseconds.
    * ``person_deleted``: a narrow index, so counting the active people (40,000 on a county
      roster) reads it instead of every wide person row (4 ms → under 1 ms).
    """
    db.execute(
        "CREATE TABLE attendance_tally ("
        "status TEXT PRIMARY KEY, marks INTEGER NOT NULL CHECK (marks >= 0)) WITHOUT ROWID"
    )
    db.execute(
        "INSERT INTO attendance_tally (status, marks) "
        "SELECT status, count(*) FROM attendance GROUP BY status"
    )
    add = (
        "INSERT INTO attendance_tally (status, marks) VALUES (NEW.status, 1) "
        "ON CONFLICT (status) DO UPDATE SET marks = marks + 1;"
    )
    remove = "UPDATE attendance_tally SET marks = marks - 1 WHERE status = OLD.status;"
    db.execute(f"CREATE TRIGGER attendance_tally_insert AFTER INSERT ON attendance BEGIN {add} END")
    db.execute(
        "CREATE TRIGGER attendance_tally_update AFTER UPDATE OF status ON attendance "
        f"WHEN OLD.status IS NOT NEW.status BEGIN {remove} {add} END"
    )
    db.execute(
        f"CREATE TRIGGER attendance_tally_delete AFTER DELETE ON attendance BEGIN {remove} END"
    )
    db.execute("CREATE INDEX person_deleted ON person(deleted)")


@migrations()
def m006_download_choices_and_sync_issues(db: Database) -> None:
    """The material download queue and what the server reported back (issue 5).

    * ``material.download_choice``: the user's choice for a material's file — NULL means
      "automatic" (``core.materials.effective_choice`` decides: small or priority files are
      fetched by the next sync, large videos wait), ``wanted`` or ``deferred``.
    * ``sync_issue``: what a push reply said could not be applied as sent — an op the server
      put in quarantine (``kind = 'quarantined'``, with its reason) or a person edit that met
      another edit on the server (``kind = 'conflict'``, with the fields). Kept for the sync
      page and the roster page until the user dismisses it (``resolved_at``).
    """
    db.execute(
        "ALTER TABLE material ADD COLUMN download_choice TEXT CHECK ("
        "download_choice IS NULL OR download_choice IN ('wanted', 'deferred'))"
    )
    db.execute(
        "CREATE TABLE sync_issue ("
        "id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "kind TEXT NOT NULL CHECK (kind IN ('quarantined', 'conflict')), "
        "seq INTEGER, "
        "op_type TEXT, "
        "entity_id TEXT, "
        "reason TEXT NOT NULL, "
        "detail TEXT NOT NULL DEFAULT '', "
        "created_at INTEGER NOT NULL, "
        "resolved_at INTEGER)"
    )
    db.execute("CREATE INDEX sync_issue_open ON sync_issue(resolved_at, entity_id)")

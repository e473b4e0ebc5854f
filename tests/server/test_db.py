"""The schema, its migrations, the engine's SQLite settings, init and the change-log lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from tests.server.conftest import ServerUnderTest
from zhangye_desk.core.directory import read_directory
from zhangye_desk.server import dbadmin, feed
from zhangye_desk.server.app import create_app
from zhangye_desk.server.db import (
    change_log,
    create_engine_for,
    metadata,
    organisation,
    township,
    village,
    write_transaction,
)
from zhangye_desk.server.settings import (
    DB_ENV,
    Settings,
    SettingsError,
    default_db_url,
    display_url,
    sqlalchemy_url,
)


def test_the_migrations_create_exactly_the_schema_in_db_py(any_db_url: str) -> None:
    engine = create_engine_for(any_db_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_init_loads_the_directory_once(sqlite_url: str) -> None:
    engine = create_engine_for(sqlite_url)
    try:
        again = dbadmin.init_db(engine)  # the fixture already initialised it
        assert again["directory"] == {"townships": 0, "villages": 0, "organisations": 0}
        shipped = read_directory()
        with engine.connect() as conn:
            for table, key in (
                (township, "townships"),
                (village, "villages"),
                (organisation, "organisations"),
            ):
                assert conn.execute(select(func.count()).select_from(table)).scalar() == len(
                    shipped[key]
                )
            changes = conn.execute(select(func.count()).select_from(change_log)).scalar()
            assert changes == sum(len(rows) for rows in shipped.values())
            assert feed.server_epoch(conn) == again["server_epoch"]
    finally:
        engine.dispose()


def test_sqlite_connections_are_durable_and_checked(sqlite_url: str) -> None:
    engine = create_engine_for(sqlite_url)
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_a_failed_write_leaves_nothing_behind(server: ServerUnderTest) -> None:
    with pytest.raises(RuntimeError), write_transaction(server.engine) as conn:
        feed.set_meta(conn, "probe", "1")
        with conn.begin_nested():
            feed.set_meta(conn, "inner", "1")
        raise RuntimeError("boom")
    with server.conn() as conn:
        assert feed.get_meta(conn, "probe") is None and feed.get_meta(conn, "inner") is None


def test_an_empty_or_newer_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    settings = Settings(db_url=url, files_dir=tmp_path)
    with pytest.raises(dbadmin.SchemaError, match="init-db"):
        create_app(settings)
    dbadmin.init_db(url)
    assert dbadmin.schema_state(url).up_to_date
    engine = create_engine_for(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'ffff99'"))
        state = dbadmin.schema_state(engine)
        assert (state.current, state.known) == ("ffff99", False)
        with pytest.raises(dbadmin.SchemaError, match="newer"):
            dbadmin.migrate(engine)
        with pytest.raises(dbadmin.SchemaError, match="newer"):
            dbadmin.prepare_for_serving(engine)
    finally:
        engine.dispose()


def test_serving_initialises_an_empty_database(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'new' / 'server.sqlite3'}")
    try:
        dbadmin.prepare_for_serving(engine)
        assert dbadmin.schema_state(engine).up_to_date
    finally:
        engine.dispose()


def test_database_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert sqlalchemy_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert sqlalchemy_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"
    assert sqlalchemy_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(SettingsError):
        sqlalchemy_url("mysql://h/db")
    assert display_url("postgresql://zhang:s3cret@h:5432/db") == "postgresql://zhang:***@h:5432/db"
    monkeypatch.setenv(DB_ENV, "postgresql://h/county")
    assert default_db_url() == "postgresql://h/county" == Settings().db_url
    monkeypatch.delenv(DB_ENV)
    assert default_db_url().startswith("sqlite:///") and "ZhangyeServer" in default_db_url()


def test_postgresql_change_ids_become_visible_in_commit_order(
    initialised_postgres_url: str,
) -> None:
    """A writer that took its change id later cannot commit before an earlier one: the
    second waits on the advisory lock until the first commits, so no reader ever sees id N+1
    while N is still invisible (a cursor would skip N)."""
    engine = create_engine_for(initialised_postgres_url)
    ids: dict[str, int] = {}
    try:
        first = engine.connect()
        tx = first.begin()
        ids["first"] = feed.append_change(first, "person", "upsert", "p1", now=1, version=1)

        def second_writer() -> None:
            with write_transaction(engine) as conn:
                ids["second"] = feed.append_change(conn, "person", "upsert", "p2", now=1)

        thread = threading.Thread(target=second_writer)
        thread.start()
        with engine.connect() as probe:  # wait until the second writer waits for the lock
            deadline = time.monotonic() + 10
            while not probe.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar():
                assert time.monotonic() < deadline, "the second writer never waited"
                probe.rollback()
        assert "second" not in ids
        tx.commit()
        first.close()
        thread.join(timeout=10)
        assert ids["second"] > ids["first"]
    finally:
        engine.dispose()

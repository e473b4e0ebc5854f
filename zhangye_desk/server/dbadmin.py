"""Creating and upgrading the server database, always through Alembic.

``init_db`` migrates to the newest revision, makes the server epoch and loads the Sunan
township directory (``resources/sunan``) into the tables and the change log; it is idempotent.
``migrate`` only upgrades. ``schema_state`` says where a database stands and
``prepare_for_serving`` refuses to serve one that is behind (run ``migrate`` first, after a
backup) or ahead (written by a newer server). ``compact_feed`` forgets change-feed entries
older than the tombstone horizon (``serve`` runs it at start). ``new_epoch`` is for after
restoring the database from a backup: every laptop then re-syncs from a snapshot and re-pushes
what it holds.

The Alembic configuration is built in code (``script_location`` inside this package), so no
alembic.ini is needed at runtime.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from ..core.ids import now as epoch_now
from . import feed, service
from .db import create_engine_for, write_transaction
from .settings import display_url, sqlalchemy_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaError(RuntimeError):
    """The database is not at this server's schema (the message says what to run)."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: an empty database
    head: str
    known: bool  # False: a revision this server does not know (a newer server wrote it)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # configparser interpolation: a literal % (in a password) must be doubled.
        config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _state(conn: Connection) -> SchemaState:
    current = MigrationContext.configure(conn).get_current_revision()
    script = ScriptDirectory.from_config(alembic_config())
    known = current is None or script.get_revision(current) is not None
    head = script.get_current_head()
    assert head is not None
    return SchemaState(current=current, head=head, known=known)


def _known_state(conn: Connection) -> SchemaState:
    try:
        return _state(conn)
    except Exception as exc:  # alembic raises its own errors for unknown revisions
        current = MigrationContext.configure(conn).get_current_revision()
        log.debug("unknown schema revision %s: %s", current, exc)
        return SchemaState(current=current, head=_head(), known=False)


def schema_state(url_or_engine: str | Engine) -> SchemaState:
    engine = _engine(url_or_engine)
    try:
        with engine.connect() as conn:
            return _known_state(conn)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def _engine(url_or_engine: str | Engine) -> Engine:
    return create_engine_for(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine


def migrate(url_or_engine: str | Engine) -> str:
    """Upgrade the database to the newest schema; returns the revision. Refuses a database
    written by a newer server."""
    engine = _engine(url_or_engine)
    try:
        with engine.connect() as conn:
            state = _known_state(conn)
        if not state.known:
            raise SchemaError(
                f"the database is at revision {state.current}, which this server does not "
                "know: it was written by a newer zhangye-server; install that version"
            )
        if state.up_to_date:
            return state.head
        config = alembic_config()
        with write_transaction(engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        log.info("migrated %s from %s to %s", _where(engine), state.current, state.head)
        return state.head
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def init_db(url_or_engine: str | Engine, *, directory: Path | None = None) -> dict[str, Any]:
    """Create or upgrade the schema, make the server epoch and load the township directory.

    Returns ``{"revision", "server_epoch", "directory": {kind: changed}}``. Running it again
    changes nothing.
    """
    engine = _engine(url_or_engine)
    try:
        revision = migrate(engine)
        with write_transaction(engine) as conn:
            epoch = feed.ensure_epoch(conn)
            loaded = service.load_directory(conn, directory, now=epoch_now())
        return {"revision": revision, "server_epoch": epoch, "directory": loaded}
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def prepare_for_serving(engine: Engine) -> None:
    """Initialise an empty database (the one-command SQLite install); refuse one that is
    behind or ahead of this server with a message saying what to do."""
    with engine.connect() as conn:
        state = _known_state(conn)
    if state.current is None:
        log.info("initialising the empty database %s", _where(engine))
        init_db(engine)
        return
    if not state.known:
        raise SchemaError(
            f"the database {_where(engine)} was written by a newer zhangye-server "
            f"(revision {state.current}); install that version"
        )
    if not state.up_to_date:
        raise SchemaError(
            f"the database {_where(engine)} needs an upgrade ({state.current} → {state.head}): "
            "back it up, then run `zhangye-server migrate`"
        )


def compact_feed(engine: Engine, *, horizon_s: int) -> dict[str, int]:
    """Forget change-feed entries older than the horizon that laptops no longer need
    (``feed.compact``); run when the server starts."""
    with write_transaction(engine) as conn:
        result = feed.compact(conn, now=epoch_now(), horizon_s=horizon_s)
    if any(result.values()):
        log.info("compacted the change feed: %s", result)
    return result


def new_epoch(url_or_engine: str | Engine) -> str:
    """Give the server a new epoch (after restoring the database from a backup)."""
    engine = _engine(url_or_engine)
    try:
        with write_transaction(engine) as conn:
            return feed.new_epoch(conn)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def _where(engine: Engine) -> str:
    return display_url(engine.url.render_as_string(hide_password=True))

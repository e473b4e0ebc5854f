"""The central server's settings and where its data lives by default.

``Settings`` is a plain frozen dataclass handed to ``create_app`` and ``serve``; nothing reads the
environment at import time. Defaults: a SQLite file in the server's platformdirs data folder
(app "ZhangyeServer"), overridden by ``ZHANGYE_SERVER_DB``; material files beside it.
``sqlalchemy_url`` turns what a user types after ``--db`` into a SQLAlchemy URL:
``sqlite:///path`` (or a bare file path) and ``postgresql://…`` (driven by psycopg 3).

Nothing here opens a database or imports FastAPI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "ZhangyeServer"
APP_AUTHOR = "Zhangye"
DB_ENV = "ZHANGYE_SERVER_DB"
DB_FILENAME = "zhangye-server.sqlite3"

DAY_S = 24 * 3600


class SettingsError(ValueError):
    """A setting the server cannot use (the message says which and why)."""


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_db_url() -> str:
    """``ZHANGYE_SERVER_DB`` if set, else a SQLite file in the server's data folder."""
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return env
    return f"sqlite:///{data_dir() / DB_FILENAME}"


def default_files_dir() -> Path:
    """Content-addressed material files live beside the default database."""
    return data_dir() / "files"


def sqlalchemy_url(url: str) -> str:
    """A user's ``--db`` value as a SQLAlchemy URL (psycopg 3 for PostgreSQL).

    Accepts ``sqlite:///relative.db``, ``sqlite:////abs/path.db``, a bare file path,
    ``postgresql://…``, ``postgres://…`` and URLs that already name a driver.
    """
    text = url.strip()
    if not text:
        raise SettingsError("the database URL is empty")
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if text.startswith(("postgresql+", "sqlite:", "sqlite+")):
        return text
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise SettingsError(
            f"unsupported database {scheme!r}: use sqlite:///FILE or postgresql://USER@HOST/DB"
        )
    # A bare path: the embedded default, spelled the short way.
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    head, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    user = credentials.split(":", 1)[0]
    hidden = f"{user}:***" if ":" in credentials else user
    return f"{head}://{hidden}@{host}"


@dataclass(frozen=True)
class Settings:
    """Everything one server process needs; build it in the CLI or a test, pass it down."""

    db_url: str = field(default_factory=default_db_url)
    files_dir: Path = field(default_factory=default_files_dir)
    host: str = "127.0.0.1"
    port: int = 8765
    # Largest request body accepted on the wire (a push batch is at most 128 KiB compressed).
    max_request_bytes: int = 1024 * 1024
    # Largest push body once gunzipped: stops a small "zip bomb" from eating memory.
    max_decoded_bytes: int = 16 * 1024 * 1024
    enrol_code_ttl_s: int = 7 * DAY_S
    pull_page_default: int = 500
    pull_page_max: int = 2000
    # Deleted people's tombstones stay in the change feed at least this long (DESIGN §4).
    tombstone_horizon_s: int = 365 * DAY_S
    # A busy database answers 503 with this Retry-After (seconds).
    busy_retry_after_s: int = 5
    # Pushes decoded and applied at the same time; None: 2 on SQLite (one writer: one
    # applies while the next decodes), 4 on PostgreSQL.
    push_concurrency: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "files_dir", Path(self.files_dir))
        if self.max_request_bytes <= 0 or self.max_decoded_bytes < self.max_request_bytes:
            raise SettingsError("max_decoded_bytes must be ≥ max_request_bytes > 0")
        if not 0 < self.pull_page_default <= self.pull_page_max:
            raise SettingsError("pull_page_default must be in 1..pull_page_max")
        if self.push_concurrency is not None and self.push_concurrency < 1:
            raise SettingsError("push_concurrency must be at least 1")

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.db_url)

"""Shared fixtures: every test gets real SQLite files in its own temp folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from zhangye_desk.core.store import open_db
from zhangye_desk.paths import DataPaths


@pytest.fixture
def data_paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data").ensure()


@pytest.fixture
def db(data_paths: DataPaths) -> Iterator[Database]:
    """A fresh, migrated store (no townships loaded)."""
    database = open_db(data_paths.db)
    yield database
    database.close()


@pytest.fixture
def sunan_db(db: Database) -> Database:
    """A store with the shipped Sunan directory (townships, villages, organisations) loaded."""
    from zhangye_desk.core.directory import load_directory

    load_directory(db)
    return db

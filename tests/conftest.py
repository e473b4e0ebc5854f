"""Shared fixtures: every test gets real SQLite files in its own temp folder.

The Qt application is shared by the whole session (pytest-qt), so its screen is set here,
whichever test folder happens to create it first.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from tests.pgcluster import (  # noqa: F401 - fixtures shared by every test folder
    fresh_postgres_url,
    postgres_cluster,
    postgres_url,
)
from zhangye_desk.core.store import open_db
from zhangye_desk.paths import DataPaths

# Headless by default (CI has no display); a developer may still set QT_QPA_PLATFORM=xcb.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


# A township laptop's screen. Qt's offscreen platform defaults to 800×600, smaller than the
# window's minimum size, which would make geometry tests meaningless.
LAPTOP_SCREEN = {
    "name": "laptop",
    "x": 0,
    "y": 0,
    "width": 1366,
    "height": 768,
    "logicalDpi": 96,
    "logicalBpi": 96,
    "dpr": 1,
}


@pytest.fixture(scope="session")
def qapp_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """pytest-qt's QApplication arguments: offscreen runs get a 1366×768 screen."""
    args = [sys.argv[0]]
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        config = tmp_path_factory.mktemp("qpa") / "offscreen.json"
        config.write_text(json.dumps({"screens": [LAPTOP_SCREEN]}), encoding="utf-8")
        args += ["-platform", f"offscreen:configfile={config}"]
    return args

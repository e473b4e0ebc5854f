"""UI fixtures: a real store in a temp folder, the window in either language, isolated settings.

pytest-qt's single ``qapp`` is shared by the whole session, so each fixture installs the
language it needs (``install_translators`` replaces whatever an earlier test installed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from zhangye_desk.core.demo import generate_demo
from zhangye_desk.core.store import OpenStore, open_store
from zhangye_desk.paths import DataPaths
from zhangye_desk.ui.context import AppContext
from zhangye_desk.ui.fonts import apply_fonts
from zhangye_desk.ui.i18n import install_translators
from zhangye_desk.ui.main_window import MainWindow
from zhangye_desk.ui.task_runner import TaskRunner

# The real sync server for the sync page, download queue and enrolment tests (SQLite).
from .syncserver import central, fast_sync, proxy  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[Path]:
    """QSettings (geometry, last page, language …) go to the test's temp folder, never the
    user's config."""
    folder = tmp_path / "settings"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def zh_app(qapp: QApplication) -> QApplication:
    install_translators(qapp, "zh_CN")
    apply_fonts(qapp)
    return qapp


@pytest.fixture
def en_app(qapp: QApplication) -> QApplication:
    install_translators(qapp, "en")
    apply_fonts(qapp)
    return qapp


@pytest.fixture
def store(data_paths: DataPaths) -> Iterator[OpenStore]:
    """The store the window opens on: locked folder, migrated db, Sunan directory loaded."""
    opened = open_store(data_paths)
    yield opened
    opened.close()


def _window(qtbot: QtBot, store: OpenStore, lang: str) -> Iterator[MainWindow]:
    window = MainWindow(store, lang=lang)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


@pytest.fixture
def main_window(qtbot: QtBot, zh_app: QApplication, store: OpenStore) -> Iterator[MainWindow]:
    """The window in Chinese (the default language)."""
    yield from _window(qtbot, store, "zh_CN")


@pytest.fixture
def main_window_en(qtbot: QtBot, en_app: QApplication, store: OpenStore) -> Iterator[MainWindow]:
    yield from _window(qtbot, store, "en")


@pytest.fixture
def ctx(store: OpenStore) -> Iterator[AppContext]:
    """What a page is built with: the store, a task runner and the app-wide signals."""
    runner = TaskRunner()
    context = AppContext(store, runner, lang="zh_CN")
    yield context
    runner.cancel_all()
    runner.wait_for_done()


@pytest.fixture
def demo_store(store: OpenStore) -> OpenStore:
    """The store filled with a small Sunan demo: 300 people, 12 sessions, 200 marks in 大河乡
    (the two newest sessions are still open), plus the demo materials on disk."""
    generate_demo(
        store.db,
        materials_dir=store.paths.materials,
        people=300,
        sessions=12,
        marks=200,
        township="大河乡",
        seed=7,
    )
    return store

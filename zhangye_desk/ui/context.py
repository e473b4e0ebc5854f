"""What every page gets: the open store, the task runner, and the app-wide signals.

Pages talk to each other only through these signals (the frame switches pages), so no page
imports another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from sqlite_utils import Database

    from ..core.store import OpenStore
    from ..paths import DataPaths
    from .task_runner import TaskRunner


class AppContext(QObject):
    data_changed = Signal()  # something was written: refresh counts and lists
    open_attendance = Signal(str)  # session id: take attendance
    open_material = Signal(str, str)  # material id, session id ("" outside a session)
    open_person = Signal(str)  # person id: show on the roster page
    open_session = Signal(str)  # session id: show on the sessions page

    def __init__(
        self, store: OpenStore, tasks: TaskRunner, *, lang: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.lang = lang

    @property
    def db(self) -> Database:
        return self.store.db

    @property
    def paths(self) -> DataPaths:
        return self.store.paths

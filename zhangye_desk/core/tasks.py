"""Progress and cancellation for long work, without Qt.

A long job is a plain function ``fn(state: TaskState) -> result``: it calls ``state.report``
as it goes and ``state.check()`` where stopping is safe. The UI's task runner runs it on a
worker thread and relays the reports to the GUI thread; tests and the CLI call it directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressCallback = Callable[[int, int, str], None]


class Cancelled(Exception):
    """Raised by ``TaskState.check`` once the user asked to stop."""


class TaskState:
    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress

    def report(self, done: int, total: int, message: str = "") -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, message)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Stop here (raise Cancelled) if the user asked to."""
        if self._cancel.is_set():
            raise Cancelled()

"""The one task runner for background work in the window.

Work is a plain function ``fn(state: TaskState) -> result`` (see ``core.tasks``); the runner
runs it on a small thread pool and delivers progress, the result or the failure on the GUI
thread through signals connected to ``@Slot`` methods (never lambdas across threads). A
worker that needs the database opens its own connection (``core.store.connect_worker``): a
sqlite-utils ``Database`` belongs to the thread that opened it. Failures are shown to the user
by default (calm message for environment errors, see ``messages.show_error``). Quick writes
(a mark, a new session) stay on the GUI thread: they commit in well under a millisecond.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QWidget

from ..core.tasks import Cancelled, TaskState

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
Progress = Callable[[int, int, str], None]


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, the GUI thread's slots receive."""

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class TaskHandle(QObject):
    """One submitted task: cancel it, or ask whether it is still running."""

    def __init__(
        self,
        runner: TaskRunner,
        state: TaskState,
        on_done: Done | None,
        on_error: Failed | None,
        on_progress: Progress | None,
        on_cancelled: Callable[[], None] | None,
    ) -> None:
        super().__init__(runner)
        self.state = state
        self.running = True
        self._runner = runner
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        self._on_cancelled = on_cancelled
        self.relay = _Relay(self)
        self.relay.progressed.connect(self._progressed)
        self.relay.finished.connect(self._finished)
        self.relay.failed.connect(self._failed)
        self.relay.cancelled.connect(self._cancelled)

    def cancel(self) -> None:
        self.state.cancel()

    @Slot(int, int, str)
    def _progressed(self, done: int, total: int, message: str) -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, message)

    @Slot(object)
    def _finished(self, result: object) -> None:
        self._end()
        if self._on_done is not None:
            self._on_done(result)

    @Slot(object)
    def _failed(self, error: object) -> None:
        self._end()
        assert isinstance(error, BaseException)
        if self._on_error is not None:
            self._on_error(error)
        else:
            self._runner.report_error(error)

    @Slot()
    def _cancelled(self) -> None:
        self._end()
        if self._on_cancelled is not None:
            self._on_cancelled()

    def _end(self) -> None:
        self.running = False
        self._runner.forget(self)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[TaskState], Any], handle: TaskHandle) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._handle = handle
        self._relay = handle.relay

    def run(self) -> None:  # worker thread: touch no widgets, only emit
        try:
            result = self._fn(self._handle.state)
        except Cancelled:
            self._relay.cancelled.emit()
        except BaseException as exc:  # delivered to the GUI thread, never swallowed
            log.debug("task failed", exc_info=True)
            self._relay.failed.emit(exc)
        else:
            self._relay.finished.emit(result)


class TaskRunner(QObject):
    """Runs plain functions off the GUI thread and calls back on it."""

    def __init__(self, error_parent: QWidget | None = None, *, max_threads: int = 2) -> None:
        super().__init__(error_parent)
        self._error_parent = error_parent
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._active: set[TaskHandle] = set()

    def run(
        self,
        fn: Callable[[TaskState], Any],
        *,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        on_progress: Progress | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Start ``fn`` on a worker; callbacks run later on the GUI thread."""
        handle_ref: list[TaskHandle] = []

        def report(done: int, total: int, message: str) -> None:
            handle_ref[0].relay.progressed.emit(done, total, message)

        handle = TaskHandle(self, TaskState(report), on_done, on_error, on_progress, on_cancelled)
        handle_ref.append(handle)
        self._active.add(handle)
        self._pool.start(_Job(fn, handle))
        return handle

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def forget(self, handle: TaskHandle) -> None:
        self._active.discard(handle)
        handle.deleteLater()

    def cancel_all(self) -> None:
        for handle in list(self._active):
            handle.cancel()

    def wait_for_done(self, msecs: int = 30_000) -> bool:
        """Block until the workers are idle (shutdown and tests); results still queue."""
        return self._pool.waitForDone(msecs)

    def report_error(self, error: BaseException) -> None:
        from .messages import show_error

        if not isinstance(error, Exception):
            raise error
        log.warning("background task failed: %s: %s", type(error).__name__, error)
        show_error(self._error_parent, error)

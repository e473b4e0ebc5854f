"""The task runner and the rows model that every page builds on."""

from __future__ import annotations

import threading
from typing import Any

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from zhangye_desk.core.errors import DiskFullError
from zhangye_desk.core.tasks import TaskState
from zhangye_desk.ui.table_model import ROW_ROLE, Column, RowsTableModel
from zhangye_desk.ui.task_runner import TaskRunner


def test_rows_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = RowsTableModel(
        [Column("name", lambda: "Name"), Column("n", lambda: "N", format=lambda v, r: f"{v:,}")]
    )
    model.set_rows(
        [{"id": "a", "name": "才让卓玛", "n": 1200}, {"id": "b", "name": "安梅花", "n": 3}]
    )
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 1)) == "1,200"
    assert model.data(model.index(1, 0), ROW_ROLE)["name"] == "安梅花"
    assert model.find("b") == 1
    model.replace_row(1, {"id": "b", "name": "安梅花", "n": 4})
    assert model.data(model.index(1, 1)) == "4"
    qtmodeltester.check(model, force_py=True)


def test_task_result_and_progress_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gui_thread = threading.get_ident()
    seen: dict[str, Any] = {"progress": []}

    def work(state: TaskState) -> str:
        seen["worker_thread"] = threading.get_ident()
        for i in range(3):
            state.report(i + 1, 3, "step")
        return "done"

    def on_progress(done: int, total: int, message: str) -> None:
        seen["progress"].append((done, total, threading.get_ident()))

    def on_done(result: str) -> None:
        seen["result"] = (result, threading.get_ident())

    runner.run(work, on_done=on_done, on_progress=on_progress)
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == ("done", gui_thread)
    assert seen["worker_thread"] != gui_thread
    qtbot.waitUntil(lambda: len(seen["progress"]) == 3, timeout=5000)
    assert [p[:2] for p in seen["progress"]] == [(1, 3), (2, 3), (3, 3)]
    assert all(p[2] == gui_thread for p in seen["progress"])
    assert not runner.busy


def test_cancel_stops_a_task_at_its_next_check(qtbot: QtBot) -> None:
    runner = TaskRunner()
    started = threading.Event()
    outcome: list[str] = []

    def work(state: TaskState) -> None:
        started.set()
        while True:
            state.check()
            state.report(0, 0, "")

    handle = runner.run(
        work, on_done=lambda _: outcome.append("done"), on_cancelled=lambda: outcome.append("x")
    )
    assert started.wait(5)
    handle.cancel()
    qtbot.waitUntil(lambda: outcome == ["x"], timeout=5000)


def test_failures_reach_the_gui_thread_as_the_same_exception(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def work(state: TaskState) -> None:
        raise DiskFullError("database or disk is full")

    runner.run(work, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], DiskFullError)


def test_qt_calls_do_not_use_up_references_to_none_or_true(qtbot: QtBot) -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on every void C++ call and to
    True on every emit; the app then aborts (none_dealloc) after a few thousand calls. This
    guards the pinned Qt version: a day of taking attendance makes far more calls than this."""
    import sys

    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QWidget

    class Emitter(QObject):
        changed = Signal(bool)

    widget = QWidget()
    qtbot.addWidget(widget)
    emitter = Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(5000):
        widget.setEnabled(True)
        emitter.changed.emit(True)
    assert sys.getrefcount(None) - none_before > -50
    assert sys.getrefcount(True) - true_before > -50

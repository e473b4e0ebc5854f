"""The enrolment dialog against the real server: a pasted link enrols; a wrong, used code, a
wrong address and no network each get their plain Chinese message and change nothing."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from zhangye_desk.core.store import OpenStore
from zhangye_desk.sync.engine import OPTIONS_ENV
from zhangye_desk.sync.enrol_link import (
    BadAddress,
    BadEnrolLink,
    check_address,
    make_link,
    parse_link,
)
from zhangye_desk.ui.enrol_dialog import EnrolDialog
from zhangye_desk.ui.task_runner import TaskRunner

from .syncserver import UI_FAST, Central, FaultProxy, options_json

WAIT_MS = 30_000


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.cancel_all()
    tasks.wait_for_done()


def _dialog(qtbot: QtBot, runner: TaskRunner, store: OpenStore) -> EnrolDialog:
    dialog = EnrolDialog(runner, store.paths)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _device(store: OpenStore) -> str | None:
    row = store.db.execute("SELECT device_id FROM sync_state").fetchone()
    return None if row is None else row[0]


def _wait_answer(qtbot: QtBot, dialog: EnrolDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)


def test_a_pasted_enrolment_link_enrols_the_laptop(
    qtbot: QtBot, zh_app: QApplication, store: OpenStore, central: Central, proxy: FaultProxy,
    fast_sync: object, runner: TaskRunner,
) -> None:  # fmt: skip
    dialog = _dialog(qtbot, runner, store)
    dialog.link_edit.setText(make_link(proxy.url, central.enrol_code()))
    assert dialog.server_edit.text() == proxy.url  # filled in from the link
    assert dialog.code_edit.text()
    dialog.name_edit.setText("大河乡-笔记本-7")
    with qtbot.waitSignal(dialog.enrolled, timeout=WAIT_MS) as signal:
        qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    info = signal.args[0]
    assert info["township_code"] == "620721203" and "secret" not in info
    assert _device(store) == info["device_id"]
    assert store.db.execute("SELECT device_name FROM sync_state").fetchone()[0] == "大河乡-笔记本-7"


def test_wrong_and_used_codes_say_so_and_change_nothing(
    qtbot: QtBot, zh_app: QApplication, store: OpenStore, central: Central, proxy: FaultProxy,
    fast_sync: object, runner: TaskRunner,
) -> None:  # fmt: skip
    dialog = _dialog(qtbot, runner, store)
    dialog.server_edit.setText(proxy.url)
    dialog.code_edit.setText("AAAA-BBBB-CCCC")
    dialog.start_enrol()
    _wait_answer(qtbot, dialog)
    assert "登记码不正确" in dialog.message_label.text()
    assert dialog.isVisible() and _device(store) is None
    assert dialog.enrol_button.isEnabled()  # the user can correct it and try again

    used = central.enrol_code()
    from zhangye_desk.core.store import open_db

    other = open_db(store.paths.root.parent / "other.sqlite3")  # another laptop uses it first
    try:
        from zhangye_desk.sync.engine import enrol

        enrol(other, proxy.url, used, "另一台")
    finally:
        other.close()
    dialog.code_edit.setText(used)
    dialog.start_enrol()
    _wait_answer(qtbot, dialog)
    assert "已被使用过" in dialog.message_label.text()
    assert _device(store) is None


def test_a_wrong_address_and_no_network_get_their_messages(
    qtbot: QtBot, zh_app: QApplication, store: OpenStore, runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Give up on a dead address after a few quick retries (a site's link would wait longer).
    monkeypatch.setenv(OPTIONS_ENV, options_json(dataclasses.replace(UI_FAST, max_failures=3)))
    dialog = _dialog(qtbot, runner, store)
    dialog.server_edit.setText("ftp://县服务器")
    dialog.code_edit.setText("K7QH-2M9D-XW4P")
    dialog.start_enrol()
    assert not dialog.busy  # refused before any network work
    assert "服务器地址不正确" in dialog.message_label.text()

    dialog.link_edit.setText("https://example.org/no-code-here")
    assert "不是登记链接" in dialog.message_label.text()
    dialog.link_edit.clear()

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    dialog.server_edit.setText(f"http://127.0.0.1:{closed}")
    dialog.start_enrol()
    _wait_answer(qtbot, dialog)
    assert "无法连接服务器" in dialog.message_label.text()
    assert _device(store) is None


def test_enrolment_links_in_both_forms() -> None:
    link = parse_link("zhangye://enrol?server=https%3A%2F%2Fsync.example.gov.cn%3A8443&code=K7QH-2M9D")
    assert (link.server, link.code) == ("https://sync.example.gov.cn:8443", "K7QH-2M9D")
    link = parse_link("https://sync.example.gov.cn/zy/enrol?code=K7QH2M9DXW4P")
    assert (link.server, link.code) == ("https://sync.example.gov.cn/zy", "K7QH2M9DXW4P")
    assert parse_link(make_link("http://127.0.0.1:8000", "A B")).code == "A B"
    assert check_address("sync.example.gov.cn/") == "https://sync.example.gov.cn"
    for bad in ("zhangye://enrol?server=x", "zhangye://other?code=1", "mailto:a?code=1"):
        with pytest.raises((BadEnrolLink, BadAddress)):
            parse_link(bad)
    with pytest.raises(BadAddress):
        check_address("http://host:port")

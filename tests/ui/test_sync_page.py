"""The sync page and the frame's 同步 button against the real server (SQLite, port 0).

A sync started from the button ends with the receipt in words beside the laptop's own counts;
a quarantined record appears with the server's reason and what to do; a person conflict is
shown on the roster page; a captive portal and a revoked laptop get their plain Chinese
messages (the revoked one says the unsent records are kept); the window keeps processing
events while a slow link crawls; a clock warning is shown after the sync.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from tests.sync.httpfake import Answer, FakeServer
from zhangye_desk.core import outbox, people, sessions
from zhangye_desk.core.store import OpenStore
from zhangye_desk.sync.engine import Receipt, enrol, sync
from zhangye_desk.ui.main_window import MainWindow
from zhangye_desk.ui.pages.sync import SyncPage

from .syncserver import (
    TOWNSHIP,
    UI_FAST,
    Central,
    FaultProxy,
    enrolled,
    record,
)

WAIT_MS = 60_000


def start_from_frame(qtbot: QtBot, window: MainWindow) -> SyncPage:
    qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    page = window.current_page()
    assert isinstance(page, SyncPage)
    return page


def wait_done(qtbot: QtBot, page: SyncPage) -> None:
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)


def test_the_sync_button_syncs_and_shows_the_receipt_beside_the_laptops_counts(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object,
) -> None:  # fmt: skip
    enrolled(store, central, proxy)
    record(store, sessions_count=2, marks=15)
    main_window.refresh_status()
    pending = outbox.pending_count(store.db)
    assert pending > 0
    assert main_window.pending_label.text() == f"待同步的更改：{pending} 条"
    page = start_from_frame(qtbot, main_window)
    assert page.busy and not page.sync_button.isEnabled() and page.cancel_button.isEnabled()
    wait_done(qtbot, page)
    assert page.last_error is None
    assert "服务器已确认 2 场课堂、30 人次，与本机一致" in page.verdict_label.text()
    assert page.server_counts_label.text() == "2 场课堂、30 人次"
    assert page.local_counts_label.text() == "2 场课堂、30 人次"
    assert "上传了" in page.receipt_label.text()
    assert page.phases["push"].bar.value() == page.phases["push"].bar.maximum()
    qtbot.waitUntil(lambda: main_window.pending_label.text() == "待同步的更改：0 条")
    assert outbox.pending_count(store.db) == 0


def test_a_quarantined_record_is_listed_with_the_servers_reason(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object,
) -> None:  # fmt: skip
    enrolled(store, central, proxy)
    other = store.db.execute(
        "SELECT code FROM township WHERE code != ? ORDER BY code LIMIT 1", [TOWNSHIP]
    ).fetchone()[0]
    sessions.create_session(
        store.db, kind="horseback", title="外乡的课堂", township_code=other, place_name="冬窝子"
    )
    page = start_from_frame(qtbot, main_window)
    wait_done(qtbot, page)
    assert page.last_receipt is not None and page.last_receipt.quarantined
    assert "没能按原样处理" in page.receipt_label.text()
    assert page.issues_model.rowCount() == 1
    model = page.issues_model
    shown = [model.index(0, column).data() for column in range(model.columnCount())]
    assert "外乡的课堂" in shown[0]
    assert shown[1] == "这场课堂属于别的乡镇，不是本机所属乡镇"
    assert "没有丢失" in shown[2]
    assert "(1)" in page.tabs.tabText(1)
    # Dealt with: hidden, and it stays hidden.
    page.issues_table.selectRow(0)
    page.dismiss_selected()
    assert page.issues_model.rowCount() == 0
    page.refresh()
    assert page.issues_model.rowCount() == 0


def test_a_person_conflict_is_shown_on_the_person(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object, tmp_path: Any,
) -> None:  # fmt: skip
    from zhangye_desk.core.store import open_store
    from zhangye_desk.paths import DataPaths

    enrolled(store, central, proxy)
    person = store.db.execute(
        "SELECT id FROM person WHERE origin = 'server' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    # Another laptop changes the phone first and syncs.
    with open_store(DataPaths(tmp_path / "other").ensure(), daily_backup=False) as other:
        enrol(other.db, proxy.url, central.enrol_code(), "大河乡-笔记本-2", options=UI_FAST)
        sync(other.db, other.paths, options=UI_FAST)
        people.edit_person(other.db, person, {"phone": "13900000001"}, by="二号")
        sync(other.db, other.paths, options=UI_FAST)
    people.edit_person(store.db, person, {"phone": "13900000002"}, by="一号")
    page = start_from_frame(qtbot, main_window)
    wait_done(qtbot, page)
    assert page.last_receipt is not None
    assert [c["person_id"] for c in page.last_receipt.conflicts] == [person]
    assert page.issues_model.rowCount() == 1
    assert page.issues_model.index(0, 0).data().endswith("：电话")
    assert page.issues_model.index(0, 1).data() == "别人同时修改了这个人的同一项信息"
    # The roster page shows it on the person (the server's value came back with the pull).
    main_window.ctx.open_person.emit(person)
    roster = main_window.current_page()
    assert roster is not None and roster.key == "roster"
    note = roster.details.conflict_label  # type: ignore[attr-defined]
    assert note.isVisible() and "同步冲突" in note.text() and "电话" in note.text()
    assert people.get_person(store.db, person)["phone"] == "13900000001"


def test_a_captive_portal_says_log_in_first_and_counts_nothing_as_sent(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object,
) -> None:  # fmt: skip
    enrolled(store, central, proxy)
    record(store, sessions_count=1, marks=5)
    pending = outbox.pending_count(store.db)
    page_html = b"<html><head><title>WiFi</title></head><body>Please log in</body></html>"
    portal = Answer(200, page_html, {"Content-Type": "text/html; charset=utf-8"})
    with FakeServer(lambda seen: portal) as fake:
        proxy.target = ("127.0.0.1", int(fake.url.rsplit(":", 1)[1]))
        page = start_from_frame(qtbot, main_window)
        wait_done(qtbot, page)
    assert page.problem_label.isVisible()
    assert page.problem_label.text().startswith("当前网络需要先登录")
    assert "浏览器" in page.problem_label.text()
    assert outbox.pending_count(store.db) == pending
    assert page.sync_button.isEnabled()  # try again once logged in


def test_a_revoked_laptop_is_told_its_unsent_records_are_kept(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object,
) -> None:  # fmt: skip
    from zhangye_desk.server.auth import revoke_device
    from zhangye_desk.server.db import write_transaction

    info = enrolled(store, central, proxy)
    record(store, sessions_count=1, marks=6)
    pending = outbox.pending_count(store.db)
    with write_transaction(central.engine) as conn:
        revoke_device(conn, info["device_id"])
    page = start_from_frame(qtbot, main_window)
    wait_done(qtbot, page)
    text = page.problem_label.text()
    assert text.startswith("这台电脑已被县里停用")
    assert f"尚未上传的 {pending} 条更改" in text and "什么都没有删除" in text
    assert outbox.pending_count(store.db) == pending


def test_the_window_keeps_processing_events_during_a_slow_sync_and_stop_works(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object,
) -> None:  # fmt: skip
    enrolled(store, central, proxy)
    record(store, sessions_count=3, marks=20)
    proxy.latency_s = 0.15
    proxy.rate_bps = 48_000
    ticks: list[int] = []
    timer = QTimer(main_window)
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    page = start_from_frame(qtbot, main_window)
    qtbot.waitUntil(lambda: page.phases["push"].detail.text() != "", timeout=WAIT_MS)
    during = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= during + 10, timeout=WAIT_MS)
    assert page.busy  # still syncing over the slow link, and the timer kept firing
    page.cancel_sync()
    wait_done(qtbot, page)
    timer.stop()
    assert page.last_receipt is None
    left = outbox.pending_count(store.db)
    assert "下次同步会从这里继续" in page.state_label.text()
    assert f"还有 {left} 条更改" in page.state_label.text()
    # The next sync continues and finishes.
    proxy.latency_s, proxy.rate_bps = 0.0, None
    page.start_sync()
    wait_done(qtbot, page)
    assert outbox.pending_count(store.db) == 0
    assert "与本机一致" in page.verdict_label.text()


def test_a_wrong_clock_is_a_warning_after_the_sync(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    """The receipt's clock warning (the engine adds it above five minutes) in words."""
    page = main_window.show_page("sync")
    assert isinstance(page, SyncPage)
    receipt = Receipt(server_url="https://sync.example.gov.cn", started_at=0)
    receipt.server_counts = {"sessions": 0, "participant_times": 0}
    receipt.local_totals = {"sessions": 0, "participant_times": 0}
    receipt.totals_match = True
    receipt.warn("clock_offset", seconds=-1260)
    page.show_receipt(receipt)
    assert page.problem_label.isVisible()
    assert "本机时钟与服务器相差约 21 分钟" in page.problem_label.text()
    assert "与本机一致" in page.verdict_label.text()


def test_ctrl_7_opens_the_sync_page_and_it_invites_to_enrol(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    qtbot.keyClick(main_window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    page = main_window.current_page()
    assert isinstance(page, SyncPage)
    assert main_window.nav_buttons["sync"].text() == "同步"
    assert main_window.sync_button.text() == "同步"
    assert "尚未登记到服务器" in page.enrol_label.text()
    assert page.enrol_button.text() == "登记到服务器…"

"""USB bundles from the sync page (没有网络时：用U盘同步) against a real server database.

The page's buttons write the bundle with the real ``export_bundle``; the county side is the
real ``zhangye-server import-bundle`` process on the ``central`` fixture's database; the receipt
comes back through the page's other button. The file dialogs are replaced by functions that
return real paths (``SyncPage.choose_save_file`` / ``choose_open_file``).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.integration.conftest import REPO, server_env
from zhangye_desk.core import outbox
from zhangye_desk.core.store import OpenStore
from zhangye_desk.ui.main_window import MainWindow
from zhangye_desk.ui.pages.sync import SyncPage

from .syncserver import Central, FaultProxy, enrolled, record

WAIT_MS = 60_000


def sync_page(window: MainWindow) -> SyncPage:
    page = window.show_page("sync")
    assert isinstance(page, SyncPage)
    return page


def chooser(path: Path, calls: list[tuple[Any, ...]]) -> Any:
    def choose(*args: Any) -> tuple[str, str]:
        calls.append(args)
        return str(path), ""

    return choose


def export_from_page(qtbot: QtBot, page: SyncPage, bundle: Path) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    page.choose_save_file = chooser(bundle, calls)
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.bundle_busy, timeout=WAIT_MS)
    return calls


def import_receipt_from_page(qtbot: QtBot, page: SyncPage, receipt: Path) -> None:
    page.choose_open_file = chooser(receipt, [])
    qtbot.mouseClick(page.receipt_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.bundle_busy, timeout=WAIT_MS)


def county_imports(central: Central, bundle: Path, receipt: Path, *, named: bool = True) -> None:
    """The administrator's ``zhangye-server import-bundle`` (``named``: with ``--receipt``)."""
    chosen = ["--receipt", str(receipt)] if named else []
    result = subprocess.run(
        [sys.executable, "-m", "zhangye_desk.server.cli", "import-bundle", str(bundle),
         *chosen, "--db", central.db_url],
        capture_output=True, text=True, timeout=120, env=server_env(), cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert receipt.is_file()


def test_export_import_at_the_county_and_the_receipt_confirms_every_record(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object, tmp_path: Path,
) -> None:  # fmt: skip
    enrolled(store, central, proxy)
    record(store, sessions_count=2, marks=15)
    pending = outbox.pending_count(store.db)
    main_window.refresh_status()
    assert main_window.pending_label.text() == f"待同步的更改：{pending} 条"
    page = sync_page(main_window)
    assert page.bundle_box.isEnabled()
    usb = tmp_path / "usb"
    bundle, receipt = usb / "dahe.zybundle", usb / "dahe.receipt"  # the server's default name

    calls = export_from_page(qtbot, page, bundle)
    suggested = Path(calls[0][2]).name
    assert suggested == f"张掖流动课堂-大河乡-笔记本-1-{date.today().isoformat()}.zybundle"
    assert bundle.is_file()
    text = page.bundle_label.text()
    assert f"已把 {pending} 条未上传的记录写入 {bundle}" in text
    assert "带到县里" in text and "导入回执" in text
    assert outbox.pending_count(store.db) == pending  # exporting acknowledges nothing

    county_imports(central, bundle, receipt, named=False)
    import_receipt_from_page(qtbot, page, receipt)

    assert f"回执已导入：县里的服务器确认收到 {pending} 条记录" in page.bundle_label.text()
    assert "服务器已确认 2 场课堂、30 人次，与本机一致" in page.verdict_label.text()
    assert page.server_counts_label.text() == "2 场课堂、30 人次"
    assert outbox.pending_count(store.db) == 0
    qtbot.waitUntil(lambda: main_window.pending_label.text() == "待同步的更改：0 条")

    # The same receipt again changes nothing and says so.
    import_receipt_from_page(qtbot, page, receipt)
    assert "此前都已确认上传" in page.bundle_label.text()
    assert outbox.pending_count(store.db) == 0


def test_a_failed_export_and_a_damaged_receipt_say_so_and_change_nothing(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object, tmp_path: Path,
) -> None:  # fmt: skip
    enrolled(store, central, proxy)
    record(store, sessions_count=1, marks=10)
    pending = outbox.pending_count(store.db)
    page = sync_page(main_window)
    bundle, receipt = tmp_path / "dahe.zybundle", tmp_path / "dahe.zyreceipt"
    not_a_folder = tmp_path / "stick.txt"
    not_a_folder.write_text("a file, not a folder")
    export_from_page(qtbot, page, not_a_folder / "dahe.zybundle")
    assert "无法保存" in page.bundle_label.text() and "U盘是否插好" in page.bundle_label.text()
    assert outbox.pending_count(store.db) == pending
    export_from_page(qtbot, page, bundle)
    county_imports(central, bundle, receipt)
    cut = tmp_path / "cut.zyreceipt"
    cut.write_bytes(receipt.read_bytes()[:-20])  # a copy pulled out mid-way

    import_receipt_from_page(qtbot, page, cut)
    assert "文件不完整或已损坏" in page.bundle_label.text()
    assert "重新拷贝" in page.bundle_label.text()
    assert outbox.pending_count(store.db) == pending
    qtbot.wait(500)  # the status bar's refresh after data_changed (STATUS_REFRESH_MS)
    assert main_window.pending_label.text() == f"待同步的更改：{pending} 条"

    # The exported bundle is not a receipt: said so, nothing changed.
    import_receipt_from_page(qtbot, page, bundle)
    assert "不是服务器写出的回执" in page.bundle_label.text()
    assert outbox.pending_count(store.db) == pending
    assert page.export_button.isEnabled() and page.sync_button.isEnabled()


def test_nothing_to_export_says_so_and_writes_no_file(
    qtbot: QtBot, main_window: MainWindow, store: OpenStore, central: Central,
    proxy: FaultProxy, fast_sync: object, tmp_path: Path,
) -> None:  # fmt: skip
    enrolled(store, central, proxy)
    assert outbox.pending_count(store.db) == 0
    page = sync_page(main_window)
    bundle = tmp_path / "empty.zybundle"
    export_from_page(qtbot, page, bundle)
    assert "没有需要上传的记录" in page.bundle_label.text()
    assert not bundle.exists()


def test_before_enrolment_the_usb_buttons_are_off_and_say_why(
    qtbot: QtBot, main_window: MainWindow, tmp_path: Path
) -> None:
    page = sync_page(main_window)
    assert not page.bundle_box.isEnabled()
    assert "请先登记本机" in page.bundle_label.text()
    assert page.bundle_box.title() == "没有网络时：用U盘同步"
    assert page.export_button.text() == "导出到U盘…"
    assert page.receipt_button.text() == "导入回执…"

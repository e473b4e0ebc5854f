"""The sync page (同步): enrol, sync, watch it happen, read the receipt, deal with what is left.

``SyncPage`` starts ``sync.engine.sync`` on the task runner (its own store connection; the
window never waits on the network) and shows its progress by phase — uploading records,
updating the roster and materials list, downloading materials — with counts, bytes and time
left. Stop ends it at the engine's next safe point; everything committed stays and the next
sync continues from there. After a sync the receipt is shown in words beside the laptop's own
counts ("服务器已确认 12 场课堂、341 人次"); a mismatch is a problem, never hidden. Errors are
shown on the page in plain words with what to do (``ui.sync_messages``). Below: the material
download queue (``pages.downloads``) and the records the server reported back — quarantined
ops with the reason and what to do, person conflicts (also marked on the roster page).

The frame's 同步 button and Ctrl+7 lead here (``MainWindow``). Nothing here opens a
connection on the GUI thread.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...core import outbox, sync_issues
from ...core.tasks import TaskState
from ...paths import DataPaths
from ...sync.errors import SyncError
from ..fonts import scaled
from ..page import Page
from ..sync_messages import (
    megabytes,
    person_fields,
    quarantine_advice,
    quarantine_reason,
    sync_error_message,
    warning_text,
)
from ..table_model import Column, RowsTableModel
from .downloads import DownloadQueue

if TYPE_CHECKING:
    from ...sync.bundles import ExportResult, ReceiptResult
    from ...sync.engine import Receipt
    from ..context import AppContext
    from ..task_runner import TaskHandle

log = logging.getLogger(__name__)

PHASES = ("push", "pull", "download")
SYNC_BUTTON_HEIGHT_PX = 48
PROBLEM_STYLE = "color: #a33;"
OK_STYLE = "color: #276227;"
# An estimate of the time left is shown once a phase has run this long (before that it jumps).
ESTIMATE_AFTER_S = 2.0


def sync_in_worker(paths: DataPaths, state: TaskState) -> Receipt:
    """Worker: one sync on a connection of this thread (see task_runner)."""
    from ...core.store import connect_worker
    from ...sync.engine import sync

    db = connect_worker(paths.db)
    try:
        return sync(db, paths, state=state)
    finally:
        db.close()


def export_in_worker(paths: DataPaths, path: Path, state: TaskState) -> ExportResult:
    """Worker: write the unsynced changes to a bundle file (sync.bundles.export_bundle)."""
    from ...core.store import connect_worker
    from ...sync.bundles import export_bundle

    db = connect_worker(paths.db)
    try:
        return export_bundle(db, path)
    finally:
        db.close()


def receipt_in_worker(paths: DataPaths, path: Path, state: TaskState) -> ReceiptResult:
    """Worker: check a receipt file and acknowledge what it confirms (import_receipt)."""
    from ...core.store import connect_worker
    from ...sync.bundles import import_receipt

    db = connect_worker(paths.db)
    try:
        return import_receipt(db, path)
    finally:
        db.close()


# The file dialogs' signature (QFileDialog.getSaveFileName / getOpenFileName).
FileChooser = Callable[[QWidget, str, str, str], tuple[str, str]]


def bundle_file_name(device_name: str, day: date) -> str:
    """The suggested bundle name: 张掖流动课堂-<device name>-<date>.zybundle (no path signs)."""
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", device_name).strip("._") or "laptop"
    return f"张掖流动课堂-{name}-{day.isoformat()}.zybundle"


def _phase_title(phase: str) -> str:
    if phase == "push":
        return QCoreApplication.translate("SyncPage", "Uploading records")
    if phase == "pull":
        return QCoreApplication.translate("SyncPage", "Downloading the roster and materials list")
    return QCoreApplication.translate("SyncPage", "Downloading materials")


def _issue_what(value: Any, row: Any) -> str:
    label = row.get("label") or QCoreApplication.translate("SyncPage", "(not on this laptop)")
    if row.get("kind") == sync_issues.CONFLICT:
        text = QCoreApplication.translate("SyncPage", "Person %1: %2")
        return text.replace("%2", person_fields(row.get("fields") or [])).replace("%1", label)
    op_type = str(row.get("op_type") or "")
    if op_type.startswith("attendance."):
        text = QCoreApplication.translate("SyncPage", "A mark at the session %1")
    elif op_type.startswith("session."):
        text = QCoreApplication.translate("SyncPage", "The session %1")
    elif op_type.startswith("person."):
        text = QCoreApplication.translate("SyncPage", "The person %1")
    else:
        text = QCoreApplication.translate("SyncPage", "A record of %1")
    return text.replace("%1", label)


def _issue_reason(value: Any, row: Any) -> str:
    return quarantine_reason(str(row.get("reason") or ""))


def _issue_advice(value: Any, row: Any) -> str:
    return quarantine_advice(str(row.get("reason") or ""))


ISSUE_COLUMNS = (
    Column("label", lambda: QCoreApplication.translate("SyncPage", "Record"), _issue_what),
    Column("reason", lambda: QCoreApplication.translate("SyncPage", "What the server said"),
           _issue_reason),  # fmt: skip
    Column("advice", lambda: QCoreApplication.translate("SyncPage", "What you can do"),
           _issue_advice, tooltip=lambda row: _issue_advice(None, row)),  # fmt: skip
)


class _PhaseRow:
    """One phase's name, bar and detail line."""

    def __init__(self, parent: QWidget, phase: str) -> None:
        self.phase = phase
        self.name = QLabel(_phase_title(phase), parent)
        self.name.setWordWrap(True)
        self.bar = QProgressBar(parent)
        self.bar.setObjectName(f"progress_{phase}")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.detail = QLabel(parent)
        self.detail.setObjectName(f"detail_{phase}")
        self.detail.setMinimumWidth(180)
        self.started = 0.0
        self.first_done = 0


class SyncPage(Page):
    key = "sync"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._handle: TaskHandle | None = None
        self._bundle_handle: TaskHandle | None = None
        self.last_receipt: Receipt | None = None
        self.last_bundle: ExportResult | ReceiptResult | None = None
        # The file dialogs, replaceable (tests choose real files without a native dialog).
        self.choose_save_file: FileChooser = QFileDialog.getSaveFileName
        self.choose_open_file: FileChooser = QFileDialog.getOpenFileName
        self.last_error: BaseException | None = None
        self.enrolled = False
        self.device_name = ""

        heading = QLabel(self.tr("Sync"), self)
        heading.setFont(scaled(self.font(), 1.5, bold=True))
        self.enrol_label = QLabel(self)
        self.enrol_label.setObjectName("enrol_label")
        self.enrol_label.setWordWrap(True)
        self.enrol_button = QPushButton(self.tr("Enrol with a server…"), self)
        self.enrol_button.setObjectName("enrol_button")
        self.enrol_button.clicked.connect(self.open_enrol_dialog)
        top = QHBoxLayout()
        top.addWidget(self.enrol_label, 1)
        top.addWidget(self.enrol_button)

        self.sync_button = QPushButton(self.tr("Sync now"), self)
        self.sync_button.setObjectName("sync_button")
        self.sync_button.setMinimumHeight(SYNC_BUTTON_HEIGHT_PX)
        self.sync_button.setFont(scaled(self.font(), 1.2, bold=True))
        self.sync_button.clicked.connect(self.start_sync)
        self.cancel_button = QPushButton(self.tr("Stop"), self)
        self.cancel_button.setObjectName("cancel_sync")
        self.cancel_button.setMinimumHeight(SYNC_BUTTON_HEIGHT_PX)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_sync)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("sync_state")
        self.state_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.sync_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.state_label, 1)

        progress_box = QGroupBox(self.tr("Progress"), self)
        grid = QGridLayout(progress_box)
        self.phases: dict[str, _PhaseRow] = {}
        for row, phase in enumerate(PHASES):
            line = _PhaseRow(progress_box, phase)
            grid.addWidget(line.name, row, 0)
            grid.addWidget(line.bar, row, 1)
            grid.addWidget(line.detail, row, 2)
            self.phases[phase] = line
        grid.setColumnStretch(1, 1)

        receipt_box = QGroupBox(self.tr("Receipt of the last sync"), self)
        receipt_grid = QGridLayout(receipt_box)
        self.server_counts_label = QLabel(self)
        self.server_counts_label.setObjectName("server_counts")
        self.local_counts_label = QLabel(self)
        self.local_counts_label.setObjectName("local_counts")
        self.verdict_label = QLabel(self)
        self.verdict_label.setObjectName("receipt_verdict")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setFont(scaled(self.font(), 1.1, bold=True))
        self.receipt_label = QLabel(self)
        self.receipt_label.setObjectName("receipt_details")
        self.receipt_label.setWordWrap(True)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("sync_problem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label.hide()
        receipt_grid.addWidget(QLabel(self.tr("The server confirms:"), self), 0, 0)
        receipt_grid.addWidget(self.server_counts_label, 0, 1)
        receipt_grid.addWidget(QLabel(self.tr("Recorded on this laptop:"), self), 1, 0)
        receipt_grid.addWidget(self.local_counts_label, 1, 1)
        receipt_grid.addWidget(self.verdict_label, 2, 0, 1, 2)
        receipt_grid.addWidget(self.receipt_label, 3, 0, 1, 2)
        receipt_grid.addWidget(self.problem_label, 4, 0, 1, 2)
        receipt_grid.setColumnStretch(1, 1)

        self.bundle_box = QGroupBox(self.tr("No network: sync with a USB stick"), self)
        self.bundle_box.setObjectName("bundle_box")
        self.export_button = QPushButton(self.tr("Export to USB stick…"), self.bundle_box)
        self.export_button.setObjectName("export_bundle")
        self.export_button.clicked.connect(self.export_to_usb)
        self.receipt_button = QPushButton(self.tr("Import receipt…"), self.bundle_box)
        self.receipt_button.setObjectName("import_receipt")
        self.receipt_button.clicked.connect(self.import_receipt_file)
        self.bundle_label = QLabel(self.bundle_box)
        self.bundle_label.setObjectName("bundle_state")
        self.bundle_label.setWordWrap(True)
        self.bundle_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bundle_row = QHBoxLayout(self.bundle_box)
        bundle_row.addWidget(self.export_button)
        bundle_row.addWidget(self.receipt_button)
        bundle_row.addWidget(self.bundle_label, 1)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("sync_tabs")
        self.queue = DownloadQueue(ctx, self)
        self.queue.downloads_finished.connect(self._queue_finished)
        self.tabs.addTab(self.queue, self.tr("Material downloads"))
        issues = QWidget(self)
        self.issues_model = RowsTableModel(ISSUE_COLUMNS, self)
        self.issues_table = QTableView(issues)
        self.issues_table.setObjectName("issues_table")
        self.issues_table.setModel(self.issues_model)
        self.issues_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.issues_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issues_table.setWordWrap(True)
        self.issues_table.verticalHeader().hide()
        header = self.issues_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 260)
        header.resizeSection(1, 300)
        self.dismiss_button = QPushButton(self.tr("Dealt with: hide it"), issues)
        self.dismiss_button.setObjectName("dismiss_issue")
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        self.issues_note = QLabel(
            self.tr(
                "These records reached the server but could not be applied as sent. Nothing "
                "is lost: they wait on the server for the county administrator."
            ),
            issues,
        )
        self.issues_note.setWordWrap(True)
        issues_layout = QVBoxLayout(issues)
        issues_layout.setContentsMargins(6, 6, 6, 6)
        issues_layout.addWidget(self.issues_note)
        issues_layout.addWidget(self.issues_table, 1)
        dismiss_row = QHBoxLayout()
        dismiss_row.addStretch(1)
        dismiss_row.addWidget(self.dismiss_button)
        issues_layout.addLayout(dismiss_row)
        self.tabs.addTab(issues, self.tr("Records to check"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addLayout(top)
        layout.addLayout(actions)
        # Side by side: on a 1366×768 screen the queue below keeps room for its rows.
        middle = QHBoxLayout()
        middle.addWidget(progress_box, 1)
        middle.addWidget(receipt_box, 1)
        layout.addLayout(middle)
        layout.addWidget(self.bundle_box)
        layout.addWidget(self.tabs, 1)
        self._show_no_receipt()
        self.refresh()

    def title(self) -> str:
        return self.tr("Sync")

    # -- reading -------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        row = self.ctx.db.execute(
            "SELECT server_url, device_name, township_code, last_sync_at FROM sync_state "
            "WHERE id = 1"
        ).fetchone()
        server, name, township, last_sync = row if row is not None else (None, None, None, None)
        if server:
            text = self.tr("This laptop (“%1”) is enrolled with %2.")
            text = text.replace("%2", str(server)).replace("%1", str(name or ""))
            if last_sync:
                when = QDateTime.fromSecsSinceEpoch(int(last_sync))
                shown = QLocale().toString(when, QLocale.FormatType.ShortFormat)
                text += " " + self.tr("Last sync: %1.").replace("%1", shown)
            self.enrol_button.setText(self.tr("Enrol again…"))
        else:
            text = self.tr(
                "This laptop is not enrolled with a server yet. Everything works without one; "
                "to send the records to the county, enrol with the address and code the county "
                "administrator gives you."
            )
            self.enrol_button.setText(self.tr("Enrol with a server…"))
        self.enrolled = bool(server)
        self.device_name = str(name or "")
        self.enrol_label.setText(text)
        self._update_bundle_box()
        self._refresh_local_counts()
        self.refresh_issues()
        self.queue.refresh()

    def _refresh_local_counts(self) -> None:
        from ...core.status import local_totals

        local = local_totals(self.ctx.db)
        self.local_counts_label.setText(
            self._counts_text(local.get("sessions", 0), local.get("participant_times", 0))
        )

    def _counts_text(self, sessions: int, times: int) -> str:
        text = self.tr("%1 sessions, %2 participant-times")
        return text.replace("%2", str(times)).replace("%1", str(sessions))

    def refresh_issues(self) -> None:
        rows = sync_issues.open_issues(self.ctx.db)
        self.issues_model.set_rows(rows)
        self.issues_table.resizeRowsToContents()
        self.dismiss_button.setEnabled(bool(rows))
        label = self.tr("Records to check")
        self.tabs.setTabText(1, f"{label} ({len(rows)})" if rows else label)

    @Slot()
    def dismiss_selected(self) -> None:
        positions = sorted({i.row() for i in self.issues_table.selectionModel().selectedRows()})
        for position in positions:
            sync_issues.dismiss(self.ctx.db, int(self.issues_model.row(position)["id"]))
        if positions:
            self.refresh_issues()
            self.ctx.data_changed.emit()  # the roster's conflict markers

    # -- enrolment -----------------------------------------------------------------------
    @Slot()
    def open_enrol_dialog(self) -> bool:
        """The enrolment dialog; True when the laptop was enrolled."""
        from ..enrol_dialog import EnrolDialog, current_server, enrolled_text

        server, name = current_server(self.ctx.db)
        dialog = EnrolDialog(self.ctx.tasks, self.ctx.paths, server=server, name=name, parent=self)
        accepted = dialog.exec() == EnrolDialog.DialogCode.Accepted
        if accepted and dialog.result_info is not None:
            self.refresh()
            self.state_label.setText(enrolled_text(dialog.result_info))
            self.problem_label.hide()
            self.ctx.data_changed.emit()
        dialog.deleteLater()
        return accepted

    # -- syncing -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._handle is not None

    @Slot()
    def start_sync(self) -> None:
        """Start a sync on a worker (nothing happens if one is running)."""
        if self._handle is not None or self._bundle_handle is not None:
            return
        if self.queue.busy:
            # The sync downloads too and holds the same lock: finish the queue's run first.
            self.state_label.setText(self.tr("Pause the downloads below first, then sync."))
            return
        if not self.enrolled:
            self.refresh()
            if not self.enrolled and not self.open_enrol_dialog():
                return
        self.last_error = None
        self.problem_label.hide()
        for line in self.phases.values():
            line.bar.setRange(0, 1)
            line.bar.setValue(0)
            line.detail.setText("")
            line.started = 0.0
        self.state_label.setText(self.tr("Connecting to the server…"))
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.enrol_button.setEnabled(False)
        self.queue.set_sync_running(True)
        self.bundle_box.setEnabled(False)
        self._handle = self.ctx.tasks.run(
            partial(sync_in_worker, self.ctx.paths),
            on_done=self._finished,
            on_error=self._failed,
            on_progress=self._progressed,
            on_cancelled=self._cancelled,
        )

    @Slot()
    def cancel_sync(self) -> None:
        """Stop at the next safe point; what was committed stays, the next sync continues."""
        if self._handle is not None:
            self._handle.cancel()
            self.cancel_button.setEnabled(False)
            self.state_label.setText(self.tr("Stopping at the next safe point…"))

    def _progressed(self, done: int, total: int, phase: str) -> None:
        if not shiboken6.isValid(self) or phase not in self.phases:
            return
        line = self.phases[phase]
        now = time.monotonic()
        if not line.started:
            line.started, line.first_done = now, done
        # Earlier phases are over once a later one reports.
        for earlier in PHASES[: PHASES.index(phase)]:
            bar = self.phases[earlier].bar
            bar.setValue(bar.maximum())
        scale = 1024 if phase == "download" else 1  # bars count KiB: int32 holds 2 TiB
        line.bar.setRange(0, max(total // scale, 1))
        line.bar.setValue(min(done // scale, max(total // scale, 1)))
        if phase == "push":
            text = self.tr("%1 of %2 changes").replace("%2", str(total)).replace("%1", str(done))
            self.state_label.setText(self.tr("Uploading the records made on this laptop…"))
        elif phase == "pull":
            text = self.tr("page %1").replace("%1", str(done))
            self.state_label.setText(self.tr("Receiving the roster and the materials list…"))
        else:
            text = self.tr("%1 of %2").replace("%2", megabytes(total)).replace(
                "%1", megabytes(done)
            )
            self.state_label.setText(self.tr("Downloading material files…"))
        elapsed = now - line.started
        progressed = done - line.first_done
        if elapsed >= ESTIMATE_AFTER_S and progressed > 0 and done < total:
            seconds = int((total - done) * elapsed / progressed)
            if seconds >= 60:
                left = self.tr("about %1 min left").replace("%1", str(round(seconds / 60)))
            else:
                left = self.tr("about %1 s left").replace("%1", str(max(seconds, 1)))
            text += " · " + left
        line.detail.setText(text)

    def _end(self) -> None:
        self._handle = None
        if not shiboken6.isValid(self):
            return
        self.sync_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.enrol_button.setEnabled(True)
        self.queue.set_sync_running(False)
        self._update_bundle_box()

    def _finished(self, receipt: Receipt) -> None:
        self._end()
        if not shiboken6.isValid(self):
            return
        self.last_receipt = receipt
        for line in self.phases.values():
            line.bar.setValue(line.bar.maximum())
        self.state_label.setText(self.tr("Sync finished."))
        self.show_receipt(receipt)
        self.refresh()
        self.ctx.data_changed.emit()

    def _failed(self, error: BaseException) -> None:
        self._end()
        if not shiboken6.isValid(self):
            return
        self.last_error = error
        if not isinstance(error, SyncError):
            log.warning("sync failed: %s: %s", type(error).__name__, error)
        pending = outbox.pending_count(self.ctx.db)
        title, text = sync_error_message(error, pending=pending)
        self.state_label.setText(self.tr("The sync stopped."))
        self.problem_label.setText(f"{title}\n{text}")
        self.problem_label.setToolTip(f"{type(error).__name__}: {error}")
        self.problem_label.show()
        self.refresh()
        self.ctx.data_changed.emit()  # part of it may have been committed

    def _cancelled(self) -> None:
        self._end()
        if not shiboken6.isValid(self):
            return
        pending = outbox.pending_count(self.ctx.db)
        text = self.tr(
            "Stopped. Everything the server confirmed is kept; %1 changes wait and the next "
            "sync continues from here."
        )
        self.state_label.setText(text.replace("%1", str(pending)))
        self.refresh()
        self.ctx.data_changed.emit()

    @Slot()
    def _queue_finished(self) -> None:
        self._refresh_local_counts()

    # -- the receipt ---------------------------------------------------------------------
    def _show_no_receipt(self) -> None:
        self.server_counts_label.setText(self.tr("(no sync since the app was started)"))
        self.verdict_label.setText("")
        self.receipt_label.setText("")

    def show_receipt(self, receipt: Receipt) -> None:
        """The receipt in words: the server's figures beside this laptop's, and what else."""
        from ...sync.engine import describe

        figures = describe(receipt)
        local_text = self._counts_text(
            figures["local_sessions"], figures["local_participant_times"]
        )
        self.local_counts_label.setText(local_text)
        if receipt.server_counts is not None:
            self.server_counts_label.setText(
                self._counts_text(
                    receipt.server_counts.get("sessions", 0),
                    receipt.server_counts.get("participant_times", 0),
                )
            )
        else:
            self.server_counts_label.setText(self.tr("(the server sent no figures)"))
        if figures["match"] is True:
            text = self.tr("The server confirms %1 sessions and %2 participant-times: the same "
                           "as this laptop. Every record has arrived.")  # fmt: skip
            text = text.replace("%2", str(figures["participant_times"]))
            self.verdict_label.setText(text.replace("%1", str(figures["sessions"])))
            self.verdict_label.setStyleSheet(OK_STYLE)
        elif figures["match"] is False:
            text = self.tr(
                "The server's figures differ from this laptop's. Nothing was deleted here. "
                "Sync once more; if they still differ, show this receipt to the county "
                "administrator."
            )
            self.verdict_label.setText(text)
            self.verdict_label.setStyleSheet(PROBLEM_STYLE)
        else:
            text = self.tr(
                "%1 changes are still waiting to be sent, so the figures cannot be compared "
                "yet. Sync again to send them."
            )
            self.verdict_label.setText(text.replace("%1", str(receipt.pending_ops)))
            self.verdict_label.setStyleSheet(PROBLEM_STYLE)
        self.receipt_label.setText("\n".join(self._receipt_lines(receipt)))
        problems = [w for w in (warning_text(w) for w in receipt.warnings) if w]
        if problems:
            self.problem_label.setText("\n".join(problems))
            self.problem_label.setToolTip("")
            self.problem_label.show()
        else:
            self.problem_label.hide()

    def _receipt_lines(self, receipt: Receipt) -> list[str]:
        lines = []
        text = self.tr("Uploaded %1 changes (%2 already on the server).")
        lines.append(
            text.replace("%2", str(receipt.duplicates)).replace("%1", str(receipt.ops_acked))
        )
        people = sum(receipt.people.values())
        materials_changed = sum(receipt.materials.values())
        if people or materials_changed:
            text = self.tr("Roster: %1 people updated; materials list: %2 entries updated.")
            lines.append(
                text.replace("%2", str(materials_changed)).replace("%1", str(people))
            )
        if receipt.files_downloaded:
            text = self.tr("%1 material files downloaded (%2) and checked.")
            lines.append(
                text.replace("%2", megabytes(receipt.bytes_downloaded)).replace(
                    "%1", str(receipt.files_downloaded)
                )
            )
        if receipt.files_deferred:
            text = self.tr(
                "%1 large files wait in the download queue below until you choose them."
            )
            lines.append(text.replace("%1", str(receipt.files_deferred)))
        if receipt.files_pending:
            text = self.tr("%1 material files continue with the next sync.")
            lines.append(text.replace("%1", str(receipt.files_pending)))
        if receipt.files_failed:
            text = self.tr(
                "%1 material files did not match their check and were discarded; they are "
                "downloaded again next time."
            )
            lines.append(text.replace("%1", str(len(receipt.files_failed))))
        issues = len(receipt.quarantined) + len(receipt.conflicts)
        if issues:
            text = self.tr(
                "%1 records could not be applied as sent: see “Records to check” below. "
                "Nothing is lost."
            )
            lines.append(text.replace("%1", str(issues)))
        return lines

    # -- USB bundles (no network) ---------------------------------------------------------
    @property
    def bundle_busy(self) -> bool:
        return self._bundle_handle is not None

    def _update_bundle_box(self) -> None:
        self.bundle_box.setEnabled(
            self.enrolled and self._handle is None and self._bundle_handle is None
        )
        if not self.enrolled:
            self.bundle_label.setText(
                self.tr(
                    "Enrol this laptop first (once, with the county's code); then it can "
                    "carry its records on a USB stick."
                )
            )  # fmt: skip

    def _bundle_started(self, text: str) -> None:
        self.bundle_label.setText(text)
        self.bundle_label.setStyleSheet("")
        self.bundle_label.setToolTip("")
        self.sync_button.setEnabled(False)
        self.enrol_button.setEnabled(False)
        self.bundle_box.setEnabled(False)

    def _bundle_ended(self) -> None:
        self._bundle_handle = None
        if not shiboken6.isValid(self):
            return
        self.sync_button.setEnabled(True)
        self.enrol_button.setEnabled(True)
        self.refresh()
        self.ctx.data_changed.emit()  # the status bar's unsynced count

    @Slot()
    def export_to_usb(self) -> None:
        """Ask where to save, then write every unsynced change to that bundle file."""
        if self._handle is not None or self._bundle_handle is not None or not self.enrolled:
            return
        suggested = Path.home() / bundle_file_name(self.device_name, date.today())
        chosen, _ = self.choose_save_file(
            self,
            self.tr("Save the records for the county"),
            str(suggested),
            self.tr("Zhangye Desk bundle (*.zybundle);;All files (*)"),
        )
        if not chosen:
            return
        path = Path(chosen)
        self._bundle_started(self.tr("Writing the records to %1…").replace("%1", str(path)))
        self._bundle_handle = self.ctx.tasks.run(
            partial(export_in_worker, self.ctx.paths, path),
            on_done=self._exported,
            on_error=partial(self._bundle_failed, path),
        )

    def _exported(self, result: ExportResult) -> None:
        self._bundle_ended()
        if not shiboken6.isValid(self):
            return
        self.last_bundle = result
        if result.path is None:
            text = self.tr("Nothing is waiting to be sent: every record has reached the "
                           "server already. No file was written.")  # fmt: skip
        else:
            text = self.tr(
                "%1 unsynced records were written to %2.\n"
                "Next: take this file to the county office and ask the administrator to "
                "import it; bring back the receipt file they give you and choose “Import "
                "receipt…”. Until then these records still count as not uploaded."
            )
            text = text.replace("%2", str(result.path)).replace("%1", str(result.ops))
        self.bundle_label.setText(text)
        self.bundle_label.setStyleSheet(OK_STYLE if result.path is not None else "")

    @Slot()
    def import_receipt_file(self) -> None:
        """Ask for the county's receipt file, then acknowledge what it confirms."""
        if self._handle is not None or self._bundle_handle is not None or not self.enrolled:
            return
        chosen, _ = self.choose_open_file(
            self,
            self.tr("Choose the receipt from the county"),
            str(Path.home()),
            self.tr("Receipts (*.zyreceipt *.receipt);;All files (*)"),
        )
        if not chosen:
            return
        path = Path(chosen)
        self._bundle_started(self.tr("Checking the receipt %1…").replace("%1", str(path)))
        self._bundle_handle = self.ctx.tasks.run(
            partial(receipt_in_worker, self.ctx.paths, path),
            on_done=self._receipt_imported,
            on_error=partial(self._bundle_failed, path),
        )

    def _receipt_imported(self, result: ReceiptResult) -> None:
        self._bundle_ended()
        if not shiboken6.isValid(self):
            return
        self.last_bundle = result
        lines = []
        if result.ops_acked:
            text = self.tr("Receipt imported: the county server confirms %1 records.")
            lines.append(text.replace("%1", str(result.ops_acked)))
        elif result.already_acked:
            lines.append(self.tr("Every record in this receipt was confirmed before; nothing "
                                 "changed."))  # fmt: skip
        if result.stale_batches:
            lines.append(self.tr(
                "Part of the receipt does not match the records this laptop holds now (synced "
                "since, or the data file was replaced); that part changed nothing."
            ))  # fmt: skip
        refused = (result.refused or {}).get("error")
        if refused == "gap":
            lines.append(self.tr(
                "The server was restored from a backup and lacks some of this laptop's "
                "records; they are marked as not uploaded again. Export a new file (or sync "
                "over the network)."
            ))  # fmt: skip
        elif refused == "seq_reuse":
            lines.append(self.tr(
                "The data file was replaced by an older copy; the clashing records got a new "
                "number. Export a new file (or sync over the network)."
            ))  # fmt: skip
        self.bundle_label.setText("\n".join(lines))
        self.bundle_label.setStyleSheet(OK_STYLE if result.ops_acked else "")
        self._show_bundle_receipt(result)

    def _show_bundle_receipt(self, result: ReceiptResult) -> None:
        """The receipt box, as after a network sync: the county's figures beside ours."""
        local = result.local_totals
        self.local_counts_label.setText(
            self._counts_text(local.get("sessions", 0), local.get("participant_times", 0))
        )
        server = result.server_counts
        if server is not None:
            self.server_counts_label.setText(
                self._counts_text(server.get("sessions", 0), server.get("participant_times", 0))
            )
        else:
            self.server_counts_label.setText(self.tr("(the server sent no figures)"))
        if result.totals_match is True and server is not None:
            text = self.tr("The server confirms %1 sessions and %2 participant-times: the same "
                           "as this laptop. Every record has arrived.")  # fmt: skip
            text = text.replace("%2", str(server.get("participant_times", 0)))
            self.verdict_label.setText(text.replace("%1", str(server.get("sessions", 0))))
            self.verdict_label.setStyleSheet(OK_STYLE)
        elif result.totals_match is False:
            self.verdict_label.setText(self.tr(
                "The server's figures differ from this laptop's. Nothing was deleted here. "
                "Sync once more; if they still differ, show this receipt to the county "
                "administrator."
            ))  # fmt: skip
            self.verdict_label.setStyleSheet(PROBLEM_STYLE)
        elif result.pending_ops:
            text = self.tr(
                "%1 changes are still waiting to be sent (recorded after the export, "
                "or not in this receipt). Export again, or sync over the network."
            )
            self.verdict_label.setText(text.replace("%1", str(result.pending_ops)))
            self.verdict_label.setStyleSheet(PROBLEM_STYLE)
        else:
            self.verdict_label.setText("")
        lines = []
        issues = len(result.quarantined) + len(result.conflicts)
        if issues:
            text = self.tr(
                "%1 records could not be applied as sent: see “Records to check” below. "
                "Nothing is lost."
            )
            lines.append(text.replace("%1", str(issues)))
        self.receipt_label.setText("\n".join(lines))
        self.problem_label.hide()

    def _bundle_failed(self, path: Path, error: BaseException) -> None:
        self._bundle_ended()
        if not shiboken6.isValid(self):
            return
        self.last_error = error
        self.bundle_label.setText(self._bundle_error_text(error, path))
        self.bundle_label.setStyleSheet(PROBLEM_STYLE)
        self.bundle_label.setToolTip(f"{type(error).__name__}: {error}")

    def _bundle_error_text(self, error: BaseException, path: Path) -> str:
        from ...sync.bundles import BundleError
        from ...sync.errors import NotEnrolled

        code = error.code if isinstance(error, BundleError) else ""
        if isinstance(error, NotEnrolled):
            return self.tr("This laptop is not enrolled with a server; enrol it first. "
                           "Nothing was changed.")  # fmt: skip
        if code == "bundle_damaged":
            return self.tr(
                "The file is incomplete or damaged (perhaps the copy was cut "
                "short). Nothing was changed. Copy the file again and retry."
            )
        if code == "bundle_wrong_kind":
            return self.tr(
                "This file is not a receipt written by the server (did you choose "
                "the exported file?). Nothing was changed. Choose the receipt."
            )
        if code == "bundle_protocol":
            return self.tr("The file was written by an incompatible version. Nothing was "
                           "changed. Install the latest Zhangye Desk.")  # fmt: skip
        if code == "bundle_not_authentic":
            return self.tr(
                "The receipt's signature does not match (the file was changed, or this laptop "
                "was enrolled again since). Nothing was changed. Ask the county administrator "
                "to import the file again for a new receipt."
            )
        if code == "receipt_foreign":
            return self.tr("This receipt belongs to another laptop. Nothing was changed. Find "
                           "the receipt for this laptop's file.")  # fmt: skip
        if code == "receipt_stale":
            return self.tr(
                "This receipt is out of date (this laptop's data file has a new number since). "
                "Nothing was changed. Export a new file (or sync over the network)."
            )
        if code == "bundle_unreadable":
            return self.tr("The file cannot be read. Check the USB stick and the file, then "
                           "try again. Nothing was changed.")  # fmt: skip
        if isinstance(error, OSError):
            text = self.tr(
                "Cannot write %1. Check that the USB stick is plugged in and not "
                "full, then try again. No record here was changed."
            )
            return text.replace("%1", str(path))
        log.warning("bundle failed: %s: %s", type(error).__name__, error)
        return self.tr("That did not work. No record here was changed. Try again; if it keeps "
                       "failing, call the county administrator.")  # fmt: skip

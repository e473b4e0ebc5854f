"""The material download queue, shown on the sync page (not a navigation page of its own).

It lists the new and updated materials whose files this laptop does not have yet, with their
size, how much an interrupted download already holds, and whether the next sync fetches them
(``core.materials.effective_choice``: small and priority files automatically, large videos
only once chosen) — before any byte is downloaded. The user can choose files ("download
now"), defer them to a better connection, pause a running download and resume it later (the
``.part`` file keeps every verified byte), and sees each file's progress. Free disk space is
checked before anything is fetched (``sync.engine.download_materials`` raises DiskFull first).
A file is usable (``file_state = 'present'``) only once its sha256 matched; the engine sees to
that. Downloads run on the task runner with their own store connection.

Strings are in this module's catalogue (``pages/downloads_zh_CN.ts``).
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core import materials
from ...core.tasks import TaskState
from ...paths import DataPaths
from ...sync import downloads
from ...sync.errors import SyncError
from ..sync_messages import megabytes, sync_error_message
from ..table_model import Column, RowsTableModel

if TYPE_CHECKING:
    from ...sync.engine import Receipt
    from ..context import AppContext
    from ..task_runner import TaskHandle

log = logging.getLogger(__name__)

TABLE_MIN_HEIGHT_PX = 160


def download_in_worker(paths: DataPaths, material_ids: list[str], state: TaskState) -> Receipt:
    """Worker: download these materials' files on a connection of this thread."""
    from ...core.store import connect_worker
    from ...sync.engine import download_materials

    db = connect_worker(paths.db)
    try:
        return download_materials(db, paths, material_ids, state=state)
    finally:
        db.close()


def _kind(mime: Any, row: Any) -> str:
    text = str(mime or "")
    if text.startswith("video/"):
        return QCoreApplication.translate("DownloadQueue", "Video")
    if text.startswith("audio/"):
        return QCoreApplication.translate("DownloadQueue", "Audio")
    return QCoreApplication.translate("DownloadQueue", "Document")


def _size(value: Any, row: Any) -> str:
    return megabytes(int(value or 0))


def _choice(value: Any, row: Any) -> str:
    if row.get("effective") == materials.CHOICE_WANTED:
        if row.get("download_choice") == materials.CHOICE_WANTED:
            return QCoreApplication.translate("DownloadQueue", "Chosen: next download")
        return QCoreApplication.translate("DownloadQueue", "Automatic: next sync")
    if row.get("download_choice") == materials.CHOICE_DEFERRED:
        return QCoreApplication.translate("DownloadQueue", "Deferred")
    return QCoreApplication.translate("DownloadQueue", "Waits for a better connection")


def _progress(value: Any, row: Any) -> str:
    size = int(row.get("size") or 0)
    have = int(row.get("have") or 0)
    if row.get("done"):
        return QCoreApplication.translate("DownloadQueue", "Downloaded and checked")
    if not have:
        return "—"
    percent = min(100, 100 * have // max(size, 1))
    return f"{percent}%  ({megabytes(have)})"


COLUMNS = (
    Column("title", lambda: QCoreApplication.translate("DownloadQueue", "Material")),
    Column("mime", lambda: QCoreApplication.translate("DownloadQueue", "Kind"), _kind),
    Column(
        "size",
        lambda: QCoreApplication.translate("DownloadQueue", "Size"),
        _size,
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
    ),
    Column("effective", lambda: QCoreApplication.translate("DownloadQueue", "When"), _choice),
    Column("have", lambda: QCoreApplication.translate("DownloadQueue", "Downloaded"), _progress),
)


class DownloadQueue(QWidget):
    """The queue of material files to download; see the module docstring."""

    # Emitted on the GUI thread when a download run ended (finished, paused or failed).
    downloads_finished = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("download_queue")
        self._handle: TaskHandle | None = None
        self._running: list[dict[str, Any]] = []  # rows being downloaded, in engine order
        self._started = 0.0
        self._sync_running = False
        self.last_receipt: Receipt | None = None

        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("queue_summary")
        self.summary_label.setWordWrap(True)
        self.model = RowsTableModel(COLUMNS, self)
        self.table = QTableView(self)
        self.table.setObjectName("queue_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(TABLE_MIN_HEIGHT_PX)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        self.download_button = QPushButton(self.tr("Download selected now"), self)
        self.download_button.setObjectName("download_selected")
        self.download_button.clicked.connect(self.download_selected)
        self.defer_button = QPushButton(self.tr("Defer to a better connection"), self)
        self.defer_button.setObjectName("defer_selected")
        self.defer_button.clicked.connect(self.defer_selected)
        self.auto_button = QPushButton(self.tr("Back to automatic"), self)
        self.auto_button.setObjectName("auto_selected")
        self.auto_button.clicked.connect(self.automatic_selected)
        self.pause_button = QPushButton(self.tr("Pause"), self)
        self.pause_button.setObjectName("pause_downloads")
        self.pause_button.clicked.connect(self.pause)
        self.resume_button = QPushButton(self.tr("Resume"), self)
        self.resume_button.setObjectName("resume_downloads")
        self.resume_button.clicked.connect(self.resume)
        buttons = QHBoxLayout()
        for button in (
            self.download_button,
            self.defer_button,
            self.auto_button,
            self.pause_button,
            self.resume_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("queue_message")
        self.message_label.setWordWrap(True)
        self.message_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)
        self._paused_ids: list[str] = []
        self.refresh()

    # -- reading -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._handle is not None

    @Slot()
    def refresh(self) -> None:
        """Re-read the queue (and what each .part file already holds) from the store."""
        if self._handle is not None:
            return  # the running download updates the rows itself
        folder = self.ctx.paths.materials
        rows = []
        for row in materials.download_queue(self.ctx.db):
            row["have"] = downloads.verified_bytes(folder, row["sha256"])
            rows.append(row)
        self.model.set_rows(rows)
        self._update_summary()
        self._update_buttons()

    def _update_summary(self) -> None:
        rows = self.model.rows()
        if not rows:
            self.summary_label.setText(
                self.tr("Every material file is on this laptop. New ones appear here after a sync.")
            )
            return
        wanted = [r for r in rows if r["effective"] == materials.CHOICE_WANTED]
        left = sum(max(int(r["size"]) - int(r.get("have") or 0), 0) for r in rows)
        wanted_left = sum(max(int(r["size"]) - int(r.get("have") or 0), 0) for r in wanted)
        folder = self.ctx.paths.materials
        folder.mkdir(parents=True, exist_ok=True)
        free = downloads.free_bytes(folder)
        text = self.tr(
            "%1 files not downloaded yet (%2 still to download); the next sync fetches %3 of "
            "them (%4). Free disk space: %5."
        )
        text = (
            text.replace("%5", megabytes(free))
            .replace("%4", megabytes(wanted_left))
            .replace("%3", str(len(wanted)))
            .replace("%2", megabytes(left))
            .replace("%1", str(len(rows)))
        )
        self.summary_label.setText(text)

    def _update_buttons(self) -> None:
        idle = self._handle is None and not self._sync_running
        has_rows = self.model.rowCount() > 0
        for button in (self.download_button, self.defer_button, self.auto_button):
            button.setEnabled(idle and has_rows)
        self.pause_button.setEnabled(self._handle is not None)
        self.resume_button.setEnabled(idle and bool(self._resumable()))

    def _resumable(self) -> list[str]:
        """What Resume continues: the paused run, else every partly downloaded file."""
        if self._paused_ids:
            return list(self._paused_ids)
        return [str(row["id"]) for row in self.model.rows() if row.get("have")]

    def set_sync_running(self, running: bool) -> None:
        """The sync page says a sync (which downloads too) is running: no second download."""
        self._sync_running = running
        self._update_buttons()

    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [str(self.model.row(position)["id"]) for position in rows]

    def select_ids(self, material_ids: list[str]) -> None:
        """Select these materials' rows (tests, and the sync page's links)."""
        self.table.clearSelection()
        selection = self.table.selectionModel()
        from PySide6.QtCore import QItemSelectionModel

        for material_id in material_ids:
            position = self.model.find(material_id)
            if position >= 0:
                selection.select(
                    self.model.index(position, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    # -- choosing ------------------------------------------------------------------------
    def _set_choice(self, choice: str | None) -> list[str]:
        ids = self.selected_ids()
        if not ids:
            self._say(self.tr("Select one or more materials in the list first."))
            return []
        materials.set_download_choice(self.ctx.db, ids, choice)
        self.refresh()
        self.select_ids(ids)
        return ids

    @Slot()
    def defer_selected(self) -> None:
        if self._set_choice(materials.CHOICE_DEFERRED):
            self._say(
                self.tr(
                    "Deferred: these files wait until you choose them, for example when you "
                    "are at the county office with a good connection."
                )
            )

    @Slot()
    def automatic_selected(self) -> None:
        if self._set_choice(None):
            self.message_label.hide()

    @Slot()
    def download_selected(self) -> None:
        """Choose the selected files and download them now."""
        ids = self._set_choice(materials.CHOICE_WANTED)
        if ids:
            self.start(ids)

    # -- downloading ---------------------------------------------------------------------
    def start(self, material_ids: list[str]) -> None:
        if self._handle is not None or self._sync_running:
            return
        order = {str(row["id"]): row for row in self.model.rows()}
        self._running = [dict(order[i]) for i in order if i in set(material_ids)]
        self._paused_ids = []
        self._started = time.monotonic()
        self._say(self.tr("Checking free disk space and starting the download…"))
        self._handle = self.ctx.tasks.run(
            partial(download_in_worker, self.ctx.paths, [r["id"] for r in self._running]),
            on_done=self._finished,
            on_error=self._failed,
            on_progress=self._progressed,
            on_cancelled=self._paused,
        )
        self._update_buttons()

    @Slot()
    def pause(self) -> None:
        """Stop the running download at its next safe point; Resume continues it."""
        if self._handle is not None:
            self._paused_ids = [str(r["id"]) for r in self._running if not r.get("done")]
            self._handle.cancel()
            self._say(self.tr("Pausing…"))

    @Slot()
    def resume(self) -> None:
        ids = self._resumable()
        if ids:
            self.start(ids)

    def _progressed(self, done: int, total: int, phase: str) -> None:
        if not shiboken6.isValid(self):
            return
        # The engine reports bytes over all files, in this order: find the current file.
        base = 0
        for row in self._running:
            size = int(row["size"])
            if done >= base + size and done > 0:
                row["have"], row["done"] = size, True
            elif done > base:
                row["have"] = done - base  # offsets count from the file's start (resumes too)
            base += size
            position = self.model.find(row["id"])
            if position >= 0:
                self.model.replace_row(position, row)
        elapsed = time.monotonic() - self._started
        text = self.tr("Downloading: %1 of %2").replace("%2", megabytes(total))
        text = text.replace("%1", megabytes(done))
        if elapsed > 2 and 0 < done < total:
            seconds = int((total - done) * elapsed / done)
            text += " " + self.tr("(about %1 min left)").replace("%1", str(max(seconds // 60, 1)))
        self._say(text)

    def _end(self) -> None:
        self._handle = None
        self._running = []

    def _finished(self, receipt: Receipt) -> None:
        self._end()
        if not shiboken6.isValid(self):
            return
        self.last_receipt = receipt
        if receipt.files_failed:
            text = self.tr(
                "%1 files downloaded. %2 did not match their check and were discarded; they "
                "are downloaded again next time."
            )
            text = text.replace("%2", str(len(receipt.files_failed)))
        elif receipt.files_pending:
            text = self.tr(
                "%1 files downloaded; the connection dropped, the rest continues next time."
            )
        else:
            text = self.tr("%1 files downloaded and checked: they can be used now.")
        self._say(text.replace("%1", str(receipt.files_downloaded)))
        self.refresh()
        self.ctx.data_changed.emit()
        self.downloads_finished.emit()

    def _failed(self, error: BaseException) -> None:
        ids = [str(r["id"]) for r in self._running if not r.get("done")]
        self._end()
        if not shiboken6.isValid(self):
            return
        if not isinstance(error, SyncError):
            log.warning("download failed: %s: %s", type(error).__name__, error)
        self._paused_ids = ids
        title, text = sync_error_message(error)
        self._say(f"{title}\n{text}", problem=True)
        self.refresh()
        self.downloads_finished.emit()

    def _paused(self) -> None:
        self._end()
        if not shiboken6.isValid(self):
            return
        self._say(
            self.tr(
                "Paused. What was downloaded is kept; click Resume to continue (now or after "
                "restarting the app)."
            )
        )
        self.refresh()
        self.downloads_finished.emit()

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet("color: #a33;" if problem else "")
        self.message_label.show()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()

"""The enrolment dialog: link this laptop to the county server with an address and a code.

The cadre types the server address and the single-use code from the county's paper, or pastes
the enrolment link from the county's page (``sync.enrol_link``: the address and the code are
filled in from it). The enrolment itself (``sync.engine.enrol``) runs on the task runner with
its own connection to the store; the dialog stays responsive and says, in plain words, what
went wrong — a wrong, used or expired code, a wrong address, no network, a certificate problem,
a wrong clock (``ui.sync_messages``). Input errors change nothing. Reached from the sync page,
the settings page and the first-run dialog. Strings are in the frame catalogue.
"""

from __future__ import annotations

import logging
import socket
from functools import partial
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.tasks import TaskState
from ..paths import DataPaths
from ..sync.enrol_link import BadEnrolLink, check_address, parse_link
from ..sync.errors import SyncError
from .sync_messages import sync_error_message
from .task_runner import TaskHandle, TaskRunner

log = logging.getLogger(__name__)

MIN_WIDTH_PX = 560


def enrol_in_worker(
    paths: DataPaths, server: str, code: str, name: str, state: TaskState
) -> dict[str, Any]:
    """Worker: enrol with the server on a connection of this thread (see task_runner)."""
    from ..core.store import connect_worker
    from ..sync.engine import enrol

    db = connect_worker(paths.db)
    try:
        state.check()
        return enrol(db, server, code, name)
    finally:
        db.close()


def current_server(db: Any) -> tuple[str, str]:
    """The server address and laptop name this laptop was enrolled with ("" if none)."""
    row = db.execute("SELECT server_url, device_name FROM sync_state WHERE id = 1").fetchone()
    if row is None:
        return "", ""
    return str(row[0] or ""), str(row[1] or "")


class EnrolDialog(QDialog):
    """Enrol with a server; ``enrolled`` carries what the server answered (no secret)."""

    enrolled = Signal(dict)

    def __init__(
        self,
        tasks: TaskRunner,
        paths: DataPaths,
        *,
        server: str = "",
        name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enrol_dialog")
        self.setWindowTitle(self.tr("Enrol with the county server"))
        self.setMinimumWidth(MIN_WIDTH_PX)
        self._tasks = tasks
        self._paths = paths
        self._handle: TaskHandle | None = None
        self.result_info: dict[str, Any] | None = None

        intro = QLabel(
            self.tr(
                "Enter the server address and the enrolment code the county administrator gave "
                "you, or paste the enrolment link from the county's page. A code can be used "
                "once only."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.link_edit = QLineEdit(self)
        self.link_edit.setObjectName("link_edit")
        self.link_edit.setPlaceholderText(self.tr("zhangye://enrol?server=…&code=… (optional)"))
        self.link_edit.textChanged.connect(self._link_changed)
        self.server_edit = QLineEdit(server, self)
        self.server_edit.setObjectName("server_edit")
        self.server_edit.setPlaceholderText("https://sync.example.gov.cn")
        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("code_edit")
        self.code_edit.setPlaceholderText("K7QH-2M9D-XW4P")
        self.name_edit = QLineEdit(name or socket.gethostname(), self)
        self.name_edit.setObjectName("name_edit")
        self.name_edit.setMaxLength(200)

        form = QFormLayout()
        form.addRow(self.tr("Enrolment link:"), self.link_edit)
        form.addRow(self.tr("Server address:"), self.server_edit)
        form.addRow(self.tr("Enrolment code:"), self.code_edit)
        form.addRow(self.tr("Name of this laptop:"), self.name_edit)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("enrol_message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.hide()

        self.buttons = QDialogButtonBox(self)
        self.enrol_button = QPushButton(self.tr("Enrol"), self)
        self.enrol_button.setObjectName("enrol_button")
        self.enrol_button.setDefault(True)
        self.buttons.addButton(self.enrol_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.enrol_button.clicked.connect(self.start_enrol)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # No minimum size pushed onto the window when a message appears (offscreen Qt warns
        # that it cannot propagate size hints); _grow makes room instead.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    @property
    def busy(self) -> bool:
        return self._handle is not None

    @Slot(str)
    def _link_changed(self, text: str) -> None:
        if not text.strip():
            self.message_label.hide()
            return
        try:
            link = parse_link(text)
        except SyncError as exc:
            self._show_problem(exc)
            return
        self.server_edit.setText(link.server)
        self.code_edit.setText(link.code)
        self.message_label.hide()

    def _show_problem(self, exc: BaseException) -> None:
        title, text = sync_error_message(exc)
        self.message_label.setText(f"{title}\n{text}")
        self.message_label.setStyleSheet("color: #a33;")
        self.message_label.show()
        self._grow()

    def _show_note(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet("")
        self.message_label.show()
        self._grow()

    def _grow(self) -> None:
        """Make room for a message that just appeared (never shrink what the user sized)."""
        self.resize(self.size().expandedTo(self.sizeHint()))

    @Slot()
    def start_enrol(self) -> None:
        """Check what was typed, then enrol on a worker (input errors change nothing)."""
        if self._handle is not None:
            return
        if self.link_edit.text().strip():
            try:
                parse_link(self.link_edit.text())
            except BadEnrolLink as exc:
                self._show_problem(exc)
                return
        try:
            server = check_address(self.server_edit.text())
        except SyncError as exc:
            self._show_problem(exc)
            self.server_edit.setFocus()
            return
        code = self.code_edit.text().strip()
        if not code:
            self._show_note(self.tr("Please enter the enrolment code."))
            self.code_edit.setFocus()
            return
        name = self.name_edit.text().strip() or socket.gethostname()
        self._show_note(self.tr("Contacting the server…"))
        self._set_inputs_enabled(False)
        self._handle = self._tasks.run(
            partial(enrol_in_worker, self._paths, server, code, name),
            on_done=self._enrolled,
            on_error=self._failed,
            on_cancelled=self._cancelled,
        )

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (
            self.link_edit,
            self.server_edit,
            self.code_edit,
            self.name_edit,
            self.enrol_button,
        ):
            widget.setEnabled(enabled)

    def _enrolled(self, info: dict[str, Any]) -> None:
        self._handle = None
        if not shiboken6.isValid(self):
            return
        self.result_info = info
        log.info("enrolled as %s with %s", info.get("device_id"), info.get("server_url"))
        self.enrolled.emit(info)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._handle = None
        if not shiboken6.isValid(self):
            return
        self._set_inputs_enabled(True)
        if not isinstance(error, SyncError):
            log.warning("enrolment failed: %s: %s", type(error).__name__, error)
        self._show_problem(error)

    def _cancelled(self) -> None:
        self._handle = None
        if shiboken6.isValid(self):
            self._set_inputs_enabled(True)
            self.message_label.hide()

    def reject(self) -> None:  # Qt override: Cancel stops a running enrolment at its next check
        if self._handle is not None:
            self._handle.cancel()
        super().reject()


def enrolled_text(info: dict[str, Any]) -> str:
    """One line saying where this laptop is now enrolled."""
    from PySide6.QtCore import QCoreApplication

    text = QCoreApplication.translate(
        "EnrolDialog", "Enrolled with %1 as “%2” (%3). Click Sync to send and receive."
    )
    township = info.get("township_name") or info.get("township_code") or "-"
    return (
        text.replace("%3", str(township))
        .replace("%2", str(info.get("name") or ""))
        .replace("%1", str(info.get("server_url") or ""))
    )

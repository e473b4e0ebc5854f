"""The crash dialog ``ui/crash_reporter.py`` shows: what happened in plain words, where the
log is, and "Copy details" for the county's IT staff."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class CrashDialog(QDialog):
    """The details of an unexpected error, with "Copy details" and "Close"."""

    def __init__(self, details: str, log_file: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.details = details
        self.setWindowTitle(self.tr("Something went wrong"))
        self.setMinimumWidth(560)
        text = self.tr(
            "The program ran into an unexpected problem. Records that were already saved are "
            "safe. If something does not work, close the program and open it again. Please "
            "click \"Copy details\" and send the text to the county's IT staff."
        )
        if log_file is not None:
            text += "\n" + self.tr("The details were also written to the log file %1.").replace(
                "%1", str(log_file)
            )
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        self.view = QPlainTextEdit(details)
        self.view.setReadOnly(True)
        self.view.setMinimumHeight(200)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(self.tr("Copy details"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        self.close_button.clicked.connect(self.accept)
        self.copy_button.clicked.connect(self.copy_details)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
        # Size constraints settled before the native window exists (offscreen Qt warns when a
        # shown window's minimum size changes).
        layout.activate()

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText(self.tr("Copied"))

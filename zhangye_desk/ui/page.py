"""The base of every feature page (``ui/pages/<name>.py``).

A page is built with the ``AppContext``; the frame calls ``refresh`` when the page is shown
and after ``data_changed``. A page reads through core functions, feeds its models rows, and
emits ``ctx.data_changed`` after it writes.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QWidget

from .context import AppContext


class Page(QWidget):
    #: stable key used to remember the last page and in tests ("sessions", "attendance", …)
    key = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"page_{self.key}")

    def title(self) -> str:
        """The page's name in the navigation (translated)."""
        raise NotImplementedError

    @Slot()
    def refresh(self) -> None:
        """Re-read what the page shows from the store."""

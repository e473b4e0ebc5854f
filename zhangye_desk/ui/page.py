"""The base of every feature page (``ui/pages/<name>.py``).

A page is built with the ``AppContext`` the first time the frame shows it; the frame calls
``refresh`` when the page is shown and its data may have changed since. A page reads through
core functions, feeds its models rows, and emits ``ctx.data_changed`` after it writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .context import AppContext


class Page(QWidget):
    #: stable key used to remember the last page and in tests ("sessions", "attendance", …)
    key = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"page_{self.key}")

    def title(self) -> str:
        """The page's name (translated). The navigation is drawn before any page is built, so
        it shows the title in ``main_window.PAGE_REGISTRY``, which must read the same."""
        raise NotImplementedError

    @Slot()
    def refresh(self) -> None:
        """Re-read what the page shows from the store."""

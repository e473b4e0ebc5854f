"""A table model fed with rows: pages query core functions and hand the rows over.

Models never query. ``set_rows`` replaces everything inside begin/endResetModel;
``replace_row`` updates one row in place (a mark on the attendance screen) so the view keeps
its selection and scroll position. Columns are declared once with a translatable header.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

Row = Mapping[str, Any]
Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the whole row mapping
KEY_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's id


def _plain(value: Any, row: Row) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Column:
    key: str
    header: Callable[[], str]  # called at paint time, so a language switch re-translates it
    format: Callable[[Any, Row], str] = _plain
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    tooltip: Callable[[Row], str] | None = field(default=None)


class RowsTableModel(QAbstractTableModel):
    def __init__(
        self, columns: Sequence[Column], parent: QObject | None = None, *, key: str = "id"
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Row] = []
        self._key = key

    # -- feeding -----------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def replace_row(self, position: int, row: Row) -> None:
        self._rows[position] = row
        self.dataChanged.emit(
            self.index(position, 0), self.index(position, len(self._columns) - 1)
        )

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row(self, position: int) -> Row:
        return self._rows[position]

    def find(self, key_value: Any) -> int:
        """Position of the row whose key equals ``key_value``, or -1."""
        for position, row in enumerate(self._rows):
            if row.get(self._key) == key_value:
                return position
        return -1

    def column_of(self, key: str) -> int:
        for position, column in enumerate(self._columns):
            if column.key == key:
                return position
        raise KeyError(key)

    # -- Qt overrides --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.format(row.get(column.key), row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == ROW_ROLE:
            return dict(row)
        if role == KEY_ROLE:
            return row.get(self._key)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header()
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

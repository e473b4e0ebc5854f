"""The application font: an explicit CJK-first family list and a large, readable size.

Without an explicit list Qt picks whichever CJK face fontconfig offers first; with
fonts-noto-cjk that is the Japanese face, so 草 and 骨 get Japanese glyph shapes, and with no
CJK font at all every Chinese character is a box. Listing Simplified Chinese faces first
(Windows, macOS, then Linux/UOS/Kylin) fixes both. Widgets and pages must not set their own
families; they may only scale the point size (see ``scaled``).
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

# Simplified Chinese faces, most preferred first: Windows, macOS, Linux.
CJK_FAMILIES: tuple[str, ...] = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
)
# Cadres read the screen in a bright tent or office from arm's length: larger than Qt's 9 pt.
BASE_POINT_SIZE = 12.0


def family_list(default_family: str, available: list[str] | None = None) -> list[str]:
    """The installed CJK faces in our order, then the platform default family.

    Families that are not installed are left out: Qt would skip them anyway, but only after
    populating its alias table for each missing name, which is slow and logs a warning.
    """
    installed = set(QFontDatabase.families() if available is None else available)
    families = [name for name in CJK_FAMILIES if name in installed]
    if default_family and default_family not in families:
        families.append(default_family)
    return families


def apply_fonts(app: QApplication, point_size: float = BASE_POINT_SIZE) -> QFont:
    """Set the application font (CJK-first families, readable size) and return it."""
    font = QFont(app.font())
    families = family_list(font.family())
    if not any(name in CJK_FAMILIES for name in families):
        log.warning(
            "no Simplified Chinese font is installed (looked for %s): Chinese text may show as"
            " boxes. On Debian/UOS/Kylin install fonts-wqy-microhei or fonts-noto-cjk.",
            ", ".join(CJK_FAMILIES),
        )
    font.setFamilies(families)
    font.setPointSizeF(max(point_size, font.pointSizeF()))
    app.setFont(font)
    log.info("application font: %s, %.1f pt", families, font.pointSizeF())
    return font


def scaled(base: QFont, factor: float, *, bold: bool = False) -> QFont:
    """A copy of ``base`` (keeping its family list) scaled for headings and big numbers."""
    font = QFont(base)
    font.setPointSizeF(base.pointSizeF() * factor)
    font.setBold(bold)
    return font

"""Windows version information (file properties → Details) made from ``zhangye_desk.__version__``.

Used by zhangye_desk.spec on Windows; ``python packaging/version_info.py`` prints it (and, with
``--numeric``, the four-part number the Inno Setup script's ``/DAppVersion`` takes).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zhangye_desk import __version__  # noqa: E402

COMPANY = "Zhangye"
PRODUCT = "张掖流动课堂 Zhangye Desk"
DESCRIPTION = "张掖流动课堂 Zhangye Desk"
COPYRIGHT = "© 张掖市 Zhangye"


def numeric_version(version: str = __version__) -> tuple[int, int, int, int]:
    """``0.1.0`` → (0, 1, 0, 0); ``1.2.3rc1`` → (1, 2, 3, 0): Windows wants four integers."""
    parts = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3]]
    parts += [0] * (4 - len(parts))
    return (parts[0], parts[1], parts[2], parts[3])


def version_info():  # -> PyInstaller.utils.win32.versioninfo.VSVersionInfo
    from PyInstaller.utils.win32.versioninfo import (
        FixedFileInfo,
        StringFileInfo,
        StringStruct,
        StringTable,
        VarFileInfo,
        VarStruct,
        VSVersionInfo,
    )

    numbers = numeric_version()
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=numbers, prodvers=numbers, OS=0x40004, fileType=0x1),
        kids=[
            StringFileInfo(
                [
                    # 0804 = Chinese (PRC), 04B0 = Unicode.
                    StringTable(
                        "080404B0",
                        [
                            StringStruct("CompanyName", COMPANY),
                            StringStruct("FileDescription", DESCRIPTION),
                            StringStruct("FileVersion", __version__),
                            StringStruct("InternalName", "zhangye-desk"),
                            StringStruct("LegalCopyright", COPYRIGHT),
                            StringStruct("OriginalFilename", "zhangye-desk.exe"),
                            StringStruct("ProductName", PRODUCT),
                            StringStruct("ProductVersion", __version__),
                        ],
                    )
                ]
            ),
            VarFileInfo([VarStruct("Translation", [0x0804, 1200])]),
        ],
    )


if __name__ == "__main__":
    if "--numeric" in sys.argv:
        print(".".join(str(n) for n in numeric_version()))
    else:
        print(version_info())

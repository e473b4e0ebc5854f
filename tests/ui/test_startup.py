"""Start-up stays light: what is loaded before the window's frame is painted (issue 3).

``app.run`` paints the frame before it opens the store, so everything the frame imports is
paid for before a cadre sees anything. These tests start a fresh interpreter, show the frame
as ``run`` does, and list the heavy modules that got loaded; bench/desk.py measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

# Loaded when the store is opened or a page is first shown, never for the frame.
HEAVY = (
    "sqlite_utils",  # core.store and every core module (≈40 ms)
    "pypinyin",  # core.search_keys, only when a name is written (≈140 ms)
    "filelock",  # the data-folder lock
    "uuid6",  # core.ids, on the first new id
    "sqlite3",  # the database driver itself
    "PySide6.QtCharts",  # statistics page
    "PySide6.QtMultimedia",  # materials page (audio, video)
    "PySide6.QtPdf",  # materials page (PDF)
    "zhangye_desk.core.store",
    "zhangye_desk.ui.pages.sessions",
    "zhangye_desk.ui.pages.attendance",
    "zhangye_desk.ui.pages.materials",
    "zhangye_desk.ui.pages.roster",
    "zhangye_desk.ui.pages.statistics",
    "zhangye_desk.ui.pages.settings",
)


def loaded_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the HEAVY modules it left in sys.modules."""
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_the_frame_is_painted_without_the_store_or_any_page() -> None:
    loaded = loaded_after(
        """
        from PySide6.QtCore import QTimer
        from zhangye_desk import app
        from zhangye_desk.ui.main_window import MainWindow

        qapp = app.create_application("zh_CN")
        window = MainWindow(lang="zh_CN", remember_geometry=False)
        window.show()
        QTimer.singleShot(100, qapp.quit)
        qapp.exec()
        assert window.statusBar().currentMessage() == "正在打开数据…", "not the frame"
        """
    )
    assert loaded == []


def test_the_command_line_loads_no_qt_and_no_store_for_help() -> None:
    loaded = loaded_after(
        """
        import contextlib, io, sys
        from zhangye_desk import cli

        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            cli.main(["--help"])
        assert not any(m.startswith("PySide6") for m in sys.modules), "Qt was loaded"
        """
    )
    assert loaded == []

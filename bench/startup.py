"""Start-up of the packaged app against a packaged bare PySide6 window, cold and warm.

Builds (or reuses, packaging/build.py) the app's onedir folder, and builds a bare window — a
QMainWindow that exits once painted (bench/desk.py's ``BARE_WINDOW``) — into a temporary folder
with the same PyInstaller options (onedir, windowed, stripped, no UPX, optimize 1, UTF-8 mode).
Each start is timed from spawning the executable to the line it prints on stderr once its
window has been painted (``ZHANGYE_DESK_EXIT_WHEN_SHOWN=1`` for the app: app.py), offscreen,
on a data folder made by an unmeasured first start. The app also reports when its store is
open and its first page painted (``ready``), shown beside the ratios.

* **warm**: after one unmeasured start each, ``--runs`` starts each, alternating app and bare;
* **cold**: the same, but before every start the page cache is emptied. As root on Linux with
  a writable ``/proc/sys/vm/drop_caches`` (``sync; echo 3``), everything is dropped, system
  libraries and fonts included; otherwise every file of both bundles is evicted with
  ``posix_fadvise(POSIX_FADV_DONTNEED)`` — the bundle is cold, the desktop's shared libraries
  (libc, X11, fontconfig, fonts) stay cached as they are on a running desktop. The method used
  is in the JSON (``cold_method``).
* **cold, fonts cached** (with ``drop_caches`` only): the same as cold, but after the cache has
  been dropped the system's font configuration, font caches and font files (``FONT_FOLDERS``)
  are read back in before the start. The bare window draws no text at all, while the app's
  frame needs fontconfig and a CJK font (two ~20 MB files with Noto Sans CJK): on a running
  desktop those are in the page cache already, since the desktop draws its own text with them.
  This figure shows how much of the cold gap is that; ``startup_ratio_cold`` stays the
  figure against the target.

Ratios are medians (app ÷ bare). ``onedir_mb`` is the app folder's size (regular files, MiB).
Targets (issue 6): ``startup_ratio_cold`` ≤ 1.3, ``startup_ratio_warm`` ≤ 1.3, ``onedir_mb`` ≤
150. Prints a table, then JSON on the last line.

    python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "packaging"))

from desk import BARE_WINDOW, time_to_markers  # noqa: E402  (bench/desk.py)

from build import build_onedir, executable, folder_size  # noqa: E402  (packaging/build.py)
from zhangye_desk.app import EXIT_WHEN_SHOWN_ENV  # noqa: E402

DROP_CACHES = Path("/proc/sys/vm/drop_caches")
# Fontconfig's configuration and caches and the font files themselves (Debian, UOS, Kylin).
FONT_FOLDERS = (
    "/etc/fonts",
    "/usr/share/fontconfig",
    "/var/cache/fontconfig",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
)


def build_bare(folder: Path) -> Path:
    script = folder / "bare_window.py"
    script.write_text(BARE_WINDOW, encoding="utf-8")
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--onedir", "--windowed", "--strip", "--noupx", "--optimize", "1",
            "--python-option", "X utf8", "--exclude-module", "tkinter",
            "--distpath", str(folder / "dist"), "--workpath", str(folder / "build"),
            "--specpath", str(folder), "--name", "bare-window", str(script),
        ],  # fmt: skip
        check=True,
        cwd=folder,
    )
    return folder / "dist" / "bare-window"


def drop_caches_method() -> str:
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        try:
            os.sync()
            DROP_CACHES.write_text("3\n")
            return "drop_caches"
        except OSError:
            pass
    return "fadvise"


def evict(folders: list[Path], method: str) -> None:
    """Empty the page cache for the bundles (see the module docstring)."""
    if method == "drop_caches":
        os.sync()
        DROP_CACHES.write_text("3\n")
        return
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)


def read_back_fonts() -> None:
    """Read every file of ``FONT_FOLDERS`` into the page cache (``cold, fonts cached``)."""
    for folder in FONT_FOLDERS:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                with path.open("rb") as stream:
                    while stream.read(1 << 20):
                        pass


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    started = time.monotonic()
    onedir = build_onedir()
    app_build_s = time.monotonic() - started
    with tempfile.TemporaryDirectory(prefix="zhangye-startup-") as tmp:
        folder = Path(tmp)
        started = time.monotonic()
        bare_dir = build_bare(folder)
        bare_build_s = time.monotonic() - started
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder / "home"),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_RUNTIME_DIR": str(folder),
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "LANG": "C.UTF-8",
            "ZHANGYE_DESK_NO_FIRST_RUN": "1",
            EXIT_WHEN_SHOWN_ENV: "1",
        }
        (folder / "home").mkdir()
        app = [str(executable(onedir)), "--data-dir", str(folder / "data")]
        bare = [str(bare_dir / "bare-window")]
        # Unmeasured: the app's first start creates the store and writes the daily backup.
        time_to_markers(app, env)
        time_to_markers(bare, env)

        method = drop_caches_method()
        modes = ("warm", "cold") + (("cold_fonts_cached",) if method == "drop_caches" else ())
        results: dict[str, dict[str, list[float]]] = {
            mode: {"app": [], "app_ready": [], "bare": []} for mode in modes
        }
        for mode in modes:
            for _ in range(args.runs):
                for name, command in (("app", app), ("bare", bare)):
                    if mode.startswith("cold"):
                        evict([onedir, bare_dir], method)
                    if mode == "cold_fonts_cached":
                        read_back_fonts()
                    seen = time_to_markers(command, env)
                    results[mode][name].append(seen["shown"])
                    if name == "app":
                        results[mode]["app_ready"].append(seen["ready"])
        bare_mb = folder_size(bare_dir) / 2**20

    figures: dict[str, object] = {}
    reported = [mode for mode in ("cold", "warm", "cold_fonts_cached") if mode in modes]
    for mode in reported:
        app_ms = median_ms(results[mode]["app"])
        ready_ms = median_ms(results[mode]["app_ready"])
        bare_ms = median_ms(results[mode]["bare"])
        figures[f"startup_ratio_{mode}"] = round(app_ms / bare_ms, 3)
        figures[f"ready_ratio_{mode}"] = round(ready_ms / bare_ms, 3)
        figures[f"app_shown_{mode}_ms"] = app_ms
        figures[f"app_ready_{mode}_ms"] = ready_ms
        figures[f"bare_shown_{mode}_ms"] = bare_ms
    figures.update(
        onedir_mb=round(folder_size(onedir) / 2**20, 1),
        bare_onedir_mb=round(bare_mb, 1),
        cold_method=method,
        runs=args.runs,
        app_build_s=round(app_build_s, 1),
        bare_build_s=round(bare_build_s, 1),
        platform=env["QT_QPA_PLATFORM"],
    )
    for mode in reported:
        print(
            f"{mode:17} app shown {figures[f'app_shown_{mode}_ms']:7.1f} ms  "
            f"ready {figures[f'app_ready_{mode}_ms']:7.1f} ms  "
            f"bare {figures[f'bare_shown_{mode}_ms']:7.1f} ms  "
            f"ratio {figures[f'startup_ratio_{mode}']:.2f}"
            + (" (target ≤ 1.3)" if mode in ("cold", "warm") else " (for comparison)")
        )
    print(f"onedir {figures['onedir_mb']} MB (target ≤ 150), bare {figures['bare_onedir_mb']} MB")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

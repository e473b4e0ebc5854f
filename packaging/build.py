"""Build the packaged app: ``python packaging/build.py onedir|package|icons``.

``onedir``  dist/zhangye-desk/ with PyInstaller (packaging/zhangye_desk.spec), unless the one
            there was built from exactly the current inputs: the client's sources, resources
            (with the built .qm), packaging/ and the lock file are hashed into
            dist/zhangye-desk.stamp, so a second ``make test`` reuses the folder and a clean
            checkout builds once. Prints the folder on the last line.
``package`` onedir, then on Linux dist/zhangye-desk-<version>-linux-x86_64.tar.gz and
            dist/zhangye-desk_<version>_amd64.deb (dpkg-deb); on Windows the workflow
            (.github/workflows/windows.yml) zips the folder and runs Inno Setup itself.
``icons``   re-render resources/icons/app.png and app.ico from app.svg (Qt's SVG renderer;
            the results are committed, so neither a source run nor CI needs this step).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
WORK = ROOT / "build"
APP = "zhangye-desk"
ONEDIR = DIST / APP
STAMP = DIST / f"{APP}.stamp"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

sys.path.insert(0, str(ROOT))


def version() -> str:
    from zhangye_desk import __version__

    return __version__


def _inputs() -> list[Path]:
    files = [ROOT / "requirements" / "lock.txt", ROOT / "pyproject.toml"]
    for folder in (ROOT / "zhangye_desk", ROOT / "resources", PACKAGING):
        for path in folder.rglob("*"):
            rel = path.relative_to(ROOT).as_posix()
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and not rel.startswith("zhangye_desk/server/")
            ):
                files.append(path)
    return sorted(files)


def fingerprint() -> str:
    digest = hashlib.sha256(f"{sys.version}\n{sys.platform}\n".encode())
    for path in _inputs():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def executable(folder: Path = ONEDIR) -> Path:
    return folder / (APP + (".exe" if sys.platform == "win32" else ""))


def build_onedir(force: bool = False) -> Path:
    """dist/zhangye-desk/, rebuilt only when an input changed (see the module docstring)."""
    from filelock import FileLock

    DIST.mkdir(exist_ok=True)
    with FileLock(str(DIST / f".{APP}.build.lock")):
        wanted = fingerprint()
        if (
            not force
            and executable().is_file()
            and STAMP.is_file()
            and STAMP.read_text().strip() == wanted
        ):
            print(f"{ONEDIR} is up to date", file=sys.stderr)
            return ONEDIR
        STAMP.unlink(missing_ok=True)
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                "--log-level", "WARN", "--distpath", str(DIST),
                "--workpath", str(WORK / "pyinstaller"), str(PACKAGING / "zhangye_desk.spec"),
            ],  # fmt: skip
            check=True,
            cwd=ROOT,
        )
        STAMP.write_text(wanted + "\n")
        print(f"built {ONEDIR} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return ONEDIR


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build_tarball(onedir: Path) -> Path:
    target = DIST / f"{APP}-{version()}-linux-x86_64.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(onedir, arcname=f"{APP}-{version()}")
    return target


def build_deb(onedir: Path) -> Path:
    """A .deb installing to /opt/zhangye-desk with a launcher, a menu entry and the icon."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("dpkg-deb is missing: apt-get install dpkg-dev (make system does)")
    linux = PACKAGING / "linux"
    stage = WORK / "deb" / APP
    shutil.rmtree(stage, ignore_errors=True)
    opt = stage / "opt" / APP
    shutil.copytree(onedir, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    os.symlink(f"/opt/{APP}/{APP}", stage / "usr" / "bin" / APP)
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copy2(linux / f"{APP}.desktop", applications / f"{APP}.desktop")
    icons = stage / "usr" / "share" / "icons" / "hicolor"
    (icons / "256x256" / "apps").mkdir(parents=True)
    (icons / "scalable" / "apps").mkdir(parents=True)
    source = ROOT / "resources" / "icons"
    shutil.copy2(source / "app.png", icons / "256x256" / "apps" / f"{APP}.png")
    shutil.copy2(source / "app.svg", icons / "scalable" / "apps" / f"{APP}.svg")
    debian = stage / "DEBIAN"
    debian.mkdir()
    control = (linux / "control.in").read_text(encoding="utf-8")
    control = control.replace("@VERSION@", version()).replace(
        "@INSTALLED_SIZE@", str(folder_size(stage) // 1024)
    )
    (debian / "control").write_text(control, encoding="utf-8")
    for script in ("postinst", "postrm"):
        shutil.copy2(linux / script, debian / script)
        (debian / script).chmod(0o755)
    for path in stage.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    target = DIST / f"{APP}_{version()}_amd64.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(stage), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return target


def render_icons() -> None:
    """app.svg → app.png (256 px) and app.ico (16–256 px, PNG entries)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    icons = ROOT / "resources" / "icons"
    renderer = QSvgRenderer(str(icons / "app.svg"))

    def png(size: int) -> bytes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    (icons / "app.png").write_bytes(png(256))
    images = [png(size) for size in ICON_SIZES]
    # ICO: header, one 16-byte directory entry per size, then the PNG images (Vista and later).
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, image in zip(ICON_SIZES, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    (icons / "app.ico").write_bytes(header + entries + b"".join(images))
    del _app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("onedir", "package", "icons"))
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    if args.what == "icons":
        render_icons()
        return 0
    onedir = build_onedir(force=args.force)
    if args.what == "package":
        if sys.platform.startswith("linux"):
            for artefact in (build_tarball(onedir), build_deb(onedir)):
                print(f"{artefact} ({artefact.stat().st_size / 2**20:.1f} MB)", file=sys.stderr)
        else:
            print("on Windows the workflow zips the folder and runs Inno Setup", file=sys.stderr)
    print(onedir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

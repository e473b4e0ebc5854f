"""The layers stay clean: core/ and sync/ are Qt-free, and only server/ imports server/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "zhangye_desk"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    package_parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join((*base, node.module) if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_core_and_sync_never_import_qt() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for layer in ("core", "sync")
        for path in python_files(PACKAGE / layer)
        for name in imported_modules(path)
        if name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
        or name.startswith("zhangye_desk.ui")
    ]
    assert offenders == []


def test_nothing_outside_server_imports_server() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in python_files(PACKAGE)
        if "server" not in path.relative_to(PACKAGE).parts[:1]
        for name in imported_modules(path)
        if name == "zhangye_desk.server" or name.startswith("zhangye_desk.server.")
    ]
    assert offenders == []


def test_the_import_checker_resolves_relative_imports() -> None:
    # Guard the guard: store.py has "from . import backup" and "from ..paths import DataPaths";
    # if these were not resolved, a relative import of ..ui or ..server would slip through.
    names = imported_modules(PACKAGE / "core" / "store.py")
    assert "zhangye_desk.core.backup" in names
    assert "zhangye_desk.paths.DataPaths" in names


def test_importing_every_core_and_sync_module_loads_no_qt() -> None:
    modules = [
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for layer in ("core", "sync")
        for path in python_files(PACKAGE / layer)
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m.removesuffix('.__init__'))\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr

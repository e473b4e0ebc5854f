"""The one module that resolves every path the client uses.

Order of precedence for the data folder: an explicit ``--data-dir``, then the
``ZHANGYE_DESK_DATA_DIR`` environment variable, then the folder the user chose at the first
start (remembered in a one-line file in the user config folder, ``remember_data_dir``), then
platformdirs' per-user data folder.
Resources (townships, demo materials, translations, icons) are found beside the source tree,
or inside the PyInstaller bundle when frozen. Nothing here touches the database.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

import platformdirs

APP_NAME = "ZhangyeDesk"
APP_AUTHOR = "Zhangye"
DATA_DIR_ENV = "ZHANGYE_DESK_DATA_DIR"
DB_FILENAME = "zhangye-desk.sqlite3"


class DataPaths(NamedTuple):
    """Everything the client keeps for one data folder.

    Immutable, compared and hashed by ``root``. A NamedTuple rather than a frozen dataclass:
    importing dataclasses costs about 1 ms before the window's first paint (app.py).
    """

    root: Path

    @property
    def db(self) -> Path:
        return self.root / DB_FILENAME

    @property
    def backups(self) -> Path:
        return backups_dir_for(self.db)

    @property
    def materials(self) -> Path:
        return self.root / "materials"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def lock(self) -> Path:
        return self.root / "zhangye-desk.lock"

    def ensure(self) -> DataPaths:
        for folder in (self.root, self.backups, self.materials, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def backups_dir_for(db_path: Path) -> Path:
    """Backups live in a folder beside the database they copy."""
    return Path(db_path).parent / "backups"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def demo_server_dir(paths: DataPaths) -> Path:
    """Where ``zhangye-desk demo`` keeps its local server: a sibling of the demo laptop's data
    folder (``…/demo`` → ``…/demo-server``), never inside a real data folder."""
    return paths.root.parent / f"{paths.root.name}-server"


def data_dir_pointer() -> Path:
    """The file that remembers the data folder chosen at the first start (ui/first_run)."""
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "data-folder.txt"


def remembered_data_dir() -> Path | None:
    try:
        text = data_dir_pointer().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return Path(text) if text else None


def remember_data_dir(folder: Path) -> None:
    """Use ``folder`` from now on when no folder is given (the window and every command)."""
    pointer = data_dir_pointer()
    pointer.parent.mkdir(parents=True, exist_ok=True)
    temporary = pointer.with_name(pointer.name + ".tmp")
    temporary.write_text(str(Path(folder).expanduser().resolve()), encoding="utf-8")
    os.replace(temporary, pointer)


def data_paths(data_dir: str | os.PathLike[str] | None = None) -> DataPaths:
    """Resolve the data folder: argument, environment, the remembered choice, the default."""
    if data_dir:
        return DataPaths(Path(data_dir).expanduser().resolve())
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return DataPaths(Path(env).expanduser().resolve())
    remembered = remembered_data_dir()
    if remembered is not None:
        return DataPaths(remembered)
    return DataPaths(default_data_dir())


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def resources_dir() -> Path:
    """The read-only resources folder (source tree or PyInstaller bundle)."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)

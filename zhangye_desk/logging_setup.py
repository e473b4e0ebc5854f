"""Logging: a rotating file in the data folder's logs/, one logger per module.

A console handler is added only when a stream exists (in a windowed executable
``sys.stderr`` is None). Never log secrets: device secrets and passwords are not passed to
loggers anywhere.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOG_FILENAME = "zhangye-desk.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(log_dir: Path | None, *, console_level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_zhangye", False):
            root.removeHandler(handler)
            handler.close()
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_dir / LOG_FILENAME, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
        file_handler.setFormatter(logging.Formatter(FORMAT))
        file_handler._zhangye = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
    if sys.stderr is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(console_level)
        console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        console._zhangye = True  # type: ignore[attr-defined]
        root.addHandler(console)

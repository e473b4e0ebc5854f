"""Run the server with uvicorn, programmatically; ``python -m zhangye_desk.server.serve``.

``serve(settings, ready_file=…)`` initialises an empty database (the one-command SQLite
install), refuses one that needs a migration, compacts the change feed, binds ``host:port``
(port 0: any free port) and, once it accepts connections, writes ``http://<host>:<port>`` to
``ready_file`` (atomically, so a test polling it never reads half a line). SIGTERM and SIGINT
stop it gracefully: requests in flight finish, the engine is disposed, and ``serve`` returns
normally.

``zhangye-server serve`` (cli.py) calls ``serve``; ``main`` here is a minimal entry point for
tests and service managers.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from .app import create_app
from .db import create_engine_for
from .dbadmin import compact_feed, prepare_for_serving
from .settings import Settings, default_db_url, default_files_dir

log = logging.getLogger(__name__)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class _ReadyServer(uvicorn.Server):
    """A uvicorn server that says where it listens once it accepts connections."""

    def __init__(self, config: uvicorn.Config, ready_file: Path | None) -> None:
        super().__init__(config)
        self.ready_file = ready_file
        self.url: str | None = None

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if not self.started:
            return
        port = self.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://{_url_host(self.config.host)}:{port}"
        log.info("serving on %s", self.url)
        if self.ready_file is not None:
            partial = self.ready_file.with_name(self.ready_file.name + ".tmp")
            partial.write_text(self.url + "\n", encoding="utf-8")
            os.replace(partial, self.ready_file)


def serve(settings: Settings, *, ready_file: Path | None = None, log_level: str = "info") -> None:
    """Serve until SIGTERM/SIGINT. Raises dbadmin.SchemaError for a database that is behind
    or ahead of this server."""
    engine = create_engine_for(settings.db_url)
    try:
        prepare_for_serving(engine)
        compact_feed(engine, horizon_s=settings.tombstone_horizon_s)
        app = create_app(settings, engine=engine)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level=log_level,
            server_header=False,
            timeout_graceful_shutdown=10,
            lifespan="on",
        )
        server = _ReadyServer(config, ready_file)
        stopped: list[int] = []

        def _stopped(signum: int, _frame: FrameType | None) -> None:
            # uvicorn re-raises the signal that stopped it once it has shut down; with this
            # handler in place that ends serve() normally instead of killing the process.
            stopped.append(signum)

        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            signal.signal(sig, _stopped)
        try:
            server.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("stopped%s", f" by signal {stopped[0]}" if stopped else "")
    finally:
        engine.dispose()
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zhangye_desk.server.serve")
    parser.add_argument("--db", default=None, help="sqlite:///FILE or postgresql://…")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0: any free port")
    parser.add_argument("--files", type=Path, default=None, help="material files folder")
    parser.add_argument("--ready-file", type=Path, default=None)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings(
        db_url=args.db or default_db_url(),
        files_dir=args.files or default_files_dir(),
        host=args.host,
        port=args.port,
    )
    serve(settings, ready_file=args.ready_file, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

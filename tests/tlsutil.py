"""Real certificates and real HTTPS servers on 127.0.0.1 for the TLS tests.

``make_ca`` writes a throwaway county CA with the ``openssl`` command (the venv has no
``cryptography``); ``issue`` signs a server certificate for 127.0.0.1 with any validity window
(``openssl ca -startdate/-enddate``: a window in the future or in the past stands for a laptop
whose clock is far off). ``tls_json_server`` is Python's HTTP server behind TLS answering like
our server's ``/v1/sync/info``; ``TlsProxy`` terminates TLS in front of a real server process,
the way a county's nginx does.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CA_CONFIG = """\
[ ca ]
default_ca = test_ca
[ test_ca ]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = any_name
copy_extensions = copy
unique_subject = no
[ any_name ]
commonName = supplied
"""


@dataclass(frozen=True)
class Ca:
    cert: Path
    key: Path
    folder: Path


@dataclass(frozen=True)
class ServerCert:
    cert: Path
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is missing (Debian package openssl)")
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(folder: Path) -> Ca:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.txt").write_text("")
    (folder / "serial").write_text("1000\n")
    (folder / "ca.cnf").write_text(CA_CONFIG.format(dir=folder))
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=Test County CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    return Ca(folder / "ca.pem", folder / "ca.key", folder)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def issue(ca: Ca, name: str, not_before: datetime, not_after: datetime) -> ServerCert:
    """A server certificate for 127.0.0.1, valid from ``not_before`` to ``not_after``."""
    folder = ca.folder
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1",
        "-addext", "extendedKeyUsage=serverAuth",
        cwd=folder,
    )  # fmt: skip
    _openssl(
        "ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
        "-in", f"{name}.csr", "-out", f"{name}.pem",
        "-startdate", _stamp(not_before), "-enddate", _stamp(not_after),
        cwd=folder,
    )  # fmt: skip
    return ServerCert(folder / f"{name}.pem", folder / f"{name}.key")


def valid_now(ca: Ca, name: str = "server") -> ServerCert:
    now = datetime.now(UTC)
    return issue(ca, name, now - timedelta(days=1), now + timedelta(days=30))


def server_context(cert: ServerCert) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert.cert), str(cert.key))
    return context


class _InfoHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.dumps({"protocol": 1, "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet


@contextmanager
def tls_json_server(cert: ServerCert) -> Iterator[str]:
    """``https://127.0.0.1:<port>`` answering every GET with ``{"protocol": 1}``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _InfoHandler)
    server.socket = server_context(cert).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class TlsProxy:
    """TLS on 127.0.0.1:<port> forwarded byte for byte to a plain HTTP server (like nginx)."""

    def __init__(self, cert: ServerCert, target_port: int) -> None:
        self._context = server_context(cert)
        self._target_port = target_port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def __enter__(self) -> TlsProxy:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the TLS proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0, ssl=self._context)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

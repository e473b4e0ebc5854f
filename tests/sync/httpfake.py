"""A tiny scripted HTTP server on 127.0.0.1 for the sync client's unit tests.

Each request is answered by a function the test gives (``Answer`` per request), which may cut
the reply after N bytes or stall. Requests are recorded (method, path, headers, body) so tests
can check what the client really sent. Real sockets, real ``requests``: no mocks of the HTTP
stack. Runs in a thread; ``with FakeServer(handler) as server: server.url``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    raw_head: bytes  # the request line and headers exactly as they arrived


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None  # close the connection after this many body bytes
    stall_s: float = 0.0  # wait this long before answering (a stalled link)

    @classmethod
    def json(cls, data: dict[str, Any], status: int = 200, **kw: Any) -> Answer:
        headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
        return cls(status=status, body=json.dumps(data).encode(), headers=headers, **kw)


Handler = Callable[[Seen], Answer]


class FakeServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[Seen] = []
        self._stop = threading.Event()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                head = (self.requestline + "\r\n" + str(self.headers)).encode("latin-1")
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    head,
                )
                outer.seen.append(seen)
                answer = outer.handler(seen)
                if answer.stall_s:
                    outer._stop.wait(answer.stall_s)
                self.send_response(answer.status)
                headers = dict(answer.headers)
                headers.setdefault("Content-Length", str(len(answer.body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if answer.cut_after is not None:
                    self.wfile.write(answer.body[: answer.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(answer.body)

            do_GET = _serve  # noqa: N815
            do_POST = _serve  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def protocol_json(data: dict[str, Any] | None = None, status: int = 200, **kw: Any) -> Answer:
    return Answer.json({"protocol": 1, **(data or {})}, status=status, **kw)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()

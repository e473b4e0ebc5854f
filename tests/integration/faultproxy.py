"""A fault-injecting TCP proxy for the sync tests and the link benchmark (no tc netem here).

``FaultProxy(target_port)`` listens on 127.0.0.1 (port 0) and relays every connection to the
target, running an asyncio loop in a daemon thread. It can

* cut the client→server stream after N bytes (``cut_request``) or the server→client stream
  after N bytes (``cut_reply``), aborting both sides of that connection;
* stall a direction: hold its bytes for ever, the connection left open (``stall_reply``);
* flip one bit of a reply's body at an offset (``flip_reply``);
* add latency each way and pace each direction to a bit rate (``latency_s``, ``rate_bps``);
* count every byte each way (``bytes_up``, ``bytes_down``) and the connections made.

A fault is armed for the next request whose first bytes match ``trigger`` (for example
``b"POST /v1/sync/push"``); request faults count from the start of that request line, reply
faults from the first reply byte after it (``body_only``: after the reply's headers). Each
fault fires ``times`` times, then disarms. ``fired`` counts the faults that fired.

Pacing models a serial link per direction: a chunk starts when the previous one has left,
takes ``len·8/rate`` seconds to leave and arrives ``latency_s`` later, so a 32 KiB body takes
about 4.1 s at 64 kbit/s plus the one-way delay (TOOLCHAIN.md measured the same shape).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from dataclasses import dataclass, field

UP = "up"  # client → server
DOWN = "down"  # server → client
SEGMENT = 4096  # bytes per paced piece: a real link delivers a body progressively


@dataclass
class Fault:
    direction: str
    action: str  # "cut" | "stall" | "flip"
    n: int
    trigger: bytes
    times: int = 1
    body_only: bool = False
    from_end: bool = False  # n counts back from the end of the request (Content-Length)


@dataclass
class _Armed:
    fault: Fault
    count: int = 0  # bytes of this direction seen since the fault started counting
    body_started: bool = False
    header_tail: bytes = b""
    target: int | None = None  # where the fault acts, once known
    head: bytes = b""  # request bytes seen so far, until its headers end (from_end)


@dataclass
class _Link:
    """One direction of one connection: the serial link model."""

    free_at: float = 0.0


@dataclass(eq=False)  # identity hash: connections live in a set
class _Conn:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    armed: dict[str, list[_Armed]] = field(default_factory=lambda: {UP: [], DOWN: []})
    up_tail: bytes = b""
    stalled: set[str] = field(default_factory=set)
    links: dict[str, _Link] = field(default_factory=lambda: {UP: _Link(), DOWN: _Link()})
    queues: dict[str, asyncio.Queue[tuple[float, bytes | None]]] = field(default_factory=dict)
    closed: bool = False
    request_done_at: float | None = None  # when the last request byte reached the server


class FaultProxy:
    def __init__(
        self,
        target_port: int,
        *,
        target_host: str = "127.0.0.1",
        latency_s: float = 0.0,
        rate_bps: float | None = None,
    ) -> None:
        self.target = (target_host, target_port)
        self.latency_s = latency_s
        self.rate_bps = rate_bps
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self.fired = 0
        self.pushes = 0  # POST /v1/sync/push requests seen (tests kill clients between them)
        # Time between a request's last byte reaching the server and its reply's first byte:
        # the server thinking, which no link shaping explains.
        self.server_wait_s = 0.0
        self.port = 0
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._conns: set[_Conn] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
            for conn in list(self._conns):
                self._abort(conn)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- faults ---------------------------------------------------------------------------

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def cut_request(
        self, n: int, *, trigger: bytes = b"POST /v1/sync/push", times: int = 1
    ) -> None:
        """Forward N bytes of the matching request (from its request line), then cut."""
        self.arm(Fault(UP, "cut", n, trigger, times))

    def cut_request_from_end(
        self, n: int, *, trigger: bytes = b"POST /v1/sync/push", times: int = 1
    ) -> None:
        """Cut the matching request ``n`` bytes before its end (0: all of it sent, then cut;
        1: all but the last byte), the end known from its Content-Length."""
        self.arm(Fault(UP, "cut", n, trigger, times, from_end=True))

    def cut_reply(self, n: int, *, trigger: bytes = b"POST /v1/sync/push", times: int = 1) -> None:
        """Forward N bytes of the reply to the matching request, then cut."""
        self.arm(Fault(DOWN, "cut", n, trigger, times))

    def stall_reply(
        self, n: int = 0, *, trigger: bytes = b"POST /v1/sync/push", times: int = 1
    ) -> None:
        """Forward N bytes of the reply, then hold the rest for ever (the connection stays)."""
        self.arm(Fault(DOWN, "stall", n, trigger, times))

    def stall_request(
        self, n: int, *, trigger: bytes = b"POST /v1/sync/push", times: int = 1
    ) -> None:
        self.arm(Fault(UP, "stall", n, trigger, times))

    def flip_reply(
        self, offset: int, *, trigger: bytes = b"GET /v1/files/", times: int = 1
    ) -> None:
        """Flip the lowest bit of the reply body's byte at ``offset`` (after the headers)."""
        self.arm(Fault(DOWN, "flip", offset, trigger, times, body_only=True))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def armed(self) -> int:
        with self._lock:
            return sum(f.times for f in self._faults)

    def drop_all(self) -> None:
        """Abort every open connection now (the link went down)."""

        def _drop() -> None:
            for conn in list(self._conns):
                self._abort(conn)

        self._loop.call_soon_threadsafe(_drop)

    # --- relaying -------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Conn(client=writer)
        self._conns.add(conn)
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self._abort(conn)
            self._conns.discard(conn)
            return
        conn.server = up_writer
        conn.queues = {UP: asyncio.Queue(), DOWN: asyncio.Queue()}
        tasks = [
            asyncio.create_task(self._read(conn, reader, UP)),
            asyncio.create_task(self._read(conn, up_reader, DOWN)),
            asyncio.create_task(self._deliver(conn, UP, up_writer)),
            asyncio.create_task(self._deliver(conn, DOWN, writer)),
        ]
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            # Stopping the proxy: end quietly (a cancelled connection callback would be
            # reported by asyncio as an error).
        finally:
            self._abort(conn)
            self._conns.discard(conn)

    def _claim(self, conn: _Conn, data: bytes) -> None:
        """Arm the faults whose trigger starts in this upstream data on this connection."""
        window = conn.up_tail + data
        self.pushes += window.count(b"POST /v1/sync/push") - conn.up_tail.count(
            b"POST /v1/sync/push"
        )
        claimed: set[bytes] = set()
        with self._lock:
            for fault in list(self._faults):
                # One fault per request: the first one armed for this trigger, in order.
                position = window.find(
                    fault.trigger, max(len(conn.up_tail) - len(fault.trigger) + 1, 0)
                )
                if position < 0 or fault.trigger in claimed:
                    continue
                claimed.add(fault.trigger)
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                armed = _Armed(fault, target=None if fault.from_end else fault.n)
                if fault.direction == UP:
                    # Count from the request line: bytes before it in this chunk are not ours.
                    armed.count = -(position - len(conn.up_tail))
                    armed.head = window[position:]
                conn.armed[fault.direction].append(armed)
        conn.up_tail = window[-64:]

    def _apply(self, conn: _Conn, direction: str, data: bytes) -> tuple[bytes, str | None]:
        """The bytes to forward and what happens after them ("cut", "stall" or None)."""
        out = bytearray(data)
        action: str | None = None
        for armed in list(conn.armed[direction]):
            fault = armed.fault
            chunk = bytes(out)
            if fault.body_only and not armed.body_started:
                joined = armed.header_tail + chunk
                end = joined.find(b"\r\n\r\n")
                if end < 0:
                    armed.header_tail = joined[-3:]
                    continue
                armed.body_started = True
                armed.count = -(end + 4 - len(armed.header_tail))
            start = armed.count
            armed.count += len(chunk)
            if armed.target is None:
                # from_end: find the headers' end and Content-Length in the request so far.
                if start > 0:
                    armed.head += chunk
                end = armed.head.find(b"\r\n\r\n")
                if end < 0:
                    continue
                match = re.search(rb"(?im)^content-length:\s*(\d+)", armed.head[:end])
                length = int(match.group(1)) if match else 0
                armed.target = end + 4 + length - fault.n
            if fault.action == "flip":
                index = armed.target - start
                if 0 <= index < len(out):
                    out[index] ^= 0x01
                    conn.armed[direction].remove(armed)
                    self.fired += 1
                continue
            if armed.count >= armed.target:
                keep = max(armed.target - start, 0)
                out = out[:keep]
                action = fault.action
                conn.armed[direction].remove(armed)
                self.fired += 1
                break
        return bytes(out), action

    async def _read(self, conn: _Conn, reader: asyncio.StreamReader, direction: str) -> None:
        queue = conn.queues[direction]
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if direction == UP:
                    self.bytes_up += len(data)
                    self._claim(conn, data)
                else:
                    self.bytes_down += len(data)
                    if conn.request_done_at is not None:
                        self.server_wait_s += time.monotonic() - conn.request_done_at
                        conn.request_done_at = None
                if direction in conn.stalled:
                    continue  # held for ever
                data, action = self._apply(conn, direction, data)
                self._enqueue(conn, direction, data)
                if action == "cut":
                    await queue.put((self._arrival(conn, direction, 0), None))
                    return
                if action == "stall":
                    conn.stalled.add(direction)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        if direction in conn.stalled:
            self._abort(conn)  # the other side gave up on a stalled link
            return
        # EOF (or an error): tell the deliverer to close this direction after what is queued.
        await queue.put((self._arrival(conn, direction, 0), b""))

    def _arrival(self, conn: _Conn, direction: str, size: int) -> float:
        link = conn.links[direction]
        now = time.monotonic()
        start = max(now, link.free_at)
        duration = size * 8 / self.rate_bps if self.rate_bps else 0.0
        link.free_at = start + duration
        return link.free_at + self.latency_s

    def _enqueue(self, conn: _Conn, direction: str, data: bytes) -> None:
        queue = conn.queues[direction]
        step = SEGMENT if self.rate_bps else len(data) or 1
        for offset in range(0, len(data), step):
            piece = data[offset : offset + step]
            queue.put_nowait((self._arrival(conn, direction, len(piece)), piece))

    async def _deliver(self, conn: _Conn, direction: str, writer: asyncio.StreamWriter) -> None:
        queue = conn.queues[direction]
        while True:
            due, data = await queue.get()
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if data is None:  # a cut: both sides go down at once
                self._abort(conn)
                return
            if data == b"":  # a clean end of this direction
                with contextlib.suppress(OSError, RuntimeError):
                    await writer.drain()
                    if writer.can_write_eof():
                        writer.write_eof()
                if direction == DOWN:
                    self._close(conn)  # the server closed: nothing more will come
                return
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, RuntimeError):
                self._abort(conn)
                return
            if direction == UP and queue.empty():
                conn.request_done_at = time.monotonic()

    def _close(self, conn: _Conn) -> None:
        """A clean end: flush what is written, then close both sides."""
        if conn.closed:
            return
        conn.closed = True
        for writer in (conn.client, conn.server):
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
        for queue in conn.queues.values():
            with contextlib.suppress(Exception):
                queue.put_nowait((0.0, None))

    def _abort(self, conn: _Conn) -> None:
        if conn.closed:
            return
        conn.closed = True
        for writer in (conn.client, conn.server):
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.transport.abort()
        for queue in conn.queues.values():
            # Wake the deliverers so they notice the connection is gone.
            with contextlib.suppress(Exception):
                queue.put_nowait((0.0, None))

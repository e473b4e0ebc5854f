"""The sync HTTP client: backoff with full jitter, Retry-After, portals, cuts, stalls, headers."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from zhangye_desk.sync.errors import (
    CaptivePortal,
    NoNetwork,
    ProtocolMismatch,
    Revoked,
    ServerBusy,
    Unauthorized,
)
from zhangye_desk.sync.http import Backoff, SyncHttp, parse_retry_after, stall_for

from .httpfake import Answer, FakeServer, Seen, protocol_json


def recording_backoff(**kw: float) -> tuple[Backoff, list[float]]:
    slept: list[float] = []
    backoff = Backoff(sleep=slept.append, **kw)  # type: ignore[arg-type]
    return backoff, slept


# --- backoff --------------------------------------------------------------------------------


def test_full_jitter_spans_zero_to_the_exponential_ceiling() -> None:
    low = Backoff(base_s=0.5, cap_s=30, rng=lambda: 0.0)
    high = Backoff(base_s=0.5, cap_s=30, rng=lambda: 0.999999)
    assert [low.delay(n) for n in (1, 2, 5)] == [0.0, 0.0, 0.0]
    assert [round(high.delay(n), 3) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert high.delay(20) == pytest.approx(30, rel=1e-3)  # capped


def test_jittered_delays_are_spread_and_within_bounds() -> None:
    backoff = Backoff(base_s=1.0, cap_s=8.0)
    delays = [backoff.delay(4) for _ in range(2000)]
    assert min(delays) >= 0 and max(delays) <= 8.0
    # Full jitter: spread over the whole range, not clustered at the ceiling.
    assert sum(d < 2 for d in delays) > 300 and sum(d > 6 for d in delays) > 300


def test_retry_after_is_a_floor_and_bounded() -> None:
    backoff = Backoff(base_s=0.1, cap_s=1.0, rng=lambda: 0.5)
    assert backoff.delay(1, retry_after=7) == 7
    assert backoff.delay(1, retry_after=10**6) == backoff.max_retry_after_s


def test_budget_of_consecutive_failures() -> None:
    backoff, slept = recording_backoff(max_failures=3)
    assert backoff.failed() and backoff.failed()
    assert not backoff.failed()
    assert len(slept) == 2
    backoff.reset()
    assert backoff.failed()


def test_parse_retry_after() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    in_a_minute = parse_retry_after(formatdate(time.time() + 60, usegmt=True))
    assert in_a_minute is not None and 55 <= in_a_minute <= 61


def test_stall_timeout_grows_with_the_body() -> None:
    assert stall_for(0, 10) == 10
    assert stall_for(128 * 1024, 10) > 40  # 128 KiB crawls for ~33 s at half of 64 kbit/s


# --- against a real local server ------------------------------------------------------------


def client(server: FakeServer, **kw: object) -> tuple[SyncHttp, list[float]]:
    backoff, slept = recording_backoff(base_s=0.01, cap_s=0.05, max_failures=4)
    return SyncHttp(server.url, backoff=backoff, **kw), slept  # type: ignore[arg-type]


def test_retry_after_on_503_is_honoured_then_the_reply_counts() -> None:
    answers = iter(
        [
            protocol_json({"error": "busy"}, status=503, headers={"Retry-After": "2"}),
            protocol_json({"ok": True}),
        ]
    )
    with FakeServer(lambda seen: next(answers)) as server:
        http, slept = client(server)
        reply = http.call("GET", "/v1/sync/info")
    assert reply.data["ok"] is True
    assert slept == [2.0]


def test_429_that_never_ends_is_server_busy() -> None:
    with FakeServer(lambda seen: protocol_json({}, status=429, headers={"Retry-After": "0"})) as s:
        http, slept = client(s)
        with pytest.raises(ServerBusy):
            http.call("GET", "/v1/sync/info")
    assert len(slept) == 3  # four attempts in all


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b"<html><body>Please log in</body></html>", {"Content-Type": "text/html"}),
        Answer(302, b"", {"Location": "http://portal.example/login"}),
        Answer.json({"status": "ok"}),  # JSON, but not from our server: no protocol field
    ],
    ids=["html", "redirect", "json-without-protocol"],
)
def test_a_captive_portal_is_recognised_and_nothing_counts(answer: Answer) -> None:
    with FakeServer(lambda seen: answer) as server:
        http, slept = client(server)
        with pytest.raises(CaptivePortal):
            http.call("POST", "/v1/sync/push", data=b"x")
        assert len(server.seen) == 1  # a redirect is not followed
    assert slept == []


def test_a_cut_reply_is_retried_not_trusted() -> None:
    body = b'{"protocol": 1, "acked_through": 100, "results": []}'
    answers = iter(
        [
            Answer(200, body, {"Content-Type": "application/json"}, cut_after=20),
            Answer(200, body, {"Content-Type": "application/json"}),
        ]
    )
    with FakeServer(lambda seen: next(answers)) as server:
        http, slept = client(server)
        reply = http.call("POST", "/v1/sync/push", data=b"batch")
        assert [s.body for s in server.seen] == [b"batch", b"batch"]  # the same bytes again
    assert reply.data["acked_through"] == 100
    assert len(slept) == 1


def test_a_stalled_reply_is_given_up_within_the_stall_timeout() -> None:
    answers = iter([protocol_json({}, stall_s=5), protocol_json({"n": 2})])
    with FakeServer(lambda seen: next(answers)) as server:
        http, _ = client(server, stall_timeout=0.3)
        started = time.monotonic()
        reply = http.call("GET", "/v1/sync/info")
        elapsed = time.monotonic() - started
    assert reply.data["n"] == 2
    assert elapsed < 2.5


def test_no_server_at_all_is_no_network() -> None:
    with FakeServer(lambda seen: protocol_json({})) as server:
        url = server.url
    backoff, _ = recording_backoff(base_s=0.01, max_failures=3)
    with pytest.raises(NoNetwork):
        SyncHttp(url, backoff=backoff, connect_timeout=0.5).call("GET", "/v1/sync/info")


def test_401_revoked_and_unauthorized_stop_at_once() -> None:
    def handler(seen: Seen) -> Answer:
        error = "revoked" if seen.path.endswith("revoked") else "unauthorized"
        return protocol_json({"error": error}, status=401)

    with FakeServer(handler) as server:
        http, slept = client(server)
        with pytest.raises(Revoked):
            http.call("GET", "/revoked")
        with pytest.raises(Unauthorized):
            http.call("GET", "/other")
    assert slept == []


def test_another_protocol_version_is_refused() -> None:
    with FakeServer(lambda seen: Answer.json({"protocol": 2})) as server:
        http, _ = client(server)
        with pytest.raises(ProtocolMismatch):
            http.call("GET", "/v1/sync/info")


def test_requests_are_lean_keep_alive_and_carry_the_secret_only_in_authorization(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    with FakeServer(lambda seen: protocol_json({})) as server:
        backoff, _ = recording_backoff()
        http = SyncHttp(server.url, device_id="dev-1", secret="s3cret-value", backoff=backoff)
        http.call("GET", "/v1/sync/info")
        http.call("POST", "/v1/sync/push", data=b"body", headers={"Content-Encoding": "gzip"})
        first, second = server.seen
    names = set(first.headers)
    assert names <= {"host", "user-agent", "accept-encoding", "authorization"}
    assert first.headers["authorization"] == "Bearer dev-1.s3cret-value"
    assert len(first.headers["user-agent"]) < 16
    assert second.headers["content-encoding"] == "gzip"
    assert "s3cret-value" not in caplog.text
    http.close()


def test_one_connection_is_reused() -> None:
    ports: set[int] = set()

    with FakeServer(lambda seen: protocol_json({})) as server:
        original = server.httpd.RequestHandlerClass.setup  # type: ignore[attr-defined]

        def setup(handler: object) -> None:
            ports.add(handler.client_address[1])  # type: ignore[attr-defined]
            original(handler)  # type: ignore[arg-type]

        server.httpd.RequestHandlerClass.setup = setup  # type: ignore[attr-defined]
        http, _ = client(server)
        for _ in range(5):
            http.call("GET", "/v1/sync/info")
    assert len(ports) == 1

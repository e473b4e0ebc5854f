"""GET /v1/files/{sha256}: whole files, resumable ranges, If-Range, strong ETags, 404 and 416."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.server.conftest import DAHE, MATI, Creds, ServerUnderTest
from zhangye_desk.server import service
from zhangye_desk.server.files import content_path, parse_range

SIZE = 200_000  # several 64 KiB chunks


@pytest.fixture
def published(server: ServerUnderTest, tmp_path: Path) -> tuple[str, bytes]:
    data = os.urandom(SIZE)
    path = tmp_path / "讲座.mp3"
    path.write_bytes(data)
    with server.conn() as conn:
        row = service.publish_material(conn, server.settings.files_dir, path, title="讲座")
    return str(row["sha256"]), data


def get(server: ServerUnderTest, creds: Creds, sha256: str, **headers: str):  # type: ignore[no-untyped-def]
    return server.client.get(f"/v1/files/{sha256}", headers={**creds.headers, **headers})


def test_a_whole_file_with_a_strong_etag(server: ServerUnderTest, published: tuple) -> None:
    sha256, data = published
    reply = get(server, server.enrol(), sha256)
    assert reply.status_code == 200
    assert reply.content == data
    assert reply.headers["etag"] == f'"{sha256}"'
    assert reply.headers["accept-ranges"] == "bytes"
    assert reply.headers["content-length"] == str(SIZE)
    assert reply.headers["content-type"] == "audio/mpeg"
    assert "content-encoding" not in reply.headers  # bytes travel as they are
    assert hashlib.sha256(reply.content).hexdigest() == sha256
    assert content_path(server.settings.files_dir, sha256).read_bytes() == data


def test_a_download_resumes_with_range_and_if_range(
    server: ServerUnderTest, published: tuple
) -> None:
    sha256, data = published
    creds = server.enrol()
    offset = 70_001  # what the laptop verified before the link dropped
    reply = get(server, creds, sha256, Range=f"bytes={offset}-", **{"If-Range": f'"{sha256}"'})
    assert reply.status_code == 206
    assert reply.headers["content-range"] == f"bytes {offset}-{SIZE - 1}/{SIZE}"
    assert reply.headers["content-length"] == str(SIZE - offset)
    assert data[:offset] + reply.content == data


def test_a_stale_if_range_sends_the_whole_file(server: ServerUnderTest, published: tuple) -> None:
    sha256, data = published
    reply = get(server, server.enrol(), sha256, Range="bytes=100-", **{"If-Range": '"other"'})
    assert reply.status_code == 200 and reply.content == data


@pytest.mark.parametrize(
    ("header", "status", "part"),
    [
        ("bytes=0-9", 206, slice(0, 10)),
        ("bytes=-10", 206, slice(SIZE - 10, SIZE)),
        ("bytes=100-99999999", 206, slice(100, SIZE)),
        ("bytes=0-0,5-6", 200, slice(0, SIZE)),  # several ranges: the whole file instead
        ("items=0-9", 200, slice(0, SIZE)),
        ("bytes=9-0", 200, slice(0, SIZE)),
    ],
)
def test_byte_ranges(
    server: ServerUnderTest, published: tuple, header: str, status: int, part: slice
) -> None:
    sha256, data = published
    reply = get(server, server.enrol(), sha256, Range=header)
    assert reply.status_code == status
    assert reply.content == data[part]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 9}", "bytes=-0"])
def test_a_range_past_the_end_is_416(
    server: ServerUnderTest, published: tuple, header: str
) -> None:
    sha256, _ = published
    reply = get(server, server.enrol(), sha256, Range=header)
    assert reply.status_code == 416
    assert reply.headers["content-range"] == f"bytes */{SIZE}"
    assert reply.json()["error"] == "range_not_satisfiable"


def test_unknown_and_foreign_files_are_404(
    server: ServerUnderTest, published: tuple, tmp_path: Path
) -> None:
    creds = server.enrol(DAHE)
    for name in ("0" * 64, "not-a-hash", "A" * 64):
        reply = get(server, creds, name)
        assert (reply.status_code, reply.json()["error"]) == (404, "not_found")
    path = tmp_path / "mati.pdf"
    path.write_bytes(b"%PDF only for Mati")
    with server.conn() as conn:
        mati = service.publish_material(
            conn, server.settings.files_dir, path, title="马蹄", township_code=MATI
        )
    assert get(server, creds, mati["sha256"]).status_code == 404
    assert get(server, server.enrol(MATI), mati["sha256"]).status_code == 200


def test_head_and_if_none_match(server: ServerUnderTest, published: tuple) -> None:
    sha256, _ = published
    creds = server.enrol()
    head = server.client.head(f"/v1/files/{sha256}", headers=creds.headers)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(SIZE)
    cached = get(server, creds, sha256, **{"If-None-Match": f'"{sha256}"'})
    assert cached.status_code == 304 and cached.content == b""


def test_parse_range_edge_cases() -> None:
    assert parse_range(None, 10) is None
    assert parse_range("bytes=5-", 10) == (5, 9)
    assert parse_range("bytes=-20", 10) == (0, 9)
    assert parse_range("bytes=10-", 10) == "unsatisfiable"
    assert parse_range("bytes=-", 10) is None
    assert parse_range("bytes=0-", 0) == "unsatisfiable"

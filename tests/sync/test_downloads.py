"""Material downloads: resume after cuts, a changed file, a flipped byte, disk space, crashes."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import namedtuple
from pathlib import Path

import pytest

from zhangye_desk.sync import downloads
from zhangye_desk.sync.downloads import DownloadCorrupt, FileMissing, Wanted, download
from zhangye_desk.sync.errors import DiskFull, NoNetwork
from zhangye_desk.sync.http import Backoff, SyncHttp

from .httpfake import Answer, FakeServer, Seen, protocol_json

CONTENT = random.Random(3).randbytes(700_000)
SHA = hashlib.sha256(CONTENT).hexdigest()
WANTED = Wanted(sha256=SHA, size=len(CONTENT), mime="application/pdf")


class FileServer:
    """Serves one file the way protocol.md says, with faults scripted per request."""

    def __init__(self, content: bytes = CONTENT, etag: str | None = None) -> None:
        self.content = content
        self.etag = etag or f'"{SHA}"'
        self.cuts: list[int | None] = []  # per request: cut the body after N bytes
        self.flip_at: int | None = None  # flip one byte of the next reply at this file offset
        self.after_request: list[object] = []

    def __call__(self, seen: Seen) -> Answer:
        if not seen.path.endswith(SHA):
            return protocol_json({"error": "not_found"}, status=404)
        size = len(self.content)
        start = 0
        status = 200
        headers = {"ETag": self.etag, "Accept-Ranges": "bytes",
                   "Content-Type": "application/pdf"}  # fmt: skip
        match = re.match(r"bytes=(\d+)-$", seen.headers.get("range", ""))
        if match and seen.headers.get("if-range", self.etag) == self.etag:
            start = int(match.group(1))
            if start >= size:
                return protocol_json({"error": "range_not_satisfiable"}, status=416)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        body = bytearray(self.content[start:])
        if self.flip_at is not None and self.flip_at >= start:
            body[self.flip_at - start] ^= 0x01
            self.flip_at = None
        cut = self.cuts.pop(0) if self.cuts else None
        return Answer(status, bytes(body), headers, cut_after=cut)


def http_for(server: FakeServer, **kw: float) -> SyncHttp:
    backoff = Backoff(base_s=0.001, cap_s=0.01, max_failures=int(kw.pop("max_failures", 8)))
    return SyncHttp(server.url, backoff=backoff, **kw)  # type: ignore[arg-type]


def ranges(server: FakeServer) -> list[str | None]:
    return [seen.headers.get("range") for seen in server.seen]


def test_a_plain_download_is_verified_and_moved_into_place(tmp_path: Path) -> None:
    files = FileServer()
    with FakeServer(files) as server:
        path = download(http_for(server), tmp_path, WANTED, reserve=0)
    assert path == tmp_path / f"{SHA}.pdf"
    assert path.read_bytes() == CONTENT
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no .part left
    assert server.seen[0].headers["accept-encoding"] == "identity"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cuts_at_random_offsets_resume_with_range_and_if_range(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = FileServer()
    files.cuts = [rng.randrange(1, 300_000) for _ in range(3)]
    with FakeServer(files) as server:
        path = download(http_for(server), tmp_path, WANTED, reserve=0)
        seen = list(server.seen)
    assert path.read_bytes() == CONTENT
    assert len(seen) == 4
    assert seen[0].headers.get("range") is None
    for request in seen[1:]:
        assert request.headers["range"].startswith("bytes=")
        assert request.headers["if-range"] == f'"{SHA}"'
    # Every resume starts exactly where the bytes received so far end.
    offsets = [int(s.headers["range"][6:-1]) for s in seen[1:]]
    assert offsets == sorted(offsets) and offsets[0] > 0


def test_a_changed_file_on_the_server_restarts_from_zero(tmp_path: Path) -> None:
    # The first bytes came from an older file (another ETag); after the cut the server has the
    # right one, so If-Range does not match and a whole 200 comes back.
    old = FileServer(content=random.Random(9).randbytes(len(CONTENT)), etag='"old-version"')
    old.cuts = [100_000]
    state = {"server": old}
    new = FileServer()
    with FakeServer(lambda seen: state["server"](seen)) as server:
        http = http_for(server, max_failures=1)  # the first cut gives up the attempt
        with pytest.raises(NoNetwork):
            download(http, tmp_path, WANTED, reserve=0)
        part, meta = downloads.part_paths(tmp_path, SHA)
        assert part.stat().st_size == 100_000
        assert json.loads(meta.read_text())["etag"] == '"old-version"'
        state["server"] = new
        path = download(http_for(server), tmp_path, WANTED, reserve=0)
        last = server.seen[-1]
    assert last.headers["if-range"] == '"old-version"'
    assert path.read_bytes() == CONTENT


def test_a_flipped_byte_is_discarded_and_fetched_again_once(tmp_path: Path) -> None:
    files = FileServer()
    files.flip_at = 123_456
    with FakeServer(files) as server:
        path = download(http_for(server), tmp_path, WANTED, reserve=0)
        assert ranges(server) == [None, None]  # the whole file again, from 0
    assert path.read_bytes() == CONTENT


def test_bytes_that_never_match_are_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    files = FileServer(content=random.Random(5).randbytes(len(CONTENT)))
    with FakeServer(files) as server:
        with pytest.raises(DownloadCorrupt):
            download(http_for(server), tmp_path, WANTED, reserve=0)
        assert len(server.seen) == 2
    assert list(tmp_path.iterdir()) == []


def test_free_disk_is_checked_before_any_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(downloads.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 1000))
    with FakeServer(FileServer()) as server:
        with pytest.raises(DiskFull) as info:
            download(http_for(server), tmp_path, WANTED, reserve=0)
        assert server.seen == []
    assert info.value.needed == len(CONTENT) and info.value.free == 1000


def test_a_crash_leaves_a_part_that_the_next_run_resumes(tmp_path: Path) -> None:
    # As if the process died: 200,000 verified bytes recorded, plus unsynced junk after them.
    part, meta = downloads.part_paths(tmp_path, SHA)
    part.write_bytes(CONTENT[:200_000] + b"junk never fsync'd")
    meta.write_text(json.dumps({"offset": 200_000, "etag": f'"{SHA}"'}))
    with FakeServer(FileServer()) as server:
        path = download(http_for(server), tmp_path, WANTED, reserve=0)
        assert ranges(server) == ["bytes=200000-"]
    assert path.read_bytes() == CONTENT


def test_an_unknown_file_is_reported_missing(tmp_path: Path) -> None:
    other = Wanted(sha256="0" * 64, size=10)
    with FakeServer(FileServer()) as server:
        with pytest.raises(FileMissing):
            download(http_for(server), tmp_path, other, reserve=0)


def test_a_file_already_in_place_is_not_fetched(tmp_path: Path) -> None:
    (tmp_path / WANTED.file_name).write_bytes(CONTENT)
    with FakeServer(FileServer()) as server:
        download(http_for(server), tmp_path, WANTED, reserve=0)
        assert server.seen == []

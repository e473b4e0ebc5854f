"""Replay tests/fixtures/protocol/*.json: the server must still answer as it did (golden.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.server.golden import FIXTURES, SCENARIOS, Golden, new_golden_server, without_details
from zhangye_desk.server.db import op_log

FILES = sorted(FIXTURES.glob("*.json"))


def test_every_scenario_has_its_golden_file() -> None:
    assert sorted(p.stem for p in FILES) == sorted(SCENARIOS)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_server_still_answers_as_recorded(path: Path, tmp_path: Path) -> None:
    recorded = json.loads(path.read_text(encoding="utf-8"))
    server = new_golden_server(tmp_path)
    try:
        golden = Golden(server)
        golden.setup(recorded["setup"])
        for index, exchange in enumerate(recorded["exchanges"]):
            got = golden.exchange(exchange["request"])
            assert without_details(got) == without_details(exchange["response"]), (
                f"{path.name}, exchange {index}: {exchange['request']['path']}"
            )
        if "op_hashes" in recorded:
            # The server's hash of each decoded op is the laptop's own sha256.
            stored = {f"{r['origin_replica']}:{r['seq']}": r["sha256"] for r in server.rows(op_log)}
            assert stored == recorded["op_hashes"]
    finally:
        server.close()

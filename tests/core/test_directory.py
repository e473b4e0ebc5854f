"""The shipped Sunan directory: loading it, reloading it, and refusing a broken file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from zhangye_desk.core import outbox
from zhangye_desk.core.directory import (
    DirectoryFileError,
    directory_dir,
    load_directory,
    organisations,
    township_by_name,
    townships,
    villages,
)
from zhangye_desk.core.errors import NotFoundError

SUNAN = [
    ("620721100", "红湾寺镇"),
    ("620721101", "皇城镇"),
    ("620721102", "康乐镇"),
    ("620721200", "马蹄藏族乡"),
    ("620721202", "白银蒙古族乡"),
    ("620721203", "大河乡"),
    ("620721204", "明花乡"),
    ("620721205", "祁丰藏族乡"),
]
QIFENG = "620721205"


def _counts(db: Database) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("township", "village", "organisation")
    )


def test_the_eight_townships_load_in_county_order(sunan_db: Database) -> None:
    rows = townships(sunan_db)
    assert [(r["code"], r["name"]) for r in rows] == SUNAN
    assert all(r["name_en"] and r["name_en"].isascii() for r in rows)
    confirmed = {r["name"]: r["code_confirmed"] for r in rows}
    assert confirmed.pop("祁丰藏族乡") is False
    assert all(confirmed.values())


def test_reloading_changes_nothing_and_writes_no_ops(sunan_db: Database) -> None:
    before = _counts(sunan_db)
    counts = load_directory(sunan_db)
    assert _counts(sunan_db) == before
    assert counts == dict(zip(("townships", "villages", "organisations"), before, strict=True))
    assert outbox.pending_count(sunan_db) == 0


def test_villages_belong_to_their_township_and_are_marked_samples(sunan_db: Database) -> None:
    assert len(villages(sunan_db, QIFENG)) == 13
    for code, _ in SUNAN:
        rows = villages(sunan_db, code)
        assert rows, f"no villages for {code}"
        for row in rows:
            assert row["code"].startswith(code) and len(row["code"]) == len(code) + 3
            assert row["sample"] is True


def test_each_township_has_one_committee_at_the_top_of_its_tree(sunan_db: Database) -> None:
    for code, name in SUNAN:
        tree = organisations(sunan_db, code)
        committees = [o for o in tree if o["kind"] == "committee"]
        assert len(committees) == 1
        assert tree[0] is committees[0] and tree[0]["depth"] == 0
        assert tree[0]["name"] == f"{name}党委"
        ids = {o["id"] for o in tree}
        for org in tree[1:]:
            assert org["parent_id"] in ids and org["depth"] >= 1
            assert org["kind"] in ("general_branch", "branch")


def test_township_by_name_accepts_name_or_code(sunan_db: Database) -> None:
    assert township_by_name(sunan_db, "大河乡")["code"] == "620721203"
    assert township_by_name(sunan_db, " 620721204 ")["name"] == "明花乡"


def test_an_unknown_township_lists_the_valid_names(sunan_db: Database) -> None:
    with pytest.raises(NotFoundError) as caught:
        township_by_name(sunan_db, "大河镇")
    message = str(caught.value)
    assert "大河镇" in message
    assert all(name in message for _, name in SUNAN)


def _broken_copy(tmp_path: Path, file: str, change: Any) -> Path:
    folder = tmp_path / "sunan"
    shutil.copytree(directory_dir(), folder)
    path = folder / file
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        (
            "townships.json",
            lambda d: d["townships"][2].pop("code"),
            "townships.json, entry 2: (康乐镇) field 'code'",
        ),
        (
            "villages.json",
            lambda d: d["villages"][0].update(code="620721999201"),
            "villages.json, entry 0: (隆畅社区) code '620721999201'",
        ),
        (
            "organisations.json",
            lambda d: d["organisations"][1].update(kind="bureau"),
            "organisations.json, entry 1: (红湾寺镇机关党支部) kind 'bureau'",
        ),
        (
            "organisations.json",
            lambda d: d["organisations"][1].update(parent_id="org-missing"),
            "organisations.json, entry 1: (红湾寺镇机关党支部) parent_id 'org-missing'",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_file_and_entry(
    db: Database, tmp_path: Path, file: str, change: Any, expected: str
) -> None:
    folder = _broken_copy(tmp_path, file, change)
    with pytest.raises(DirectoryFileError) as caught:
        load_directory(db, folder)
    assert expected in str(caught.value)
    assert _counts(db) == (0, 0, 0)


def test_an_unreadable_file_is_refused(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "sunan"
    shutil.copytree(directory_dir(), folder)
    (folder / "villages.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DirectoryFileError, match="villages.json"):
        load_directory(db, folder)


def test_a_corrected_file_updates_the_rows_in_place(sunan_db: Database, tmp_path: Path) -> None:
    folder = _broken_copy(
        tmp_path, "villages.json", lambda d: d["villages"][0].update(name="隆畅社区（新）")
    )
    before = _counts(sunan_db)
    load_directory(sunan_db, folder)
    assert _counts(sunan_db) == before
    assert villages(sunan_db, "620721100")[0]["name"] == "隆畅社区（新）"

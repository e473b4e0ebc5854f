"""The search indexes (migration m004) change how fast search is, never what it finds.

``search_people`` answers from the FTS5 prefix and trigram indexes when it can and scans the
roster otherwise; here every path is compared with the plain scan on a demo roster, and the
indexes are checked to follow the roster through inserts, renames, merges and deletions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from zhangye_desk.core import people
from zhangye_desk.core.demo import generate_demo
from zhangye_desk.core.ids import new_id
from zhangye_desk.core.people import (
    add_walk_in,
    edit_person,
    search_people,
    upsert_server_people,
)

DAHE = "620721203"  # 大河乡
KANGLE = "620721102"  # 康乐镇


def _scan_only(db: Database, query: str, **kwargs: object) -> list[tuple[str, int]]:
    """What the search finds without any index (the reference)."""
    original = people._search_indexes
    people._search_indexes = lambda db: set()  # type: ignore[assignment]
    try:
        return [(r["id"], r["rank"]) for r in search_people(db, query, **kwargs)]  # type: ignore[arg-type]
    finally:
        people._search_indexes = original  # type: ignore[assignment]


def _indexed(db: Database, query: str, **kwargs: object) -> list[tuple[str, int]]:
    return [(r["id"], r["rank"]) for r in search_people(db, query, **kwargs)]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A small county: 3,000 people over every township (names repeat, as in Sunan)."""
    from zhangye_desk.core.directory import load_directory
    from zhangye_desk.core.store import open_db

    folder: Path = tmp_path_factory.mktemp("county")
    db = open_db(folder / "store.sqlite3")
    load_directory(db)
    generate_demo(db, materials_dir=folder / "materials", people=3000, sessions=0, marks=0)
    # Names with characters pypinyin cannot read, or in another script, kept as they are.
    odd = ["卓𠀀玛", "ཀཁ卓玛", "卓㐀玛措", "Dorje卓玛", "措毛·ཀ"]
    upsert_server_people(
        db,
        [{"id": new_id(), "name": name, "township_code": DAHE, "version": 1} for name in odd],
    )
    return db


def test_the_store_has_both_search_indexes(county: Database) -> None:
    assert people._search_indexes(county) == {"person_fts", "person_trigram"}


QUERIES = [
    # one and two letters or characters: prefix matches fill the page, or a scan
    *"azcmbgdsyxwqjlhrtku",
    "zh",
    "an",
    "ca",
    "am",
    "ue",
    "iu",
    *"卓安才巴马郭玛措花",
    "卓玛",
    "才让",
    "马阿",
    "措毛",
    "梅花",
    "孟和",
    # longer: prefixes, whole names, and substrings from the middle (trigram)
    "zhuoma",
    "cairang",
    "anmeihua",
    "yangyuying",
    "suolan",
    "ang",
    "ing",
    "mao",
    "crzm",
    "zm",
    "amh",
    "bte",
    "才让卓玛",
    "安梅花",
    "巴特尔",
    "卓玛草",
    "𠀀",
    "ཀཁ",
    "卓𠀀",
    "dorje",
    "㐀玛",
    # what the indexes must not be trusted with: the scan answers these
    "zhuo ma",
    "卓%",
    "a_b",
    "x1",
    "ü",
]


def test_only_queries_the_indexes_cannot_answer_scan_the_roster(
    county: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[str] = []
    original = people._ranked
    names = {
        people._PREFIX_SEARCH_SQL: "prefix",
        people._INDEXED_SEARCH_SQL: "trigram",
        people._NAME_SEARCH_SQL: "names",
        people._SEARCH_SQL: "scan",
    }

    def spy(db: Database, sql: str, params: dict[str, object]) -> list[tuple[str, int]]:
        used.append(names[sql])
        return original(db, sql, params)

    monkeypatch.setattr(people, "_ranked", spy)
    for query in ("z", "a", "zh", "安", "卓玛", "措毛", "玛", "zhuoma", "anmeihua", "才让卓玛"):
        search_people(county, query, township_code=DAHE)
    assert "scan" not in used
    assert {"prefix", "trigram", "names"} <= set(used)
    used.clear()
    for query in ("zhuo ma", "卓%", "ue"):
        search_people(county, query, township_code=DAHE)
    assert "scan" in used


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("township", [DAHE, KANGLE, None])
def test_indexed_search_finds_what_the_scan_finds(
    county: Database, query: str, township: str | None
) -> None:
    for limit in (50, 7, 200):
        expected = _scan_only(county, query, township_code=township, limit=limit)
        assert _indexed(county, query, township_code=township, limit=limit) == expected


def test_the_indexes_follow_the_roster(sunan_db: Database) -> None:
    first, second = new_id(), new_id()
    upsert_server_people(
        sunan_db,
        [
            {"id": first, "name": "才让卓玛", "township_code": DAHE, "version": 1},
            {"id": second, "name": "单小明", "township_code": DAHE, "version": 1},
        ],
    )
    # inserted (from the server, and a walk-in recorded here)
    walk_in = add_walk_in(sunan_db, name="妥明德", township_code=DAHE)
    assert [r["id"] for r in search_people(sunan_db, "tmd")] == [walk_in]
    assert [r["id"] for r in search_people(sunan_db, "卓玛")] == [first]
    assert [r["id"] for r in search_people(sunan_db, "dan")] == [second]
    # renamed here: the old keys are gone from both indexes, the new ones are found
    edit_person(sunan_db, first, {"name": "才让措毛"})
    for gone in ("卓玛", "zhuoma", "zhuo", "卓"):
        assert search_people(sunan_db, gone) == [], gone
    for found in ("措毛", "cuomao", "crcm", "angcuo"):
        assert [r["id"] for r in search_people(sunan_db, found)] == [first], found
    # renamed by the server, then merged away and deleted
    upsert_server_people(sunan_db, [{"id": second, "name": "单小红", "version": 2}])
    assert [r["id"] for r in search_people(sunan_db, "danxiaoh")] == [second]
    assert search_people(sunan_db, "danxiaom") == []
    upsert_server_people(
        sunan_db, [{"id": second, "name": "单小红", "version": 3, "merged_into": first}]
    )
    assert search_people(sunan_db, "danxiao") == []
    upsert_server_people(
        sunan_db, [{"id": walk_in, "name": "妥明德", "version": 1, "deleted": True}]
    )
    assert search_people(sunan_db, "tmd") == []
    # an index that had drifted would now answer differently from the scan
    for query in ("c", "cr", "措毛", "cuomao", "xiao", "单小"):
        assert _indexed(sunan_db, query) == _scan_only(sunan_db, query), query
    check = sunan_db.execute(
        "INSERT INTO person_fts(person_fts, rank) VALUES ('integrity-check', 1)"
    ).fetchall()
    assert check == []
    sunan_db.execute(
        "INSERT INTO person_trigram(person_trigram, rank) VALUES ('integrity-check', 1)"
    )

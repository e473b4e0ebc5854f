"""Search-as-you-type on the roster: characters, full pinyin, initials, ranking, speed."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from zhangye_desk.core.ids import new_id
from zhangye_desk.core.people import search_people, upsert_server_people

DAHE = "620721203"  # 大河乡: the session's township in these tests
KANGLE = "620721102"  # 康乐镇


@pytest.fixture
def roster(sunan_db: Database) -> dict[str, str]:
    """A few people from the county; returns label → id (labels say where they live)."""
    people = {
        "才让卓玛": ("才让卓玛", DAHE),
        "卓玛": ("卓玛", DAHE),
        "卓玛@康乐": ("卓玛", KANGLE),
        "才让东智": ("才让东智", DAHE),
        "安梅花": ("安梅花", DAHE),
        "单小明": ("单小明", DAHE),
        "巴特尔·孟和": ("巴特尔·孟和", KANGLE),
        "马阿依霞": ("马阿依霞", KANGLE),
    }
    ids = {label: new_id() for label in people}
    upsert_server_people(
        sunan_db,
        [
            {"id": ids[label], "name": name, "township_code": township, "version": 1}
            for label, (name, township) in people.items()
        ],
    )
    return ids


def _search(
    db: Database, roster: dict[str, str], query: str, township: str | None = DAHE
) -> list[tuple[str, int]]:
    labels = {person_id: label for label, person_id in roster.items()}
    return [
        (labels[row["id"]], row["rank"]) for row in search_people(db, query, township_code=township)
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # exact name first (the session's township first), then the name inside a longer one
        ("卓玛", [("卓玛", 0), ("卓玛@康乐", 0), ("才让卓玛", 5)]),
        ("才让", [("才让东智", 1), ("才让卓玛", 1)]),
        ("才让卓玛", [("才让卓玛", 0)]),
        ("巴特尔孟和", [("巴特尔·孟和", 0)]),
        ("巴特尔·孟和", [("巴特尔·孟和", 0)]),
        ("孟和", [("巴特尔·孟和", 5)]),
        # full pinyin: a prefix of any reading, then pinyin inside the name
        ("zhuoma", [("卓玛", 4), ("卓玛@康乐", 4), ("才让卓玛", 6)]),
        ("cairang", [("才让东智", 4), ("才让卓玛", 4)]),
        ("shanxiao", [("单小明", 4)]),
        ("danxiao", [("单小明", 4)]),
        ("bate", [("巴特尔·孟和", 4)]),
        # initials: exact before prefix
        ("crzm", [("才让卓玛", 2)]),
        ("crz", [("才让卓玛", 3)]),
        ("cr", [("才让东智", 3), ("才让卓玛", 3)]),
        ("sxm", [("单小明", 2)]),
        # initials prefix beats pinyin found inside other names
        ("ma", [("马阿依霞", 3), ("才让卓玛", 6), ("卓玛", 6), ("卓玛@康乐", 6)]),
        ("ZhuoMa", [("卓玛", 4), ("卓玛@康乐", 4), ("才让卓玛", 6)]),
        ("zhuo ma", [("卓玛", 4), ("卓玛@康乐", 4), ("才让卓玛", 6)]),
        ("xyz", []),
    ],
)
def test_ranking(
    sunan_db: Database, roster: dict[str, str], query: str, expected: list[tuple[str, int]]
) -> None:
    assert _search(sunan_db, roster, query) == expected


def test_the_sessions_township_ranks_first_within_a_rank(
    sunan_db: Database, roster: dict[str, str]
) -> None:
    assert _search(sunan_db, roster, "卓玛", KANGLE) == [
        ("卓玛@康乐", 0),
        ("卓玛", 0),
        ("才让卓玛", 5),
    ]
    # ... but never above a better match from elsewhere
    assert _search(sunan_db, roster, "ma", DAHE)[0] == ("马阿依霞", 3)


def test_percent_and_underscore_are_ordinary_characters(
    sunan_db: Database, roster: dict[str, str]
) -> None:
    assert _search(sunan_db, roster, "%") == []
    assert _search(sunan_db, roster, "卓%") == []
    assert _search(sunan_db, roster, "才_卓玛") == []
    odd = new_id()
    upsert_server_people(sunan_db, [{"id": odd, "name": "卓%", "township_code": DAHE}])
    assert [row["id"] for row in search_people(sunan_db, "卓%")] == [odd]


def test_an_empty_query_lists_the_township_alphabetically(
    sunan_db: Database, roster: dict[str, str]
) -> None:
    assert _search(sunan_db, roster, "", DAHE) == [
        ("安梅花", 0),
        ("才让东智", 0),
        ("才让卓玛", 0),
        ("单小明", 0),
        ("卓玛", 0),
    ]
    assert _search(sunan_db, roster, "  ", KANGLE) == [
        ("巴特尔·孟和", 0),
        ("马阿依霞", 0),
        ("卓玛@康乐", 0),
    ]
    assert len(search_people(sunan_db, "", township_code=None)) == len(roster)


def test_deleted_and_merged_people_are_not_found(
    sunan_db: Database, roster: dict[str, str]
) -> None:
    upsert_server_people(
        sunan_db,
        [
            {"id": roster["卓玛@康乐"], "name": "卓玛", "version": 2, "deleted": True},
            {
                "id": roster["才让卓玛"],
                "name": "才让卓玛",
                "version": 2,
                "merged_into": roster["卓玛"],
            },
        ],
    )
    assert _search(sunan_db, roster, "卓玛") == [("卓玛", 0)]
    assert [label for label, _ in _search(sunan_db, roster, "", DAHE)] == [
        "安梅花",
        "才让东智",
        "单小明",
        "卓玛",
    ]


def test_results_carry_what_the_attendance_and_roster_screens_show(
    sunan_db: Database, roster: dict[str, str]
) -> None:
    (row,) = search_people(sunan_db, "crzm", limit=5)
    assert set(row) == {
        "id",
        "name",
        "gender",
        "ethnicity",
        "birth_year",
        "township_code",
        "village_code",
        "organisation_id",
        "political_status",
        "phone",  # the roster page lists it
        "rank",
    }
    assert len(search_people(sunan_db, "a", limit=2)) == 2
    assert search_people(sunan_db, "a", limit=0) == []

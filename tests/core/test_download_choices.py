"""The material download queue's choices (core.materials) and the sync issues (core.sync_issues)."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from zhangye_desk.core import attendance, outbox, people, sessions, sync_issues
from zhangye_desk.core.errors import InvalidValueError, NotFoundError
from zhangye_desk.core.materials import (
    AUTO_DOWNLOAD_MAX_BYTES,
    download_queue,
    register_material,
    set_download_choice,
    set_file_state,
    wanted_ids,
)

MB = 1024 * 1024


def _material(db: Database, title: str, size: int, *, mime: str = "video/mp4", priority: int = 0,
              seed: int = 0) -> str:  # fmt: skip
    return register_material(
        db, title=title, mime=mime, size=size, sha256=f"{seed:064x}", priority=priority
    )


def test_small_and_priority_files_are_wanted_large_videos_wait(db: Database) -> None:
    slides = _material(db, "讲稿", 2 * MB, mime="application/pdf", seed=1)
    video = _material(db, "党课录像", 300 * MB, seed=2)
    county_video = _material(db, "县委宣讲", 300 * MB, priority=5, seed=3)
    edge = _material(db, "音频", AUTO_DOWNLOAD_MAX_BYTES, mime="audio/mp4", seed=4)
    queue = {row["id"]: row["effective"] for row in download_queue(db)}
    assert queue == {
        slides: "wanted",
        video: "deferred",
        county_video: "wanted",
        edge: "wanted",
    }
    assert set(wanted_ids(db)) == {slides, county_video, edge}


def test_the_users_choice_overrides_the_rule_and_can_be_undone(db: Database) -> None:
    slides = _material(db, "讲稿", 2 * MB, mime="application/pdf", seed=1)
    video = _material(db, "党课录像", 300 * MB, seed=2)
    assert set_download_choice(db, [video], "wanted") == 1
    assert set_download_choice(db, [slides], "deferred") == 1
    assert wanted_ids(db) == [video]
    set_download_choice(db, [video, slides], None)
    assert wanted_ids(db) == [slides]


def test_a_downloaded_file_leaves_the_queue_and_a_new_version_comes_back(db: Database) -> None:
    slides = _material(db, "讲稿", 2 * MB, mime="application/pdf", seed=1)
    set_file_state(db, slides, "present", file_name="x.pdf")
    assert download_queue(db) == []
    register_material(db, material_id=slides, title="讲稿（修订）", mime="application/pdf",
                      size=3 * MB, sha256=f"{9:064x}", version=2)  # fmt: skip
    [row] = download_queue(db)
    assert row["id"] == slides and row["file_state"] == "absent" and row["size"] == 3 * MB


def test_bad_choices_change_nothing(db: Database) -> None:
    slides = _material(db, "讲稿", 2 * MB, mime="application/pdf", seed=1)
    with pytest.raises(InvalidValueError):
        set_download_choice(db, [slides], "later")
    with pytest.raises(NotFoundError):
        set_download_choice(db, [slides, "no-such-material"], "deferred")
    assert download_queue(db)[0]["download_choice"] is None


def test_quarantined_ops_and_conflicts_are_kept_until_dismissed(sunan_db: Database) -> None:
    db = sunan_db
    session_id = sessions.create_session(
        db, kind="tent", title="学党史 感党恩", township_code="620721203", place_name="夏季牧场"
    )
    person = people.add_person(db, name="安测试", township_code="620721203")
    attendance.mark(db, session_id, person, "present")
    mark_seq = max(op.seq for op in outbox.pending(db))
    added = sync_issues.record(
        db,
        quarantined=[{"seq": mark_seq, "reason": "session_closed", "detail": "closed"}],
        conflicts=[{"seq": mark_seq - 1, "person_id": person, "fields": ["phone"]}],
    )
    assert added == 2
    issues = sync_issues.open_issues(db)
    by_kind = {issue["kind"]: issue for issue in issues}
    assert by_kind["quarantined"]["label"] == "学党史 感党恩"
    assert by_kind["quarantined"]["reason"] == "session_closed"
    assert by_kind["conflict"]["label"] == "安测试" and by_kind["conflict"]["fields"] == ["phone"]
    assert sync_issues.conflicted_people(db) == {person: ["phone"]}
    sync_issues.dismiss(db, by_kind["conflict"]["id"])
    assert sync_issues.conflicted_people(db) == {}
    assert [issue["kind"] for issue in sync_issues.open_issues(db)] == ["quarantined"]

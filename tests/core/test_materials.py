"""Materials: registering manifests, adding local files, showing them at a session."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlite_utils import Database

from zhangye_desk.core import materials, sessions
from zhangye_desk.core.errors import InvalidValueError, NotFoundError, SessionClosedError
from zhangye_desk.core.outbox import OP_MATERIAL_SHOWN, OP_SESSION_CREATE

from .seed import T1, add_townships, ops

SHA_A = "a" * 64
SHA_B = "b" * 64


def test_register_is_an_upsert_without_ops(db: Database) -> None:
    mid = materials.register_material(
        db,
        title="党史讲座",
        mime="audio/mpeg",
        size=1000,
        sha256=SHA_A,
        topic="党史",
        language="ug",
        duration_s=600,
        priority=5,
        material_id="m-1",
    )
    assert mid == "m-1"
    assert materials.get_material(db, mid)["file_state"] == "absent"
    materials.set_file_state(db, mid, "present", file_name=SHA_A + ".mp3")
    # Re-reading the manifest with the same content keeps the downloaded file.
    materials.register_material(
        db, title="党史讲座（修订）", mime="audio/mpeg", size=1000, sha256=SHA_A, material_id=mid
    )
    row = materials.get_material(db, mid)
    assert (row["title"], row["file_state"], row["file_name"]) == (
        "党史讲座（修订）",
        "present",
        SHA_A + ".mp3",
    )
    # New content means the file on disk is the old one.
    materials.register_material(
        db, title="党史讲座", mime="audio/mpeg", size=2000, sha256=SHA_B, version=2, material_id=mid
    )
    row = materials.get_material(db, mid)
    assert (row["version"], row["file_state"], row["file_name"]) == (2, "absent", None)
    # Without an id, the same bytes are the same material.
    assert (
        materials.register_material(db, title="x", mime="audio/mpeg", size=2000, sha256=SHA_B)
        == mid
    )
    assert db.execute("SELECT count(*) FROM material").fetchone()[0] == 1
    assert ops(db) == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": " "}, "title"),
        ({"sha256": "xyz"}, "sha256"),
        ({"size": -1}, "size"),
        ({"file_state": "half"}, "file_state"),
        ({"duration_s": -3}, "duration_s"),
    ],
)
def test_register_refuses_bad_values(db: Database, extra: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {
        "title": "t",
        "mime": "application/pdf",
        "size": 1,
        "sha256": SHA_A,
    }
    fields.update(extra)
    with pytest.raises(InvalidValueError) as caught:
        materials.register_material(db, **fields)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_add_local_file_copies_by_content(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "讲稿.PDF"
    source.write_bytes(b"%PDF-1.4 tent classroom slides")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    folder = tmp_path / "materials"
    mid = materials.add_local_file(db, source, folder, title="讲稿", topic="政策")
    row = materials.get_material(db, mid)
    assert (row["sha256"], row["size"], row["mime"], row["file_state"], row["file_name"]) == (
        sha,
        source.stat().st_size,
        "application/pdf",
        "present",
        sha + ".pdf",
    )
    path = materials.material_path(db, mid, folder)
    assert path == folder / (sha + ".pdf")
    assert path.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == [sha + ".pdf"]  # no temporary left
    # Adding the same bytes again finds the same material.
    assert materials.add_local_file(db, source, folder, title="另一个标题") == mid
    assert materials.get_material(db, mid)["title"] == "讲稿"
    with pytest.raises(InvalidValueError):
        materials.add_local_file(db, tmp_path / "missing.mp4", folder, title="x")


def test_add_local_file_marks_a_known_server_material_present(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "lecture.mp3"
    source.write_bytes(b"ID3 audio")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    mid = materials.register_material(
        db, title="服务器的讲座", mime="audio/mpeg", size=9, sha256=sha, material_id="srv-1"
    )
    assert materials.material_path(db, mid, tmp_path) is None
    assert materials.add_local_file(db, source, tmp_path / "m", title="本地") == "srv-1"
    assert materials.material_path(db, mid, tmp_path / "m") == tmp_path / "m" / (sha + ".mp3")
    assert materials.guess_mime(Path("a.unknownext")) == "application/octet-stream"


def test_material_path_requires_file_on_disk(db: Database, tmp_path: Path) -> None:
    mid = materials.register_material(
        db,
        title="t",
        mime="video/mp4",
        size=1,
        sha256=SHA_A,
        file_state="present",
        file_name=SHA_A + ".mp4",
    )
    assert materials.material_path(db, mid, tmp_path) is None
    with pytest.raises(NotFoundError):
        materials.material_path(db, "nope", tmp_path)


def test_list_materials(db: Database) -> None:
    low = materials.register_material(
        db, title="b", mime="application/pdf", size=1, sha256=SHA_A, topic="党史", language="zh"
    )
    high = materials.register_material(
        db,
        title="a",
        mime="audio/mpeg",
        size=1,
        sha256=SHA_B,
        topic="党史",
        language="ug",
        priority=9,
    )
    assert [m["id"] for m in materials.list_materials(db)] == [high, low]
    assert [m["id"] for m in materials.list_materials(db, language="zh")] == [low]
    assert [m["id"] for m in materials.list_materials(db, topic="政策")] == []


def test_record_shown_only_at_open_sessions(db: Database) -> None:
    add_townships(db)
    sid = sessions.create_session(db, kind="tent", title="t", township_code=T1, at=100)
    mid = materials.register_material(db, title="m", mime="application/pdf", size=1, sha256=SHA_A)
    first = materials.record_shown(db, sid, mid, by="cadre-1", at=200)
    second = materials.record_shown(db, sid, mid, at=300)
    assert [(r["id"], r["title"], r["shown_at"]) for r in materials.shown_at_session(db, sid)] == [
        (first, "m", 200),
        (second, "m", 300),
    ]
    assert ops(db)[1:] == [
        (OP_MATERIAL_SHOWN, {"id": first, "s": sid, "m": mid, "at": 200, "by": "cadre-1"}),
        (OP_MATERIAL_SHOWN, {"id": second, "s": sid, "m": mid, "at": 300}),
    ]
    with pytest.raises(NotFoundError):
        materials.record_shown(db, sid, "no-material")
    sessions.close_session(db, sid)
    with pytest.raises(SessionClosedError):
        materials.record_shown(db, sid, mid)
    assert len(materials.shown_at_session(db, sid)) == 2
    assert [t for t, _ in ops(db)].count(OP_SESSION_CREATE) == 1

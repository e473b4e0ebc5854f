"""Recording lectures on a real client store with core's own functions (the ops the server
receives are exactly what a laptop makes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from zhangye_desk.core import attendance, materials, people, sessions

VILLAGES = {"620721203": "620721203201", "620721200": "620721200201"}


@dataclass
class Lecture:
    session_id: str
    people: list[str]
    material_id: str


def record_lecture(
    db: Database,
    township_code: str,
    *,
    title: str = "帐篷课堂：党史学习",
    starts_at: int | None = None,
    attendees: int = 3,
    kind: str = "tent",
    close: bool = True,
) -> Lecture:
    """A closed session with new people (members and not), marks (one undone), a headcount,
    an edit, a material shown and a roster edit: every op type."""
    ids = [
        people.add_person(
            db,
            name=f"{title[-2:]}牧民{i}",
            township_code=township_code,
            birth_year=1970 + i,
            political_status="member" if i % 2 == 0 else "masses",
        )
        for i in range(attendees)
    ]
    session_id = sessions.create_session(
        db,
        kind=kind,
        title=title,
        township_code=township_code,
        starts_at=starts_at,
        place_name="夏季牧场",
        by="讲师",
    )
    for index, person_id in enumerate(ids):
        attendance.mark(db, session_id, person_id, "late" if index == 1 else "present", by="讲师")
    if len(ids) > 2:
        attendance.unmark(db, session_id, ids[-1])
        attendance.mark_present(db, session_id, ids[-1])
        attendance.unmark(db, session_id, ids[-1])
    sessions.set_headcount(db, session_id, 4)
    sessions.update_session(
        db, session_id, {"village_code": VILLAGES[township_code], "notes": "雪"}
    )
    material_id = materials.register_material(
        db, title="党史讲座", mime="application/pdf", size=10, sha256="ab" * 32
    )
    materials.record_shown(db, session_id, material_id)
    people.edit_person(db, ids[0], {"phone": "13800000000"})
    if close:
        sessions.close_session(db, session_id)
    return Lecture(session_id, ids, material_id)

"""What the county office's administration pages do, without HTTP: roster import with a
preview, editing people, merging duplicates, the conflict review queue, materials, laptops and
the quarantine.

Every function takes a connection inside the caller's transaction (reads: ``read_transaction``,
writes: ``write_transaction``) and the acting admin's ``Scope``: who they are and which
townships they may see. An object outside the scope is answered exactly like one that does not
exist (``NotFound``), so a township admin learns nothing about another township's people or
laptops; a form value that asks for another township (publish to it, enrol a laptop into it)
is ``Forbidden``. Writes go through ``service``, ``roster_import`` and ``auth``, so history,
versions and the change feed laptops pull are the same as from the CLI.

Decisions (docs/decisions.md, "Administration pages"):

- A roster *preview* runs the real import inside a savepoint and rolls it back: it lists every
  error the import itself would give (including a row matching two people already on the
  server) and exact counts, and writes nothing.
- A quarantined op is *resolved* in one of two ways: **re-applied** (after the roster or the
  session was fixed, the op goes through the same handler as a push; only if it now applies is
  the item closed, as ``reapplied``, and its ``op_log`` result becomes ``ok``), or **dismissed**
  with a note (``dismissed: <note>``). The op's body stays in the table either way.
- A hard conflict is resolved field by field: keep the server's current value, take the
  laptop's value, or go back to the value both sides started from (``base``).

Nothing here imports FastAPI or knows about pages.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from sqlalchemy import Connection, and_, func, select, true, update

from ..core import outbox
from ..core.ids import now as epoch_now
from ..core.materials import guess_mime
from ..core.search_keys import normalise
from ..sync.enrol_link import make_link
from . import apply, auth, feed, roster_import, service
from .db import (
    device,
    enrol_code,
    material,
    op_log,
    organisation,
    person,
    person_history,
    quarantine,
    replica,
    review_queue,
    session,
    township,
    village,
)
from .errors import NotFound, ServiceError
from .files import store_file

LIST_LIMIT = 200
PREVIEW_ROWS = 500
HISTORY_LIMIT = 30
MAX_NOTE = 500
# Enrolment codes: one day by default, at most 30 days.
ENROL_TTL_DEFAULT_S = 24 * 3600
ENROL_TTL_MAX_S = 30 * 24 * 3600
CONFLICT_CHOICES: tuple[str, ...] = ("keep", "laptop", "base")
PERSON_REVIEW_KINDS: tuple[str, ...] = ("hard_conflict", "edit_after_delete")
MATERIAL_LANGUAGES: tuple[str, ...] = ("zh", "yuy", "bo", "mn", "en")
MAX_MATERIAL_PRIORITY = 100


class Forbidden(ServiceError):
    """The admin asked for something outside their township (a form value, not an object)."""

    code = "forbidden"


@dataclass(frozen=True)
class Scope:
    """The acting admin: their name (recorded as the actor) and the townships they may see
    (``None``: every township, a county admin)."""

    actor: str
    townships: frozenset[str] | None = None

    @classmethod
    def of(cls, actor: str, townships: Iterable[str] | None) -> Scope:
        return cls(actor, None if townships is None else frozenset(townships))

    def allows(self, township_code: str | None) -> bool:
        if self.townships is None:
            return True
        return township_code is not None and township_code in self.townships

    def where(self, column: Any) -> Any:
        """A WHERE clause limiting ``column`` (a township code) to the scope."""
        if self.townships is None:
            return true()
        return column.in_(sorted(self.townships))

    def require(self, township_code: str | None, what: str = "township") -> None:
        """Forbidden unless ``township_code`` (a value the admin chose) is in the scope."""
        if not self.allows(township_code):
            raise Forbidden(f"{township_code!r} is outside your township", field=what)


def _note(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_NOTE:
        raise ServiceError(f"the note is longer than {MAX_NOTE} characters", field="note")
    return cleaned or None


# --- the directory, for forms ----------------------------------------------------------------


def townships(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """The townships the admin may see, in the county's order."""
    rows = conn.execute(
        select(township.c.code, township.c.name, township.c.name_en)
        .where(scope.where(township.c.code))
        .order_by(township.c.sort, township.c.code)
    ).mappings()
    return [dict(r) for r in rows]


def township_places(conn: Connection, scope: Scope, township_code: str) -> dict[str, Any]:
    """A township's villages and Party organisations (for the person form)."""
    if not scope.allows(township_code):
        raise NotFound(f"no township {township_code!r}", field="township")
    villages = conn.execute(
        select(village.c.code, village.c.name)
        .where(village.c.township_code == township_code)
        .order_by(village.c.code)
    ).mappings()
    organisations = conn.execute(
        select(organisation.c.id, organisation.c.name)
        .where(organisation.c.township_code == township_code)
        .order_by(organisation.c.name)
    ).mappings()
    return {
        "villages": [dict(r) for r in villages],
        "organisations": [dict(r) for r in organisations],
    }


def directory_names(conn: Connection) -> dict[str, str]:
    """Township, village and organisation names by code/id (to show history entries)."""
    names: dict[str, str] = {}
    for table, key in ((township, township.c.code), (village, village.c.code)):
        names.update({r[0]: r[1] for r in conn.execute(select(key, table.c.name))})
    names.update({r[0]: r[1] for r in conn.execute(select(organisation.c.id, organisation.c.name))})
    return names


# --- roster import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded roster, in both languages, located as Excel shows it."""

    row: int | None
    column: str | None  # a roster column key (roster_import.COLUMNS) or None
    zh: str
    en: str

    def message(self, lang: str = "zh_CN") -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class RosterPreview:
    """What importing the file would do. ``ok``: no problems, so committing imports it."""

    problems: list[Problem] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # the first PREVIEW_ROWS
    total_rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    likely_duplicates: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(error: roster_import.RosterError) -> Problem:
    return Problem(error.row, error.column, error.message("zh_CN"), error.message("en"))


def _scope_problems(
    scope: Scope, parsed: roster_import.ParsedRoster, names: Mapping[str, str]
) -> list[Problem]:
    problems = []
    for row in parsed.rows:
        code = row.fields.get("township_code")
        if not scope.allows(code):
            name = names.get(code or "", code or "")
            problems.append(
                Problem(
                    row.row,
                    "township",
                    f"第 {row.row} 行，“乡镇”列：“{name}”不是您管理的乡镇，"
                    "您只能导入本乡镇的人员。",
                    f"row {row.row}, column 'township': {name} is not your township; you can "
                    "only import your own township's people.",
                )
            )
    return problems


def _preview_rows(
    parsed: roster_import.ParsedRoster, names: Mapping[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for row in parsed.rows[:PREVIEW_ROWS]:
        fields = row.fields
        rows.append(
            {
                "row": row.row,
                "name": fields.get("name"),
                "birth_year": fields.get("birth_year"),
                "township": names.get(fields.get("township_code") or "", ""),
                "political_status": fields.get("political_status"),
                "gender": fields.get("gender"),
                "phone": fields.get("phone"),
            }
        )
    return rows


def _township_names(conn: Connection) -> dict[str, str]:
    return {r.code: r.name for r in conn.execute(select(township.c.code, township.c.name))}


def preview_roster(conn: Connection, scope: Scope, path: Path) -> RosterPreview:
    """Everything wrong with the file (every row's errors) and what importing it would do.

    Writes nothing: the import runs in a savepoint that is always rolled back.
    """
    directory = roster_import.load_directory(conn)
    parsed = roster_import.parse_roster(path, conn, directory=directory)
    names = _township_names(conn)
    preview = RosterPreview(
        problems=[_problem(e) for e in parsed.errors],
        rows=_preview_rows(parsed, names),
        total_rows=len(parsed.rows),
    )
    preview.problems += _scope_problems(scope, parsed, names)
    if preview.problems:
        preview.problems.sort(key=lambda p: p.row or 0)
        return preview
    savepoint = conn.begin_nested()
    try:
        result = roster_import.import_roster(conn, path, actor=scope.actor, directory=directory)
    finally:
        savepoint.rollback()
    preview.problems = [_problem(e) for e in result.errors]
    preview.added, preview.updated = result.added, result.updated
    preview.unchanged, preview.likely_duplicates = result.unchanged, result.likely_duplicates
    return preview


def import_roster(conn: Connection, scope: Scope, path: Path) -> RosterPreview:
    """Import the file if it is clean and inside the scope (all or nothing); the result says
    what was done, or lists the problems and nothing was written."""
    directory = roster_import.load_directory(conn)
    parsed = roster_import.parse_roster(path, conn, directory=directory)
    names = _township_names(conn)
    problems = [_problem(e) for e in parsed.errors] + _scope_problems(scope, parsed, names)
    if problems:
        return RosterPreview(problems=problems, total_rows=len(parsed.rows))
    result = roster_import.import_roster(conn, path, actor=scope.actor, directory=directory)
    return RosterPreview(
        problems=[_problem(e) for e in result.errors],
        total_rows=len(parsed.rows),
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
        likely_duplicates=result.likely_duplicates,
    )


# --- people ------------------------------------------------------------------------------------


def list_people(
    conn: Connection,
    scope: Scope,
    *,
    query: str = "",
    township_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Active people in the scope whose normalised name contains ``query``; (rows, total)."""
    where = [
        scope.where(person.c.township_code),
        person.c.deleted.is_(False),
        person.c.merged_into.is_(None),
    ]
    if township_code:
        where.append(person.c.township_code == township_code)
    needle = normalise(query) if query.strip() else ""
    if needle:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(person.c.name_norm.like(f"%{escaped}%", escape="\\"))
    total = int(conn.execute(select(func.count()).select_from(person).where(*where)).scalar_one())
    rows = conn.execute(
        select(person, township.c.name.label("township_name"))
        .join(township, township.c.code == person.c.township_code, isouter=True)
        .where(*where)
        .order_by(person.c.township_code, person.c.name_norm, person.c.id)
        .offset(max(offset, 0))
        .limit(max(1, min(limit, LIST_LIMIT)))
    ).mappings()
    return [dict(r) for r in rows], total


def _person_in_scope(conn: Connection, scope: Scope, person_id: str) -> dict[str, Any]:
    row = service.get_person(conn, person_id)
    if row is None or not scope.allows(row["township_code"]):
        raise NotFound(f"no person {person_id!r}", field="id")
    return dict(row)


def history_of(
    conn: Connection, person_id: str, limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """The person's history, newest first, JSON columns decoded."""
    rows = conn.execute(
        select(person_history)
        .where(person_history.c.person_id == person_id)
        .order_by(person_history.c.id.desc())
        .limit(limit)
    ).mappings()
    history = []
    for row in rows:
        entry = dict(row)
        for key in ("fields", "snapshot", "detail"):
            entry[key] = feed.loads(entry[key])
        history.append(entry)
    return history


def get_person(conn: Connection, scope: Scope, person_id: str) -> dict[str, Any]:
    """A person in the scope with their history; NotFound otherwise."""
    row = _person_in_scope(conn, scope, person_id)
    row["history"] = history_of(conn, person_id)
    return row


def edit_person(
    conn: Connection,
    scope: Scope,
    person_id: str,
    fields: Mapping[str, Any],
    *,
    version: int | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """Change a person's fields (only those given): a new version, its history and the change
    laptops pull. ``version`` is the one the form showed: if someone changed the person since,
    nothing is written (ServiceError code ``stale``). A township admin cannot move a person to
    another township."""
    current = _person_in_scope(conn, scope, person_id)
    if version is not None and int(current["version"]) != version:
        raise ServiceError(
            f"the person was changed meanwhile (now version {current['version']})",
            field="version",
            code="stale",
        )
    unknown = set(fields) - set(service.PERSON_FIELDS)
    if unknown:
        raise ServiceError(f"{sorted(unknown)[0]!r} is not a person field", field="id")
    if "township_code" in fields:
        scope.require(fields["township_code"])
    return service.upsert_person(conn, {**fields, "id": person_id}, actor=scope.actor, now=now)


# --- duplicates -------------------------------------------------------------------------------


def _people_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = conn.execute(
        select(person, township.c.name.label("township_name"))
        .join(township, township.c.code == person.c.township_code, isouter=True)
        .where(person.c.id.in_(sorted(set(ids))))
    ).mappings()
    return {r["id"]: dict(r) for r in rows}


def list_duplicates(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Open likely-duplicate pairs whose people are both in the scope and both still active
    (the ones and the others, with their details side by side), oldest first."""
    items = (
        conn.execute(
            select(review_queue)
            .join(person, person.c.id == review_queue.c.entity_id)
            .where(
                review_queue.c.kind == "likely_duplicate",
                review_queue.c.resolved_at.is_(None),
                scope.where(person.c.township_code),
            )
            .order_by(review_queue.c.id)
            .limit(LIST_LIMIT)
        )
        .mappings()
        .all()
    )
    people = _people_by_id(conn, [i["entity_id"] for i in items] + [i["other_id"] for i in items])
    pairs = []
    for item in items:
        one, other = people.get(item["entity_id"]), people.get(item["other_id"])
        if one is None or other is None or not scope.allows(other["township_code"]):
            continue
        if any(p["deleted"] or p["merged_into"] for p in (one, other)):
            continue  # already merged or deleted another way: nothing left to decide
        pairs.append({"id": item["id"], "created_at": item["created_at"], "a": one, "b": other})
    return pairs


def _open_item(conn: Connection, item_id: int, kinds: Sequence[str]) -> dict[str, Any]:
    row = (
        conn.execute(
            select(review_queue).where(
                review_queue.c.id == item_id,
                review_queue.c.kind.in_(kinds),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no review item {item_id}", field="item")
    return dict(row)


def _resolve_item(conn: Connection, item_id: int, resolution: str, scope: Scope, now: int) -> None:
    conn.execute(
        update(review_queue)
        .where(review_queue.c.id == item_id, review_queue.c.resolved_at.is_(None))
        .values(resolved_at=now, resolution=resolution, resolved_by=scope.actor)
    )


def merge_duplicates(
    conn: Connection, scope: Scope, loser: str, winner: str, *, now: int | None = None
) -> dict[str, Any]:
    """Merge ``loser`` into ``winner`` (a tombstone with ``merged_into`` laptops apply); both
    must be in the scope."""
    _person_in_scope(conn, scope, loser)
    _person_in_scope(conn, scope, winner)
    return service.merge_people(conn, loser, winner, actor=scope.actor, now=now)


def dismiss_duplicate(
    conn: Connection, scope: Scope, item_id: int, *, note: str | None = None, now: int | None = None
) -> None:
    """The pair are two different people: close the item (``distinct``)."""
    item = _open_item(conn, item_id, ("likely_duplicate",))
    _person_in_scope(conn, scope, item["entity_id"])
    if item["resolved_at"] is not None:
        return
    text = "distinct" if not _note(note) else f"distinct: {_note(note)}"
    _resolve_item(conn, item_id, text, scope, epoch_now() if now is None else now)


# --- the conflict review queue ----------------------------------------------------------------


def _attendance_scope(conn: Connection, items: list[dict[str, Any]]) -> dict[str, str]:
    sessions = {i["detail"]["session"] for i in items if i["detail"]}
    if not sessions:
        return {}
    rows = conn.execute(
        select(session.c.id, session.c.township_code).where(session.c.id.in_(sorted(sessions)))
    )
    return {r.id: r.township_code for r in rows}


def list_conflicts(
    conn: Connection, scope: Scope, *, resolved: bool = False
) -> list[dict[str, Any]]:
    """The review queue except likely duplicates (those have their own page): hard conflicts,
    edits after deletion and attendance disagreements in the scope, each with the person and
    their recent history; open items (or, with ``resolved``, the latest resolved ones)."""
    state = (
        review_queue.c.resolved_at.is_not(None)
        if resolved
        else review_queue.c.resolved_at.is_(None)
    )
    person_items = (
        conn.execute(
            select(review_queue)
            .join(person, person.c.id == review_queue.c.entity_id)
            .where(
                review_queue.c.kind.in_(PERSON_REVIEW_KINDS),
                review_queue.c.entity_kind == "person",
                state,
                scope.where(person.c.township_code),
            )
            .order_by(review_queue.c.id.desc() if resolved else review_queue.c.id)
            .limit(LIST_LIMIT)
        )
        .mappings()
        .all()
    )
    attendance_items = [
        {**r, "detail": feed.loads(r["detail"])}
        for r in conn.execute(
            select(review_queue)
            .where(review_queue.c.kind == "attendance_disagreement", state)
            .order_by(review_queue.c.id.desc() if resolved else review_queue.c.id)
            .limit(LIST_LIMIT)
        ).mappings()
    ]
    places = _attendance_scope(conn, attendance_items)
    people = _people_by_id(
        conn,
        [i["entity_id"] for i in person_items]
        + [i["detail"]["person"] for i in attendance_items if i["detail"]],
    )
    items = []
    for raw in person_items:
        item = {**raw, "detail": feed.loads(raw["detail"]), "person": people.get(raw["entity_id"])}
        item["history"] = history_of(conn, raw["entity_id"], limit=10)
        items.append(item)
    for item in attendance_items:
        if item["detail"] and scope.allows(places.get(item["detail"]["session"])):
            item["person"] = people.get(item["detail"]["person"])
            item["history"] = []
            items.append(item)
    items.sort(key=lambda i: i["id"], reverse=resolved)
    return items


def _conflict_in_scope(conn: Connection, scope: Scope, item: Mapping[str, Any]) -> None:
    if item["entity_kind"] == "person":
        _person_in_scope(conn, scope, item["entity_id"])
        return
    detail = feed.loads(item["detail"]) or {}
    found = conn.execute(
        select(session.c.township_code).where(session.c.id == detail.get("session"))
    ).scalar()
    if not scope.allows(found):
        raise NotFound(f"no review item {item['id']}", field="item")


def resolve_conflict(
    conn: Connection,
    scope: Scope,
    item_id: int,
    choices: Mapping[str, str],
    *,
    note: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """Decide a hard conflict field by field: ``keep`` the server's current value, take the
    ``laptop``'s value, or go back to the ``base`` value both started from. Every field of the
    conflict needs a choice. Values that change make one new version (history, change feed);
    the item is closed with the choices. Returns upsert_person's result."""
    at = epoch_now() if now is None else now
    item = _open_item(conn, item_id, ("hard_conflict",))
    _conflict_in_scope(conn, scope, item)
    if item["resolved_at"] is not None:
        raise ServiceError("this conflict was already resolved", field="item", code="resolved")
    conflicts: dict[str, Any] = (feed.loads(item["detail"]) or {}).get("fields", {})
    missing = sorted(set(conflicts) - set(choices))
    if missing:
        raise ServiceError(
            f"choose a value for {missing[0]}", field=missing[0], code="choice_missing"
        )
    values: dict[str, Any] = {}
    for name, choice in choices.items():
        if name not in conflicts:
            raise ServiceError(
                f"{name!r} is not part of this conflict", field=name, code="choice_invalid"
            )
        if choice not in CONFLICT_CHOICES:
            raise ServiceError(
                f"choice must be one of {CONFLICT_CHOICES}", field=name, code="choice_invalid"
            )
        if choice != "keep":
            values[name] = conflicts[name][choice]
    row = service.get_person(conn, item["entity_id"])
    assert row is not None
    if values and (row["deleted"] or row["merged_into"] is not None):
        raise ServiceError("the person was deleted or merged", field="item", code="deleted")
    result = (
        service.upsert_person(conn, {**values, "id": row["id"]}, actor=scope.actor, now=at)
        if values
        else {"id": row["id"], "version": row["version"], "changed": []}
    )
    resolution: dict[str, Any] = {"fields": dict(choices)}
    if _note(note):
        resolution["note"] = _note(note)
    _resolve_item(conn, item_id, service.dumps(resolution), scope, at)
    return dict(result)


def dismiss_review_item(
    conn: Connection, scope: Scope, item_id: int, *, note: str | None = None, now: int | None = None
) -> None:
    """Close an edit-after-deletion or attendance disagreement (or a conflict the admin settles
    by hand) as seen: ``dismissed[: note]``. Nothing else changes."""
    item = _open_item(conn, item_id, (*PERSON_REVIEW_KINDS, "attendance_disagreement"))
    _conflict_in_scope(conn, scope, item)
    text = "dismissed" if not _note(note) else f"dismissed: {_note(note)}"
    _resolve_item(conn, item_id, text, scope, epoch_now() if now is None else now)


# --- materials --------------------------------------------------------------------------------


def list_materials(
    conn: Connection, scope: Scope, *, retired: bool = False
) -> list[dict[str, Any]]:
    """The materials laptops of the scope receive (county-wide and the scope's townships'),
    current or retired, highest priority first."""
    visible = material.c.township_code.is_(None) | scope.where(material.c.township_code)
    rows = conn.execute(
        select(material, township.c.name.label("township_name"))
        .join(township, township.c.code == material.c.township_code, isouter=True)
        .where(visible, material.c.retired.is_(retired))
        .order_by(material.c.priority.desc(), material.c.created_at.desc(), material.c.id)
        .limit(LIST_LIMIT)
    ).mappings()
    return [dict(r) for r in rows]


def upload_material(
    conn: Connection,
    scope: Scope,
    files_dir: Path,
    path: Path,
    *,
    title: str,
    file_name: str | None = None,
    topic: str | None = None,
    language: str | None = None,
    priority: int = 0,
    township_code: str | None = None,
    publish: bool = True,
    now: int | None = None,
) -> dict[str, Any]:
    """Store an uploaded file (content-addressed) for laptops of every township (county
    admins only) or of one, and publish it, or keep it as a draft (``publish=False``: laptops
    see nothing until ``publish_draft``). Returns the material row plus ``created``; the same
    bytes for the same townships again return the existing material."""
    if township_code is None and scope.townships is not None:
        raise Forbidden("only county staff publish to every township", field="township")
    if township_code is not None:
        scope.require(township_code)
    if language is not None and language not in MATERIAL_LANGUAGES:
        raise ServiceError(f"language must be one of {MATERIAL_LANGUAGES}", field="language")
    if not 0 <= priority <= MAX_MATERIAL_PRIORITY:
        raise ServiceError(f"priority must be 0..{MAX_MATERIAL_PRIORITY}", field="priority")
    if Path(path).stat().st_size == 0:
        raise ServiceError("the file is empty", field="file", code="empty")
    # A browser may send the whole Windows path; the upload's own path is a temporary name.
    shown_name = PureWindowsPath(file_name).name[:200] if file_name else None
    mime = guess_mime(Path(shown_name)) if shown_name else None
    if not publish:
        return _store_draft(
            conn,
            scope,
            files_dir,
            Path(path),
            title=title,
            topic=topic,
            language=language,
            priority=priority,
            township_code=township_code,
            mime=mime or guess_mime(Path(path)),
            file_name=shown_name or Path(path).name,
            now=epoch_now() if now is None else now,
        )
    row = service.publish_material(
        conn,
        files_dir,
        path,
        title=title,
        topic=topic,
        language=language,
        priority=priority,
        township_code=township_code,
        mime=mime,
        actor=scope.actor,
        now=now,
    )
    if shown_name and row["created"]:
        conn.execute(
            update(material).where(material.c.id == row["id"]).values(file_name=shown_name)
        )
        row = {**row, "file_name": shown_name}
    return row


def _clean_text(value: str | None, field: str, limit: int) -> str | None:
    text = " ".join(unicodedata.normalize("NFKC", value or "").split())
    if len(text) > limit:
        raise ServiceError(f"{field} is longer than {limit} characters", field=field)
    return text or None


def _store_draft(
    conn: Connection,
    scope: Scope,
    files_dir: Path,
    path: Path,
    *,
    title: str,
    topic: str | None,
    language: str | None,
    priority: int,
    township_code: str | None,
    mime: str,
    file_name: str,
    now: int,
) -> dict[str, Any]:
    """A material row laptops do not see (``published`` false, no change in the feed)."""
    clean_title = _clean_text(title, "title", 200)
    if clean_title is None:
        raise ServiceError("the title must not be empty", field="title")
    clean_topic = _clean_text(topic, "topic", 100)
    sha256, size = store_file(Path(files_dir), path)
    return service.material_row(
        conn,
        sha256,
        size,
        title=clean_title,
        topic=clean_topic,
        language=language,
        mime=mime,
        priority=priority,
        township_code=township_code,
        file_name=file_name,
        published=False,
        actor=scope.actor,
        now=now,
    )


def _material_to_change(conn: Connection, scope: Scope, material_id: str) -> dict[str, Any]:
    """A material the admin may change: NotFound outside the scope, Forbidden for a
    county-wide one unless county staff."""
    row = (
        conn.execute(select(material).where(material.c.id == material_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None or (row["township_code"] is not None and not scope.allows(row["township_code"])):
        raise NotFound(f"no material {material_id!r}", field="id")
    if row["township_code"] is None and scope.townships is not None:
        raise Forbidden("only county staff change a county-wide material", field="id")
    return dict(row)


def publish_draft(
    conn: Connection, scope: Scope, material_id: str, *, now: int | None = None
) -> dict[str, Any]:
    """Publish a draft: laptops of its townships receive it at their next sync."""
    at = epoch_now() if now is None else now
    feed.lock_change_log(conn)
    row = _material_to_change(conn, scope, material_id)
    if row["retired"]:
        raise ServiceError("a retired material cannot be published", field="id", code="retired")
    if row["published"]:
        return row
    conn.execute(
        update(material).where(material.c.id == material_id).values(published=True, updated_at=at)
    )
    new_row = conn.execute(select(material).where(material.c.id == material_id)).mappings().one()
    feed.record_material(conn, new_row, now=at)
    return dict(new_row)


def retire_material(
    conn: Connection, scope: Scope, material_id: str, *, now: int | None = None
) -> int:
    """Stop offering a material (a draft is simply set aside: laptops never saw it); a
    county-wide one only by county staff. Returns its version."""
    at = epoch_now() if now is None else now
    feed.lock_change_log(conn)
    row = _material_to_change(conn, scope, material_id)
    if not row["published"]:
        conn.execute(
            update(material)
            .where(material.c.id == material_id)
            .values(retired=True, retired_at=at, updated_at=at)
        )
        return int(row["version"])
    return service.retire_material(conn, material_id, actor=scope.actor, now=at)


# --- laptops ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEnrolment:
    code: str
    township_code: str
    township_name: str
    expires_at: int


def create_enrolment(
    conn: Connection,
    scope: Scope,
    township_code: str,
    *,
    ttl_s: int = ENROL_TTL_DEFAULT_S,
    now: int | None = None,
) -> NewEnrolment:
    """A single-use code that enrols one laptop into ``township_code`` (shown once)."""
    scope.require(township_code)
    if not 0 < ttl_s <= ENROL_TTL_MAX_S:
        raise ServiceError("an enrolment code lives between 1 second and 30 days", field="ttl")
    at = epoch_now() if now is None else now
    code = auth.create_enrol_code(conn, township_code, ttl_s, now=at, created_by=scope.actor)
    name = conn.execute(select(township.c.name).where(township.c.code == township_code)).scalar()
    return NewEnrolment(code, township_code, str(name), at + ttl_s)


def enrol_link(server_url: str, code: str) -> str:
    """What the page shows and the QR code holds: the server's address and the code in the
    ``zhangye://enrol?…`` form the desktop's enrol dialog reads (docs/protocol.md,
    "Enrolment links"; one definition of the format, in ``sync.enrol_link``)."""
    return make_link(server_url, code)


def list_enrol_codes(
    conn: Connection, scope: Scope, *, now: int | None = None
) -> list[dict[str, Any]]:
    """Codes not used yet and not expired (their text is never stored: only when and where)."""
    at = epoch_now() if now is None else now
    rows = conn.execute(
        select(enrol_code, township.c.name.label("township_name"))
        .join(township, township.c.code == enrol_code.c.township_code)
        .where(
            scope.where(enrol_code.c.township_code),
            enrol_code.c.used_at.is_(None),
            enrol_code.c.expires_at > at,
        )
        .order_by(enrol_code.c.created_at.desc())
        .limit(LIST_LIMIT)
    ).mappings()
    return [{k: v for k, v in r.items() if k != "code_hash"} for r in rows]


def list_devices(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Laptops in the scope with their last sync, clock offset, ops received and open
    quarantined items; active ones first, most recently seen first."""
    open_quarantine = (
        select(quarantine.c.device_id, func.count().label("quarantined"))
        .where(quarantine.c.resolved_at.is_(None))
        .group_by(quarantine.c.device_id)
        .subquery()
    )
    pushes = (
        select(
            replica.c.device_id,
            func.sum(replica.c.op_count).label("ops"),
            func.max(replica.c.last_push_at).label("last_push_at"),
        )
        .group_by(replica.c.device_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            device.c.id,
            device.c.name,
            device.c.township_code,
            township.c.name.label("township_name"),
            device.c.enrolled_at,
            device.c.revoked_at,
            device.c.last_seen_at,
            device.c.clock_offset_s,
            func.coalesce(open_quarantine.c.quarantined, 0).label("quarantined"),
            func.coalesce(pushes.c.ops, 0).label("ops"),
            pushes.c.last_push_at,
        )
        .join(township, township.c.code == device.c.township_code)
        .join(open_quarantine, open_quarantine.c.device_id == device.c.id, isouter=True)
        .join(pushes, pushes.c.device_id == device.c.id, isouter=True)
        .where(scope.where(device.c.township_code))
        .order_by(device.c.revoked_at.is_not(None), device.c.last_seen_at.desc(), device.c.id)
        .limit(LIST_LIMIT)
    ).mappings()
    return [dict(r) for r in rows]


def _device_in_scope(conn: Connection, scope: Scope, device_id: str) -> dict[str, Any]:
    row = conn.execute(select(device).where(device.c.id == device_id)).mappings().first()
    if row is None or not scope.allows(row["township_code"]):
        raise NotFound(f"no device {device_id!r}", field="device")
    return dict(row)


def revoke_device(
    conn: Connection, scope: Scope, device_id: str, *, now: int | None = None
) -> bool:
    """Revoke a laptop (its next sync is refused); False if it was revoked already."""
    _device_in_scope(conn, scope, device_id)
    return auth.revoke_device(conn, device_id, now=now)


# --- quarantine -------------------------------------------------------------------------------


def list_quarantine(
    conn: Connection, scope: Scope, *, resolved: bool = False, device_id: str | None = None
) -> list[dict[str, Any]]:
    """Quarantined ops of the scope's laptops: open ones oldest first (or the latest resolved),
    with the reason, the laptop and the op's content."""
    state = (
        quarantine.c.resolved_at.is_not(None) if resolved else quarantine.c.resolved_at.is_(None)
    )
    where = [state, scope.where(device.c.township_code)]
    if device_id:
        where.append(quarantine.c.device_id == device_id)
    rows = conn.execute(
        select(
            quarantine,
            device.c.name.label("device_name"),
            device.c.township_code,
            township.c.name.label("township_name"),
        )
        .join(device, device.c.id == quarantine.c.device_id)
        .join(township, township.c.code == device.c.township_code)
        .where(*where)
        .order_by(quarantine.c.id.desc() if resolved else quarantine.c.id)
        .limit(LIST_LIMIT)
    ).mappings()
    items = []
    for row in rows:
        item = dict(row)
        item["fields"] = {k: v for k, v in json.loads(row["body"]).items() if k != "t"}
        items.append(item)
    return items


def _quarantined(conn: Connection, scope: Scope, item_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(quarantine, device.c.township_code)
            .join(device, device.c.id == quarantine.c.device_id)
            .where(quarantine.c.id == item_id)
        )
        .mappings()
        .first()
    )
    if row is None or not scope.allows(row["township_code"]):
        raise NotFound(f"no quarantined item {item_id}", field="item")
    return dict(row)


@dataclass(frozen=True)
class RetryResult:
    applied: bool
    reason: str | None = None  # why it still cannot be applied
    detail: str | None = None


def retry_quarantined(
    conn: Connection, scope: Scope, item_id: int, *, now: int | None = None
) -> RetryResult:
    """Apply a quarantined op again, through the same handler as a push (after the roster or
    the session it needs was fixed). If it applies, the item is closed (``reapplied``) and its
    op_log result becomes ``ok``; if not, nothing changes and the result says why. Ops of a
    revoked laptop are not re-applied: dismiss them, or re-enter what is right."""
    at = epoch_now() if now is None else now
    item = _quarantined(conn, scope, item_id)
    if item["resolved_at"] is not None:
        raise ServiceError("this item was already resolved", field="item", code="resolved")
    dev = conn.execute(select(device).where(device.c.id == item["device_id"])).mappings().one()
    if dev["revoked_at"] is not None:
        raise ServiceError(
            "the laptop was revoked: its ops are not applied again", field="item", code="revoked"
        )
    fields = {k: v for k, v in json.loads(item["body"]).items() if k != "t"}
    body = item["body"]
    op = apply.WireOp(
        item["seq"], item["origin_replica"], item["type"], fields, body, outbox.op_hash(body)
    )
    batch = apply.Batch(replica_id=item["origin_replica"], device_id=dev["id"], prev=0, ops=[op])
    ctx = apply._Context(conn, auth.Device(dev["id"], dev["township_code"], dev["name"]), batch, at)
    feed.lock_change_log(conn)  # before any person row lock, as a push does
    refused = apply._apply_one(ctx, op)
    if refused is not None:
        return RetryResult(False, refused[0], refused[1])
    conn.execute(
        update(quarantine)
        .where(quarantine.c.id == item_id)
        .values(resolved_at=at, resolution="reapplied", resolved_by=scope.actor)
    )
    conn.execute(
        update(op_log)
        .where(and_(op_log.c.origin_replica == item["origin_replica"], op_log.c.seq == item["seq"]))
        .values(result="ok")
    )
    return RetryResult(True)


def dismiss_quarantined(
    conn: Connection, scope: Scope, item_id: int, *, note: str, now: int | None = None
) -> None:
    """Close a quarantined item without applying it; a note saying why is required."""
    item = _quarantined(conn, scope, item_id)
    text = _note(note)
    if text is None:
        raise ServiceError("write a short note saying why", field="note", code="note_required")
    if item["resolved_at"] is not None:
        return
    conn.execute(
        update(quarantine)
        .where(quarantine.c.id == item_id, quarantine.c.resolved_at.is_(None))
        .values(
            resolved_at=epoch_now() if now is None else now,
            resolution=f"dismissed: {text}",
            resolved_by=scope.actor,
        )
    )

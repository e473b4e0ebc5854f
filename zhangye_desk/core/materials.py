"""Materials (slides, audio and video lectures) and which were shown at which session.

Material records come from the server's manifest or the demo data, so registering one writes
no outbox op. Files are content-addressed: a material's local file is ``<sha256><ext>`` in the
materials folder, and its ``file_state`` (absent / partial / present) says whether it is there.
Downloading (``.part`` files, ranges, checks) belongs to ``sync/``; this module only records
the result (``set_file_state``) and copies files a lecturer adds by hand.

Showing a material at an open session writes a ``session_material`` row and one op::

    {"t": "material.shown", "id": row_id, "s": session_id, "m": material_id, "at": epoch,
     "by": "…"}

Nothing here opens connections, imports PySide6 or talks to the network.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import shutil
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from . import outbox
from .errors import InvalidValueError, NotFoundError
from .ids import new_id, now
from .sessions import require_open_session
from .store import transaction
from .vocab import FILE_STATES

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024

# Only Python's built-in table plus the formats lecturers use, so the answer does not depend on
# the Windows registry or /etc/mime.types of a particular laptop.
_MIME = mimetypes.MimeTypes(filenames=())
for _ext, _type in {
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".amr": "audio/amr",
    ".mkv": "video/x-matroska",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}.items():
    _MIME.add_type(_type, _ext)

_COLUMNS = (
    "id, title, topic, language, mime, size, sha256, duration_s, version, priority, "
    "file_state, file_name, retired, updated_at"
)


def _as_dicts(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _required_text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"{field} must not be empty", field=field)
    return value.strip()


def _optional_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError(f"{field} must be text", field=field)
    return value.strip() or None


def _whole(value: Any, field: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValueError(f"{field} must be a whole number ≥ {minimum}", field=field)
    return value


def _file_state(value: Any) -> str:
    if value not in FILE_STATES:
        raise InvalidValueError(f"unknown file state {value!r}", field="file_state")
    return str(value)


def get_material(db: Database, material_id: str) -> dict[str, Any]:
    rows = _as_dicts(db.execute(f"SELECT {_COLUMNS} FROM material WHERE id = ?", [material_id]))
    if not rows:
        raise NotFoundError(f"no material {material_id!r}")
    return rows[0]


def register_material(
    db: Database,
    *,
    title: str,
    mime: str,
    size: int,
    sha256: str,
    topic: str | None = None,
    language: str | None = None,
    duration_s: float | None = None,
    priority: int = 0,
    version: int = 1,
    file_name: str | None = None,
    file_state: str | None = None,
    material_id: str | None = None,
) -> str:
    """Insert or update a material record (no outbox op); returns its id.

    Matched by ``material_id`` when given, else by ``sha256`` (the same bytes are the same
    material), else a new id is made. ``file_state``/``file_name`` None means: "absent" for a
    new material or for new content (a changed sha256), otherwise keep what the laptop has, so
    re-reading the server's manifest never forgets a file that is already downloaded.
    """
    title = _required_text(title, "title")
    mime = _required_text(mime, "mime")
    size = _whole(size, "size", minimum=0)
    priority = _whole(priority, "priority", minimum=-(2**31))
    version = _whole(version, "version", minimum=1)
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256.lower()):
        raise InvalidValueError("sha256 must be 64 hexadecimal digits", field="sha256")
    sha256 = sha256.lower()
    if duration_s is not None and (
        isinstance(duration_s, bool) or not isinstance(duration_s, int | float) or duration_s < 0
    ):
        raise InvalidValueError("duration must be a number of seconds ≥ 0", field="duration_s")
    state = None if file_state is None else _file_state(file_state)
    fields: dict[str, Any] = {
        "title": title,
        "topic": _optional_text(topic, "topic"),
        "language": _optional_text(language, "language"),
        "mime": mime,
        "size": size,
        "sha256": sha256,
        "duration_s": None if duration_s is None else float(duration_s),
        "version": version,
        "priority": priority,
        "updated_at": now(),
    }
    with transaction(db):
        if material_id is not None:
            row = db.execute(
                "SELECT id, sha256 FROM material WHERE id = ?", [material_id]
            ).fetchone()
        else:
            row = db.execute(
                "SELECT id, sha256 FROM material WHERE sha256 = ? ORDER BY id LIMIT 1", [sha256]
            ).fetchone()
        if row is None:
            material_id = material_id or new_id()
            fields.update(id=material_id, file_state=state or "absent", file_name=file_name)
            names = list(fields)
            db.execute(
                f"INSERT INTO material ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                list(fields.values()),
            )
            return material_id
        material_id = str(row[0])
        if row[1] != sha256:
            # New content: whatever file we had is the old one.
            fields.update(file_state=state or "absent", file_name=file_name)
        else:
            if state is not None:
                fields["file_state"] = state
            if file_name is not None:
                fields["file_name"] = file_name
        assignments = ", ".join(f"{name} = ?" for name in fields)
        db.execute(
            f"UPDATE material SET {assignments} WHERE id = ?", [*fields.values(), material_id]
        )
    return material_id


def set_file_state(
    db: Database, material_id: str, file_state: str, *, file_name: str | None = None
) -> None:
    """Record what the laptop holds of a material's file (for the downloader and importers)."""
    state = _file_state(file_state)
    with transaction(db):
        cursor = db.execute(
            "UPDATE material SET file_state = ?, file_name = coalesce(?, file_name), "
            "updated_at = ? WHERE id = ?",
            [state, file_name, now(), material_id],
        )
        if cursor.rowcount == 0:
            raise NotFoundError(f"no material {material_id!r}")


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def guess_mime(path: Path) -> str:
    """The file's media type from its extension, ``application/octet-stream`` if unknown."""
    return _MIME.guess_type(path.name, strict=False)[0] or "application/octet-stream"


def add_local_file(
    db: Database,
    path: Path,
    materials_dir: Path,
    *,
    title: str,
    topic: str | None = None,
    language: str | None = None,
    mime: str | None = None,
    duration_s: float | None = None,
    priority: int = 0,
) -> str:
    """Copy a file into the materials folder as ``<sha256><ext>`` and register it as present.

    If a material with the same content is already known (from the server or an earlier copy),
    its record keeps its title and is marked present; its id is returned.
    """
    source = Path(path)
    if not source.is_file():
        raise InvalidValueError(f"{source} is not a file", field="path")
    title = _required_text(title, "title")
    sha256, size = _hash_file(source)
    file_name = sha256 + source.suffix.lower()
    materials_dir = Path(materials_dir)
    materials_dir.mkdir(parents=True, exist_ok=True)
    target = materials_dir / file_name
    if not (target.is_file() and target.stat().st_size == size):
        # Copy beside the target, then rename: a crash never leaves a half file under the
        # content-addressed name.
        temporary = target.with_name(target.name + f".{new_id()}.tmp")
        try:
            shutil.copyfile(source, temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    with transaction(db):
        row = db.execute(
            "SELECT id FROM material WHERE sha256 = ? ORDER BY id LIMIT 1", [sha256]
        ).fetchone()
        if row is not None:
            set_file_state(db, str(row[0]), "present", file_name=file_name)
            return str(row[0])
        return register_material(
            db,
            title=title,
            mime=mime or guess_mime(source),
            size=size,
            sha256=sha256,
            topic=topic,
            language=language,
            duration_s=duration_s,
            priority=priority,
            file_name=file_name,
            file_state="present",
        )


def list_materials(
    db: Database, *, topic: str | None = None, language: str | None = None
) -> list[dict[str, Any]]:
    """Materials not retired by the server, highest priority first, then by title."""
    where = ["retired = 0"]
    params: list[Any] = []
    if topic is not None:
        where.append("topic = ?")
        params.append(topic)
    if language is not None:
        where.append("language = ?")
        params.append(language)
    sql = (
        f"SELECT {_COLUMNS} FROM material WHERE {' AND '.join(where)} "
        "ORDER BY priority DESC, title, id"
    )
    return _as_dicts(db.execute(sql, params))


def material_path(db: Database, material_id: str, materials_dir: Path) -> Path | None:
    """The local file of a material, or None unless it is present (recorded and on disk)."""
    material = get_material(db, material_id)
    if material["file_state"] != "present" or not material["file_name"]:
        return None
    path = Path(materials_dir) / material["file_name"]
    return path if path.is_file() else None


def record_shown(
    db: Database,
    session_id: str,
    material_id: str,
    *,
    by: str | None = None,
    at: int | None = None,
) -> str:
    """Record that a material was shown at an open session; returns the row id.

    Showing the same material twice records it twice. Raises NotFoundError (session or
    material) and SessionClosedError: what was shown is part of the session, which is final
    once closed.
    """
    at = now() if at is None else at
    row_id = new_id()
    with transaction(db):
        require_open_session(db, session_id)
        if db.execute("SELECT 1 FROM material WHERE id = ?", [material_id]).fetchone() is None:
            raise NotFoundError(f"no material {material_id!r}")
        db.execute(
            "INSERT INTO session_material (id, session_id, material_id, shown_at, by) "
            "VALUES (?, ?, ?, ?, ?)",
            [row_id, session_id, material_id, at, by],
        )
        outbox.append(
            db,
            outbox.OP_MATERIAL_SHOWN,
            {"id": row_id, "s": session_id, "m": material_id, "at": at, "by": by},
            at=at,
        )
    return row_id


def shown_at_session(db: Database, session_id: str) -> list[dict[str, Any]]:
    """What was shown at a session, in the order shown: the row plus the material's details."""
    return _as_dicts(
        db.execute(
            """
            SELECT sm.id, sm.material_id, sm.shown_at, sm.by, m.title, m.topic, m.language,
                   m.mime, m.duration_s
              FROM session_material sm
              JOIN material m ON m.id = sm.material_id
             WHERE sm.session_id = ?
             ORDER BY sm.shown_at, sm.rowid
            """,
            [session_id],
        )
    )


# --- the download queue (issue 5) ------------------------------------------------------------
#
# A material's file is fetched by a sync only when its *effective* choice is "wanted". The user
# may say "wanted" or "deferred" (``material.download_choice``); with no choice (NULL) the rule
# below decides: a priority material (the county wants it on every laptop) or a small file is
# wanted, a large file — in practice a video — waits until someone chooses it on a better
# connection. 20 MiB is about 40 minutes at 64 kbit/s, the slowest link we plan for.

CHOICE_WANTED = "wanted"
CHOICE_DEFERRED = "deferred"
DOWNLOAD_CHOICES = (CHOICE_WANTED, CHOICE_DEFERRED)
AUTO_DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024


def effective_choice(size: int, priority: int, choice: str | None) -> str:
    """"wanted" or "deferred": the user's choice if any, else the automatic rule."""
    if choice in DOWNLOAD_CHOICES:
        return str(choice)
    if priority > 0 or size <= AUTO_DOWNLOAD_MAX_BYTES:
        return CHOICE_WANTED
    return CHOICE_DEFERRED


def download_queue(db: Database) -> list[dict[str, Any]]:
    """Materials whose file this laptop does not have yet (absent or partly downloaded).

    Each row is the material plus ``download_choice`` (the user's, or None) and ``effective``
    ("wanted"/"deferred"), in the order a sync downloads them: priority first, then title.
    A file recorded as present but missing on disk is not listed here; the next sync finds
    and fetches it again.
    """
    rows = _as_dicts(
        db.execute(
            f"SELECT {_COLUMNS}, download_choice FROM material "
            "WHERE retired = 0 AND file_state != 'present' ORDER BY priority DESC, title, id"
        )
    )
    for row in rows:
        row["effective"] = effective_choice(row["size"], row["priority"], row["download_choice"])
    return rows


def wanted_ids(db: Database) -> list[str]:
    """Ids of the queued materials a sync should fetch now (effective choice "wanted")."""
    return [row["id"] for row in download_queue(db) if row["effective"] == CHOICE_WANTED]


def set_download_choice(db: Database, material_ids: list[str], choice: str | None) -> int:
    """Record the user's choice ("wanted", "deferred", or None for automatic) for materials.

    Returns how many were changed. Unknown ids raise NotFoundError and change nothing.
    """
    if choice is not None and choice not in DOWNLOAD_CHOICES:
        raise InvalidValueError(f"unknown download choice {choice!r}", field="download_choice")
    with transaction(db):
        changed = 0
        for material_id in material_ids:
            cursor = db.execute(
                "UPDATE material SET download_choice = ? WHERE id = ?", [choice, material_id]
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no material {material_id!r}")
            changed += cursor.rowcount
    return changed

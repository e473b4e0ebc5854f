"""Server statistics: the figures reports are made of, and a device's counts for its receipt.

The definitions are the laptop's (``core/stats.py``, docs/decisions.md), so a township's
figures read the same on its laptop and on the server:

- ``sessions`` (场次): sessions whose start falls in the period (CST days), open or closed.
- ``registered_participant_times``: (session, person) pairs whose effective status is present,
  late or left early; ``unregistered_headcount``: the sessions' headcounts added up;
  ``participant_times`` (人次): the two together.
- ``unique_participants`` (人数): distinct registered people who attended, a person merged
  into another counting as that person.
- ``party_members``: members and probationary members on the roster in scope (not deleted, not
  merged away); ``party_members_attended``: how many of them attended at least one of the
  group's sessions; ``participation_rate`` (参与率): attended ÷ members, None without members.

Groupings: ``township`` (every township in scope, members of that township only), ``kind``,
``month`` and ``topic`` (groups with sessions; members of the county or the township filter;
sessions without a topic have the key ""), and —
server only — ``organisation``: people grouped by their Party organisation (after merges), so a
row counts that organisation's people: their attendances, the distinct sessions they attended,
its members. Unregistered headcount belongs to no organisation and is 0 there; people without
an organisation form the row with key "". ``label`` is a township's or organisation's name,
else the key itself (a kind code or "2026-03").

How (docs/decisions.md, "Statistics from a per-session tally"): counting distinct people
over a year of marks took seconds, so ``attendance`` is summed up per session in
``session_tally`` (the small numbers — ``stats_person`` — of the people whose effective status
there is attended), rewritten by ``refresh_tallies`` in the same transaction as every change
of ``attendance`` (``server/apply.py``). A view reads the period's sessions with their tallies
(≤ 50,000 rows a year) and the roster (merges, townships, organisations, membership: read
live, so merges and roster edits need no upkeep) and counts in Python with sets. Nothing in
``statistics`` writes.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ..core.sessions import cst_bounds
from ..core.stats import figures
from ..core.vocab import ATTENDED_STATUSES, PARTY_MEMBER_STATUSES, SESSION_KINDS
from .db import (
    any_of,
    attendance,
    op_log,
    organisation,
    person,
    session,
    session_tally,
    stats_person,
    township,
)
from .errors import ServiceError

GROUPINGS: tuple[str | None, ...] = (None, "township", "organisation", "kind", "month", "topic")
CST_OFFSET_S = 8 * 3600
TALLY_TYPECODE = "i"  # 4-byte signed integers (array's "i" is 4 bytes on every platform we ship)
_SWAP = sys.byteorder != "little"


# --- the tally ------------------------------------------------------------------------------


def _pack(numbers: Iterable[int]) -> bytes:
    packed = array(TALLY_TYPECODE, sorted(numbers))
    if _SWAP:
        packed.byteswap()
    return packed.tobytes()


def unpack_tally(blob: bytes | memoryview | None) -> array[int]:
    numbers = array(TALLY_TYPECODE)
    if blob:
        numbers.frombytes(bytes(blob))
        if _SWAP:
            numbers.byteswap()
    return numbers


def _number_people(conn: Connection, attended: Any) -> None:
    """Give every person in ``attended`` (a select of person ids) a number if they have none.

    ON CONFLICT DO NOTHING: two pushes numbering the same new person at once do not fail;
    the second waits for the first and finds the number there.
    """
    known = select(stats_person.c.person_id).where(stats_person.c.person_id == person.c.id)
    new = select(person.c.id).where(person.c.id.in_(attended), ~known.exists())
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(stats_person)
        .from_select(["person_id"], new.order_by(person.c.id))
        .on_conflict_do_nothing()
    )
    conn.execute(statement)


def refresh_tallies(conn: Connection, session_ids: Iterable[str]) -> None:
    """Rewrite the tallies of ``session_ids`` from their ``attendance`` rows; call it in the
    transaction that changed those rows (every push, quarantine re-apply)."""
    ids = sorted(set(session_ids))
    if not ids:
        return
    attended = attendance.c.status.in_(ATTENDED_STATUSES)
    people: dict[str, list[int]] = {}
    for where in any_of(conn, attendance.c.session_id, ids):
        _number_people(conn, select(attendance.c.person_id).where(where, attended))
        rows = conn.execute(
            select(attendance.c.session_id, stats_person.c.number)
            .select_from(
                attendance.join(stats_person, stats_person.c.person_id == attendance.c.person_id)
            )
            .where(where, attended)
        )
        for session_id, number in rows:
            people.setdefault(session_id, []).append(int(number))
    for where in any_of(conn, session_tally.c.session_id, ids):
        conn.execute(delete(session_tally).where(where))
    if people:
        conn.execute(
            insert(session_tally),
            [{"session_id": sid, "people": _pack(numbers)} for sid, numbers in people.items()],
        )


def rebuild_tallies(conn: Connection) -> None:
    """Every session's tally from scratch (data loaded straight into the tables: the bench;
    a check that the tallies are right)."""
    attended = attendance.c.status.in_(ATTENDED_STATUSES)
    conn.execute(delete(session_tally))
    _number_people(conn, select(attendance.c.person_id).where(attended))
    rows = conn.execute(
        select(attendance.c.session_id, stats_person.c.number)
        .select_from(
            attendance.join(stats_person, stats_person.c.person_id == attendance.c.person_id)
        )
        .where(attended)
        .order_by(attendance.c.session_id)
    )
    batch: list[dict[str, Any]] = []
    current: str | None = None
    numbers: list[int] = []
    for session_id, number in rows:
        if session_id != current:
            if current is not None:
                batch.append({"session_id": current, "people": _pack(numbers)})
            current, numbers = session_id, []
        numbers.append(int(number))
        if len(batch) >= 5000:
            conn.execute(insert(session_tally), batch)
            batch = []
    if current is not None:
        batch.append({"session_id": current, "people": _pack(numbers)})
    if batch:
        conn.execute(insert(session_tally), batch)


# --- counting --------------------------------------------------------------------------------


class Roster:
    """The people as the figures count them, read once per view.

    A mark counts as the person it names or, if merged, as the person merged into (``who``);
    that person's township, organisation and membership (on the roster — not deleted, not
    merged away — and a member or probationary member) are the ones that count.
    """

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(
            select(
                person.c.id,
                stats_person.c.number,
                person.c.merged_into,
                person.c.township_code,
                person.c.organisation_id,
                person.c.political_status,
                person.c.deleted,
            ).select_from(
                person.outerjoin(stats_person, stats_person.c.person_id == person.c.id)
            )
        ).all()
        # Each person's index: their number if they have one (so that, without merges, a set
        # of numbers is already the set of people), else one after the highest number.
        size = max((int(r[1]) for r in rows if r[1] is not None), default=0) + 1
        index: dict[str, int] = {}
        for row in rows:
            index[row[0]] = int(row[1]) if row[1] is not None else size + len(index)
        total = size + len(rows)
        self.town: list[str | None] = [None] * total
        self.org: list[str] = [""] * total  # "" without an organisation
        self.member: list[bool] = [False] * total
        numbered: list[tuple[int, str]] = []
        for person_id, number, merged_into, town, org, status, deleted in rows:
            i = index[person_id]
            self.town[i] = town
            self.org[i] = org or ""
            self.member[i] = (
                not deleted and merged_into is None and status in PARTY_MEMBER_STATUSES
            )
            if number is not None:
                numbered.append((int(number), merged_into or person_id))
        # number → index of its ``who`` (-1: no such number). A person merged into someone
        # the roster lacks gets an index of its own, with no township, organisation or
        # membership — what the SQL's outer join gave.
        self.who_of: list[int] = [-1] * size
        for number, who in numbered:
            found = index.get(who)
            if found is None:
                found = index[who] = len(self.town)
                self.town.append(None)
                self.org.append("")
                self.member.append(False)
            self.who_of[number] = found
        self.merged = {n for n, who in numbered if self.who_of[n] != n}
        # Party members on the roster (for the people themselves: their own row counts).
        self.members = {i for i, m in enumerate(self.member) if m}
        self._members_in: dict[str, set[int]] = {}

    def whos(self, numbers: set[int]) -> set[int]:
        """The people the numbers count as (``numbers`` itself when none was merged)."""
        if self.merged.isdisjoint(numbers):
            return numbers
        return set(map(self.who_of.__getitem__, numbers))

    def members_in(self, township_code: str | None) -> set[int]:
        """Member ``who``s, of one township or (None) all."""
        if township_code is None:
            return self.members
        found = self._members_in.get(township_code)
        if found is None:
            town = self.town
            found = {i for i in self.members if town[i] == township_code}
            self._members_in[township_code] = found
        return found

    def attended(self, numbers: set[int], township_code: str | None) -> tuple[int, int]:
        """(distinct people, members among them) of the numbers marked attended."""
        whos = self.whos(numbers)
        return len(whos), len(whos & self.members_in(township_code))


def _month_keys(start: int, end: int) -> tuple[list[int], list[str]]:
    """The CST months from ``start`` to ``end``: their first second and "YYYY-MM"."""
    first = datetime.fromtimestamp(start + CST_OFFSET_S, tz=UTC)
    year, month = first.year, first.month
    bounds: list[int] = []
    keys: list[str] = []
    while True:
        at = int(datetime(year, month, 1, tzinfo=UTC).timestamp()) - CST_OFFSET_S
        if at > end and bounds:
            break
        bounds.append(at)
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds, keys


def _period_sessions(
    conn: Connection, start: int | None, end: int | None, township_code: str | None
) -> list[tuple[Any, ...]]:
    """(township, kind, topic, starts_at, headcount, tally bytes) of the period's sessions."""
    query = select(
        session.c.township_code,
        session.c.kind,
        session.c.topic,
        session.c.starts_at,
        session.c.headcount_unregistered,
        session_tally.c.people,
    ).select_from(session.outerjoin(session_tally, session_tally.c.session_id == session.c.id))
    if start is not None:
        query = query.where(session.c.starts_at >= start)
    if end is not None:
        query = query.where(session.c.starts_at < end)
    if township_code is not None:
        query = query.where(session.c.township_code == township_code)
    return [
        (town, kind, topic, int(starts), int(headcount or 0), bytes(people or b""))
        for town, kind, topic, starts, headcount, people in conn.execute(query)
    ]


def group_labels(conn: Connection, grouping: str, township_code: str | None) -> dict[str, str]:
    """The townships' or the organisations' names by code, in the order rows are shown; with
    ``township_code``, that township or its organisations only."""
    if grouping == "township":
        query = select(township.c.code, township.c.name).order_by(township.c.sort, township.c.code)
        if township_code is not None:
            query = query.where(township.c.code == township_code)
    else:
        query = select(organisation.c.id, organisation.c.name).order_by(
            organisation.c.township_code, organisation.c.id
        )
        if township_code is not None:
            query = query.where(organisation.c.township_code == township_code)
    return {str(code): str(name) for code, name in conn.execute(query)}


def _session_keyed(
    grouping: str, rows: list[tuple[Any, ...]]
) -> dict[str, tuple[int, int, int, set[int]]]:
    """Per key of a session grouping: (sessions, headcount, registered, numbers attended)."""
    column = {"township": 0, "kind": 1, "topic": 2}.get(grouping)
    months: tuple[list[int], list[str]] | None = None
    if grouping == "month" and rows:
        months = _month_keys(min(r[3] for r in rows), max(r[3] for r in rows))
    held: dict[str, list[Any]] = {}
    for row in rows:
        if months is not None:
            key = months[1][bisect_right(months[0], row[3]) - 1]
        else:
            assert column is not None
            key = row[column] or ""
        entry = held.get(key)
        if entry is None:
            entry = held[key] = [0, 0, []]
        entry[0] += 1
        entry[1] += row[4]
        entry[2].append(row[5])
    result = {}
    for k, (sessions, headcount, tallies) in held.items():
        numbers = unpack_tally(b"".join(tallies))  # one array per key, made in C
        result[k] = (sessions, headcount, len(numbers), set(numbers))
    return result


def _grouped(
    conn: Connection,
    grouping: str | None,
    rows: list[tuple[Any, ...]],
    people: Roster,
    township_code: str | None,
) -> dict[str, dict[str, Any]]:
    """Figures per key of ``grouping`` over the period's sessions ``rows``."""
    labels: dict[str, str] = {}
    if grouping is None:
        marks = unpack_tally(b"".join(row[5] for row in rows))
        unique, members = people.attended(set(marks), township_code)
        registered = len(marks)
        members_on_roster = len(people.members_in(township_code))
        headcount = sum(row[4] for row in rows)
        totals = figures(len(rows), headcount, registered, unique, members_on_roster, members)
        return {"": {"label": "", **totals}}

    if grouping == "organisation":
        return _by_organisation(conn, rows, people, township_code)

    held = _session_keyed(grouping, rows)
    if grouping == "township":
        roster = Counter(people.town[i] for i in people.members_in(township_code))
        labels = group_labels(conn, "township", township_code)
        keys = list(labels)
    else:
        county = len(people.members_in(township_code))
        if grouping == "kind":
            keys = sorted(held, key=lambda k: SESSION_KINDS.index(k) if k in SESSION_KINDS else 99)
        else:
            keys = sorted(held)
        roster = Counter({k: county for k in keys})

    result: dict[str, dict[str, Any]] = {}
    for k in keys:
        sessions, headcount, registered, numbers = held.get(k, (0, 0, 0, set()))
        # Whose membership counts: the session's own township when grouping by township.
        unique, members = people.attended(numbers, k if grouping == "township" else township_code)
        group_figures = figures(sessions, headcount, registered, unique, roster.get(k, 0), members)
        result[k] = {"label": labels.get(k, k), **group_figures}
    return result


def _by_organisation(
    conn: Connection, rows: list[tuple[Any, ...]], people: Roster, township_code: str | None
) -> dict[str, dict[str, Any]]:
    """By the Party organisation of the person a mark counts as: the distinct sessions they
    attended, their marks, their distinct people and members; no unregistered headcount."""
    org_of_number = [people.org[w] if w >= 0 else "" for w in people.who_of]
    org_of = org_of_number.__getitem__
    marks = array(TALLY_TYPECODE)
    session_orgs: list[str] = []  # each session's distinct organisations, one after another
    for row in rows:
        tally = unpack_tally(row[5])
        if tally:
            session_orgs.extend(set(map(org_of, tally)))
            marks.extend(tally)
    sessions = Counter(session_orgs)
    registered: Counter[str] = Counter()
    for number, count in Counter(marks).items():
        registered[org_of(number)] += count
    numbers = set(marks)
    whos = people.whos(numbers)
    unique = Counter(people.org[w] for w in whos)
    members = Counter(people.org[w] for w in whos & people.members_in(township_code))
    roster = Counter(people.org[i] for i in people.members_in(township_code))
    labels = group_labels(conn, "organisation", township_code)
    keys = list(labels)
    if "" in sessions or "" in registered or roster.get(""):
        keys.append("")
        labels[""] = ""
    return {
        k: {
            "label": labels[k],
            **figures(sessions[k], 0, registered[k], unique[k], roster.get(k, 0), members[k]),
        }
        for k in keys
    }


def statistics(
    conn: Connection,
    date_from: date | None = None,
    date_to: date | None = None,
    by: str | None = None,
    township_code: str | None = None,
    totals: dict[str, Any] | None = None,
    roster: Roster | None = None,
) -> dict[str, Any]:
    """``{"totals": figures, "rows": [{"key", "label", **figures}]}`` (definitions above).

    ``date_from``/``date_to`` are inclusive CST days; ``by`` is None, "township",
    "organisation", "kind", "month" or "topic"; ``township_code`` limits sessions and members
    to one township. ``totals``: the totals of the same period and township computed before
    (a report of several groupings counts them once); ``roster``: ``Roster(conn)`` read
    before in a transaction that saw the same data (nothing pushed or edited since). Raises
    ServiceError for an unknown grouping or a reversed period.
    """
    return statistics_many(
        conn, date_from, date_to, [by], township_code, totals=totals, roster=roster
    )[by]


def statistics_many(
    conn: Connection,
    date_from: date | None,
    date_to: date | None,
    groupings: Iterable[str | None],
    township_code: str | None = None,
    *,
    totals: dict[str, Any] | None = None,
    roster: Roster | None = None,
) -> dict[str | None, dict[str, Any]]:
    """``statistics`` for several groupings of one period, its sessions read once (a
    workbook's sheets): ``{by: {"totals", "rows"}}``."""
    wanted = list(groupings)
    for by in wanted:
        if by not in GROUPINGS:
            raise ServiceError(f"cannot group statistics by {by!r}", field="by")
    if date_from is not None and date_to is not None and date_to < date_from:
        raise ServiceError("the period ends before it starts", field="date_to")
    start, end = cst_bounds(date_from, date_to)
    rows = _period_sessions(conn, start, end, township_code)
    # After the sessions: on PostgreSQL each statement sees what committed before it, so a
    # roster read now knows every number the tallies hold; a roster given that does not (read
    # before a push numbered someone new) is read again.
    top = max(
        (int.from_bytes(row[5][-4:], "little", signed=True) for row in rows if row[5]),
        default=0,
    )
    people = roster if roster is not None and top < len(roster.who_of) else Roster(conn)
    if totals is None:
        totals = _grouped(conn, None, rows, people, township_code)[""]
        totals.pop("label")
    result: dict[str | None, dict[str, Any]] = {}
    for by in wanted:
        result_rows: list[dict[str, Any]] = []
        if by is not None:
            for key, group_figures in _grouped(conn, by, rows, people, township_code).items():
                result_rows.append({"key": key, **group_figures})
        result[by] = {"totals": dict(totals), "rows": result_rows}
    return result


def registered_at_session() -> Any:
    """A correlated count of the attended marks of the outer query's ``session`` row (index
    only: ``ix_attendance_session_status``)."""
    return (
        select(func.count())
        .select_from(attendance)
        .where(
            attendance.c.session_id == session.c.id,
            attendance.c.status.in_(ATTENDED_STATUSES),
        )
        .scalar_subquery()
    )


def device_counts(conn: Connection, device_id: str) -> dict[str, int]:
    """What the server holds from everything this device pushed (all its replicas): ops
    stored, the sessions it created and their participant-times — what the laptop compares
    with its own ``local_totals`` for the sync receipt.

    Every push answers with these, so they are counted through indexes only: the device's
    ops, its sessions, and per session its attended marks (a correlated count, which a
    database cannot turn into a scan of all attendance; PostgreSQL did exactly that with a
    join while its statistics lagged behind a bulk load: 80 ms per push at a million marks
    instead of 3).
    """
    ops = conn.execute(
        select(func.count()).select_from(op_log).where(op_log.c.device_id == device_id)
    ).scalar_one()
    attended = registered_at_session()
    sessions, headcount, registered = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(session.c.headcount_unregistered), 0),
            func.coalesce(func.sum(attended), 0),
        ).where(session.c.created_by_device == device_id)
    ).one()
    return {
        "ops": int(ops),
        "sessions": int(sessions),
        "participant_times": int(registered) + int(headcount),
        "registered_participant_times": int(registered),
        "unregistered_headcount": int(headcount),
    }

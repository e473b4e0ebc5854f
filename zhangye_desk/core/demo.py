"""Realistic demo data for Sunan county: a roster, a year of sessions, attendance, materials.

Names follow the patterns of the county's peoples (Yugur, Tibetan, Mongolian, Han, Hui) with a
mix per township that follows its make-up (the Tibetan townships mostly Tibetan names, 白银
mostly Mongolian, 大河 and 康乐 mostly Yugur …). All of it is invented: the people do not
exist, and the coordinates are only near the townships. The roster arrives as if synced from
the server (no outbox ops); sessions, marks, walk-ins and materials shown are recorded through
the same domain functions the window uses, so they wait in the outbox like real work.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..paths import resource
from . import attendance, directory, materials
from . import people as roster
from . import sessions as classes
from .ids import new_id, now
from .store import transaction

Progress = Callable[[str, int, int], None]

DAY = 24 * 3600

# Share of each ethnicity per township (approximate, for realism only).
ETHNIC_MIX: dict[str, dict[str, int]] = {
    "620721100": {"汉族": 45, "裕固族": 30, "藏族": 15, "蒙古族": 5, "回族": 5},
    "620721101": {"裕固族": 40, "汉族": 30, "蒙古族": 15, "藏族": 10, "回族": 5},
    "620721102": {"裕固族": 55, "汉族": 25, "藏族": 15, "蒙古族": 3, "回族": 2},
    "620721200": {"藏族": 60, "汉族": 25, "裕固族": 12, "回族": 3},
    "620721202": {"蒙古族": 55, "汉族": 25, "裕固族": 15, "藏族": 5},
    "620721203": {"裕固族": 60, "汉族": 25, "藏族": 12, "蒙古族": 3},
    "620721204": {"裕固族": 50, "汉族": 45, "回族": 5},
    "620721205": {"藏族": 55, "汉族": 35, "裕固族": 7, "回族": 3},
}
DEFAULT_MIX = {"汉族": 40, "裕固族": 30, "藏族": 20, "蒙古族": 7, "回族": 3}

# Rough centres of the townships (sample coordinates, not survey data).
CENTRES: dict[str, tuple[float, float]] = {
    "620721100": (38.81, 99.62),
    "620721101": (37.95, 101.62),
    "620721102": (38.78, 99.88),
    "620721200": (38.52, 100.40),
    "620721202": (39.05, 99.45),
    "620721203": (38.70, 99.70),
    "620721204": (39.30, 99.05),
    "620721205": (39.45, 97.90),
}

HAN_SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱胡郭何高罗郑梁谢宋唐单曾韩冯董"
HAN_GIVEN_M = ["建国", "志强", "海涛", "军", "伟", "斌", "东", "明", "国华", "永平", "学军", "晓东"]
HAN_GIVEN_F = ["秀英", "丽", "芳", "霞", "红梅", "春燕", "玉兰", "静", "桂花", "晓燕", "英", "梅"]
YUGUR_SURNAMES = "安钟贺郭兰杜妥常索顾白柯杨鄂"
YUGUR_GIVEN_M = ["海龙", "成林", "建军", "国庆", "文华", "志明", "金山", "永福", "福林", "明德"]
YUGUR_GIVEN_F = ["梅花", "玉梅", "金花", "春花", "秀兰", "桂兰", "红英", "玉英", "兰花", "翠花"]
TIBETAN_M = ["才让", "扎西", "多杰", "东智", "仁青", "桑吉", "尕藏", "加措", "索南", "旦正", "更登"]
TIBETAN_F = ["卓玛", "拉毛", "央金", "措毛", "吉毛", "草毛", "德吉", "周措", "完玛", "才吉"]
MONGOL_M = ["巴特尔", "孟和", "苏和", "额尔敦", "宝音", "那顺", "巴图", "阿拉坦", "朝鲁"]
MONGOL_F = ["其其格", "萨仁", "乌兰", "格日勒", "图雅", "娜仁", "高娃", "斯琴"]
HUI_SURNAMES = "马白哈穆沙海丁"
HUI_GIVEN_M = ["福", "明", "海", "哈力", "忠", "德福", "义", "有才"]
HUI_GIVEN_F = ["玉兰", "阿依霞", "秀梅", "法图麦", "兰英", "麦燕"]

KIND_WEIGHTS = {
    "tent": 35,
    "horseback": 25,
    "study": 12,
    "party_lecture": 10,
    "party_day": 10,
    "mobile": 8,
}
TOPICS = {
    "党史学习教育": ["中国共产党的光辉历程", "红西路军在祁连山", "学党史 感党恩 跟党走"],
    "草原生态保护": ["草原生态保护补助奖励政策解读", "禁牧与草畜平衡", "祁连山国家公园与牧民生活"],
    "乡村振兴": ["乡村振兴政策宣讲", "特色畜牧业与合作社", "牧区电商与农产品销售"],
    "民族团结进步": ["民族团结一家亲", "铸牢中华民族共同体意识", "裕固族非物质文化遗产保护"],
    "惠民政策": ["医保与大病救助", "养老保险政策问答", "教育资助政策"],
    "法律法规": ["民法典进牧区", "草原法与牧民权益", "防范电信诈骗"],
    "防灾减灾": ["雪灾防御与牲畜越冬", "森林草原防火", "冬春季安全生产"],
}
PASTURE_SUFFIXES = ["夏季牧场", "冬季牧场", "春秋草场", "冬窝子", "牧民定居点", "村委会"]
STATUS_WEIGHTS = {"member": 100, "probationary": 15, "activist": 25, "masses": 860}
MARK_WEIGHTS = {"present": 85, "late": 10, "left_early": 5}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_name(rng: random.Random, ethnicity: str, gender: str) -> str:
    male = gender == "M"
    if ethnicity == "藏族":
        pool = TIBETAN_M if male else TIBETAN_F
        first = rng.choice(TIBETAN_M + TIBETAN_F) if rng.random() < 0.5 else ""
        return first + rng.choice(pool) if first else rng.choice(pool)
    if ethnicity == "蒙古族":
        pool = MONGOL_M if male else MONGOL_F
        name = rng.choice(pool)
        return f"{name}·{rng.choice(MONGOL_M)}" if rng.random() < 0.15 else name
    if ethnicity == "裕固族":
        if rng.random() < 0.15:  # Many Yugur herders also carry Tibetan-style names.
            return rng.choice(TIBETAN_M if male else TIBETAN_F) + rng.choice(TIBETAN_M + TIBETAN_F)
        return rng.choice(YUGUR_SURNAMES) + rng.choice(YUGUR_GIVEN_M if male else YUGUR_GIVEN_F)
    if ethnicity == "回族":
        return rng.choice(HUI_SURNAMES) + rng.choice(HUI_GIVEN_M if male else HUI_GIVEN_F)
    return rng.choice(HAN_SURNAMES) + rng.choice(HAN_GIVEN_M if male else HAN_GIVEN_F)


def _roster(
    rng: random.Random, db: Database, township_codes: list[str], count: int, at: int
) -> list[dict[str, Any]]:
    villages = {code: directory.villages(db, code) for code in township_codes}
    orgs = {code: directory.organisations(db, code) for code in township_codes}
    rows: list[dict[str, Any]] = []
    for _ in range(count):
        township = rng.choice(township_codes)
        ethnicity = _pick(rng, ETHNIC_MIX.get(township, DEFAULT_MIX))
        gender = rng.choice(("M", "F"))
        status = _pick(rng, STATUS_WEIGHTS)
        village = rng.choice(villages[township])["code"] if villages[township] else None
        branches = [o for o in orgs[township] if o["kind"] != "committee"] or orgs[township]
        org = rng.choice(branches)["id"] if branches and status != "masses" else None
        rows.append(
            {
                "id": new_id(),
                "name": make_name(rng, ethnicity, gender),
                "gender": gender,
                "ethnicity": ethnicity,
                "birth_year": rng.randint(1948, 2006),
                "township_code": township,
                "village_code": village,
                "organisation_id": org,
                "political_status": status,
                "phone": f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
                if rng.random() < 0.6
                else None,
                "version": 1,
                "created_at": at,
                "updated_at": at,
            }
        )
    return rows


def _load_materials(db: Database, materials_dir: Path) -> list[str]:
    manifest_path = resource("demo_materials", "manifest.json")
    if not manifest_path.exists():
        return []
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    items = manifest["materials"] if isinstance(manifest, dict) else manifest
    ids = []
    for item in items:
        ids.append(
            materials.add_local_file(
                db,
                resource("demo_materials", item["file"]),
                materials_dir,
                title=item["title"],
                topic=item.get("topic"),
                language=item.get("language"),
                mime=item.get("mime"),
                duration_s=item.get("duration_s"),
                priority=item.get("priority", 0),
            )
        )
    return ids


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split ``total`` marks over ``parts`` sessions, unevenly, as real turnout is."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def generate_demo(
    db: Database,
    *,
    materials_dir: Path,
    people: int = 2000,
    sessions: int = 120,
    marks: int = 3000,
    township: str | None = None,
    seed: int = 2026,
    progress: Progress | None = None,
    at: int | None = None,
) -> dict[str, int]:
    """Fill the store; returns what was made. With ``township`` everything belongs to it."""
    report = progress or (lambda phase, done, total: None)
    rng = random.Random(seed)
    at = now() if at is None else at
    directory.load_directory(db)
    if township:
        township_codes = [directory.township_by_name(db, township)["code"]]
    else:
        township_codes = [t["code"] for t in directory.townships(db)]

    people_rows = _roster(rng, db, township_codes, people, at - 400 * DAY)
    report("roster", 0, len(people_rows))
    for start in range(0, len(people_rows), 5000):
        chunk = people_rows[start : start + 5000]
        roster.upsert_server_people(db, chunk)
        report("roster", start + len(chunk), len(people_rows))
    by_township: dict[str, list[dict[str, Any]]] = {code: [] for code in township_codes}
    for person in people_rows:
        by_township[person["township_code"]].append(person)

    material_ids = _load_materials(db, materials_dir)
    made = _sessions(
        db,
        rng,
        township_codes,
        by_township,
        material_ids,
        sessions=sessions,
        marks=marks,
        one_township=bool(township),
        at=at,
        report=report,
    )
    return {
        "people": len(people_rows) + made["walk_ins"],
        "sessions": made["sessions"],
        "marks": made["marks"],
        "materials": len(material_ids),
    }


def demo_sessions(
    db: Database,
    *,
    township: str,
    sessions: int = 60,
    marks: int = 1500,
    seed: int = 2026,
    progress: Progress | None = None,
    at: int | None = None,
) -> dict[str, int]:
    """A year of one township's sessions and marks over the roster already in the store (a
    roster pulled from the server, as on an enrolled laptop), with the materials it knows of."""
    report = progress or (lambda phase, done, total: None)
    rng = random.Random(seed)
    code = directory.township_by_name(db, township)["code"]
    people_rows = [
        {"id": row[0]}
        for row in db.execute(
            "SELECT id FROM person WHERE township_code = ? AND deleted = 0 ORDER BY id", [code]
        ).fetchall()
    ]
    material_ids = [
        row[0]
        for row in db.execute("SELECT id FROM material WHERE retired = 0 ORDER BY id").fetchall()
    ]
    made = _sessions(
        db,
        rng,
        [code],
        {code: people_rows},
        material_ids,
        sessions=sessions,
        marks=marks,
        one_township=True,
        at=now() if at is None else at,
        report=report,
    )
    return {"sessions": made["sessions"], "marks": made["marks"], "walk_ins": made["walk_ins"]}


def roster_table(db: Database, *, people: int, seed: int = 2026) -> list[dict[str, Any]]:
    """A county roster as a roster file has it (Chinese headers, names not codes), for seeding
    a demo server through its ordinary roster import. At most ``people`` rows: namesakes born
    the same year in the same township are left out, as the import would refuse them."""
    rng = random.Random(seed)
    directory.load_directory(db)
    codes = [t["code"] for t in directory.townships(db)]
    township_names = {t["code"]: t["name"] for t in directory.townships(db)}
    village_names = {v["code"]: v["name"] for c in codes for v in directory.villages(db, c)}
    org_names = {o["id"]: o["name"] for c in codes for o in directory.organisations(db, c)}
    statuses = {"member": "中共党员", "probationary": "中共预备党员", "activist": "入党积极分子"}
    table = []
    seen: set[tuple[str, int, str]] = set()
    for row in _roster(rng, db, codes, people, now()):
        key = (row["name"], row["birth_year"], row["township_code"])
        if key in seen:  # a roster file names each person once (the import refuses twins)
            continue
        seen.add(key)
        table.append(
            {
                "姓名": row["name"],
                "性别": {"M": "男", "F": "女"}[row["gender"]],
                "民族": row["ethnicity"],
                "出生年份": row["birth_year"],
                "乡镇": township_names[row["township_code"]],
                "村": village_names.get(row["village_code"], ""),
                "党组织": org_names.get(row["organisation_id"], ""),
                "政治面貌": statuses.get(row["political_status"], "群众"),
                "联系电话": row["phone"] or "",
            }
        )
    return table


def _sessions(
    db: Database,
    rng: random.Random,
    township_codes: list[str],
    by_township: dict[str, list[dict[str, Any]]],
    material_ids: list[str],
    *,
    sessions: int,
    marks: int,
    one_township: bool,
    at: int,
    report: Progress,
) -> dict[str, int]:
    lecturers = [make_name(rng, "汉族", rng.choice("MF")) for _ in range(12)] + [
        make_name(rng, "裕固族", rng.choice("MF")) for _ in range(8)
    ]
    starts = sorted(
        at - rng.randint(1, 365) * DAY + rng.randint(8, 17) * 3600 for _ in range(sessions)
    )
    shares = _split(marks, sessions, rng)
    made_marks = 0
    walk_ins = 0
    report("sessions", 0, sessions)
    for index, starts_at in enumerate(starts):
        if one_township:
            code = township_codes[index % len(township_codes)]
        else:
            code = rng.choice(township_codes)
        villages = directory.villages(db, code)
        village = rng.choice(villages) if villages else None
        kind = _pick(rng, KIND_WEIGHTS)
        topic = rng.choice(list(TOPICS))
        lat, lon = CENTRES.get(code, (38.8, 99.6))
        with transaction(db):
            place = (village["name"] if village else "") + rng.choice(PASTURE_SUFFIXES)
            located = rng.random() < 0.6
            session_id = classes.create_session(
                db,
                kind=kind,
                title=rng.choice(TOPICS[topic]),
                topic=topic,
                township_code=code,
                village_code=village["code"] if village else None,
                place_name=place,
                latitude=round(lat + rng.uniform(-0.15, 0.15), 5) if located else None,
                longitude=round(lon + rng.uniform(-0.15, 0.15), 5) if located else None,
                lecturers="、".join(rng.sample(lecturers, 2)),
                starts_at=starts_at,
                at=starts_at - 600,
            )
            pool = by_township[code]
            wanted = min(shares[index], len(pool))
            chosen = rng.sample(pool, wanted) if wanted else []
            for offset, person in enumerate(chosen):
                person_id = person["id"]
                if rng.random() < 0.02:
                    person_id = roster.add_walk_in(
                        db,
                        name=make_name(rng, "裕固族", rng.choice("MF")),
                        township_code=code,
                        gender=None,
                        at=starts_at + offset,
                    )
                    walk_ins += 1
                status = _pick(rng, MARK_WEIGHTS)
                if attendance.mark(db, session_id, person_id, status, at=starts_at + 60 + offset):
                    made_marks += 1
            if material_ids and rng.random() < 0.4:
                materials.record_shown(db, session_id, rng.choice(material_ids), at=starts_at + 30)
            if kind in ("tent", "horseback"):
                classes.set_headcount(db, session_id, rng.randint(0, 6), at=starts_at + 7200)
            if index < len(starts) - 2:  # the latest two are still open on the laptop
                classes.close_session(
                    db,
                    session_id,
                    ends_at=starts_at + rng.randint(5400, 10800),
                    at=starts_at + 10800,
                )
        report("sessions", index + 1, len(starts))
    return {"sessions": len(starts), "marks": made_marks, "walk_ins": walk_ins}

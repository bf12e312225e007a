"""Importing the roster (代表库) and the quotas (名额): every row checked, all or nothing."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from evaluation.campaign.imports import ImportRefused, RowError, check_header
from evaluation.campaign.models import Campaign, Group, Meeting
from evaluation.core import audit
from evaluation.core.errors import Conflict
from representatives.models import (
    AGE_BANDS,
    SEXES,
    Candidate,
    Draw,
    Quota,
    categories_of,
)
from representatives.personal import id_number_hash, seal_phone

MAX_ROSTER_ROWS = 50_000
ROSTER_COLUMNS = ["编号", "姓名", "类别", "区市", "性别", "年龄段", "手机", "身份证号"]
ROSTER_REQUIRED = ["编号", "姓名", "类别", "区市"]
QUOTA_COLUMNS = ["组别", "会场", "类别", "人数"]  # and, optionally, 性别 and 年龄段
PERSON_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
PHONE = re.compile(r"1\d{10}")
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
MAX_QUOTA = 1000


def require_no_draw(session: Session, campaign: Campaign) -> None:
    """The roster and quotas are fixed once drawn: replaying the draw needs them unchanged."""
    if session.execute(select(Draw.id).where(Draw.campaign_id == campaign.id)).first():
        raise Conflict(_("已经抽取代表，代表库和名额不能再改。"))


def import_roster(
    session: Session, campaign: Campaign, rows: list[dict[str, str]], actor: str
) -> tuple[int, int]:
    """Add or update candidates by their 编号; a bad row anywhere imports nothing.
    Returns (added, updated)."""
    require_no_draw(session, campaign)
    check_header(rows, ROSTER_REQUIRED)
    categories = categories_of(campaign)
    existing = {
        c.person_id: c
        for c in session.execute(
            select(Candidate).where(Candidate.campaign_id == campaign.id)
        ).scalars()
    }
    owner_of_id = {c.id_hash: c.person_id for c in existing.values() if c.id_hash}
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    checked = []
    for row in rows:
        n = int(row["__row__"])
        person, name = row.get("编号", ""), row.get("姓名", "")
        category, district = row.get("类别", ""), row.get("区市", "")
        sex, age = row.get("性别", ""), row.get("年龄段", "")
        phone, id_number = "".join(row.get("手机", "").split()), row.get("身份证号", "")
        if not PERSON_ID.fullmatch(person):
            errors.append(RowError(n, "编号", _("应为 1–40 位字母、数字、-或_")))
        elif person in seen:
            errors.append(RowError(n, "编号", _("与第 %(r)s 行重复", r=seen[person])))
        seen.setdefault(person, n)
        if not name or len(name) > 50:
            errors.append(RowError(n, "姓名", _("不能为空，最多 %(n)s 个字符", n=50)))
        if category not in categories:
            errors.append(RowError(n, "类别", _("应为：%(list)s", list="、".join(categories))))
        if not district or len(district) > 50:
            errors.append(RowError(n, "区市", _("不能为空，最多 %(n)s 个字符", n=50)))
        if sex and sex not in SEXES:
            errors.append(RowError(n, "性别", _("应为：%(list)s", list="、".join(SEXES))))
        if age and age not in AGE_BANDS:
            errors.append(RowError(n, "年龄段", _("应为：%(list)s", list="、".join(AGE_BANDS))))
        if phone and not PHONE.fullmatch(phone):
            errors.append(RowError(n, "手机", _("应为 11 位手机号")))
        hashed = None
        if id_number:
            if not ID_NUMBER.fullmatch(id_number.strip()):
                errors.append(RowError(n, "身份证号", _("应为 18 位身份证号")))
            else:
                hashed = id_number_hash(id_number)
                if hashed in seen_ids:
                    errors.append(
                        RowError(n, "身份证号", _("与第 %(r)s 行是同一人", r=seen_ids[hashed]))
                    )
                elif owner_of_id.get(hashed, person) != person:
                    errors.append(
                        RowError(
                            n,
                            "身份证号",
                            _("与代表库中编号 %(p)s 是同一人", p=owner_of_id[hashed]),
                        )
                    )
                seen_ids.setdefault(hashed, n)
        checked.append((person, name, category, district, sex, age, phone, hashed))
    if errors:
        raise ImportRefused(errors)
    added = updated = 0
    for person, name, category, district, sex, age, phone, hashed in checked:
        candidate = existing.get(person)
        if candidate is None:
            candidate = Candidate(campaign_id=campaign.id, person_id=person)
            session.add(candidate)
            added += 1
        else:
            updated += 1
        candidate.name, candidate.category, candidate.district = name, category, district
        candidate.sex, candidate.age_band = sex or None, age or None
        if phone:
            candidate.phone_sealed, candidate.phone_tail = seal_phone(phone), phone[-4:]
        if hashed:
            candidate.id_hash = hashed
    session.flush()
    audit.record(
        session,
        actor,
        "representatives.import",
        f"campaign:{campaign.year}",
        added=added,
        updated=updated,
    )
    return added, updated


def import_quotas(
    session: Session, campaign: Campaign, rows: list[dict[str, str]], actor: str
) -> int:
    """Set the campaign's quotas (组别 × 会场 × 类别, optionally × 性别 × 年龄段 → 人数),
    replacing any before; all or nothing. Within one venue's category every row divides the
    same way (by sex, by age band, by both, or not at all), so no person fits two strata."""
    require_no_draw(session, campaign)
    check_header(rows, QUOTA_COLUMNS)
    categories = categories_of(campaign)
    meetings = {
        str(m.group.number): m
        for m in session.execute(
            select(Meeting).join(Group).where(Group.campaign_id == campaign.id)
        ).scalars()
    }
    venues = {v.name: v for v in campaign.venues}
    errors: list[RowError] = []
    seen: dict[tuple[str, ...], int] = {}
    division: dict[tuple[str, str, str], tuple[tuple[bool, bool], int]] = {}
    quotas = []
    for row in rows:
        n = int(row["__row__"])
        group, venue, category = row.get("组别", ""), row.get("会场", ""), row.get("类别", "")
        meeting = meetings.get(group)
        if meeting is None:
            errors.append(RowError(n, "组别", _("没有这个组别的述职评议会")))
        if venue not in venues:
            errors.append(RowError(n, "会场", _("没有这个会场")))
        if category not in categories:
            errors.append(RowError(n, "类别", _("应为：%(list)s", list="、".join(categories))))
        sex, age = row.get("性别", ""), row.get("年龄段", "")
        if sex and sex not in SEXES:
            errors.append(RowError(n, "性别", _("应为：%(list)s，或留空", list="、".join(SEXES))))
        if age and age not in AGE_BANDS:
            errors.append(
                RowError(n, "年龄段", _("应为：%(list)s，或留空", list="、".join(AGE_BANDS)))
            )
        way, first = division.setdefault((group, venue, category), ((bool(sex), bool(age)), n))
        if way != (bool(sex), bool(age)):
            errors.append(
                RowError(
                    n,
                    "类别",
                    _(
                        "同一会场同一类别的名额应与第 %(r)s 行按同样方式划分（性别、年龄段）",
                        r=first,
                    ),
                )
            )
        count = row.get("人数", "")
        if not count.isdigit() or int(count) > MAX_QUOTA:
            errors.append(RowError(n, "人数", _("应为 0 到 %(n)s 之间的整数", n=MAX_QUOTA)))
        key = (group, venue, category, sex, age)
        if key in seen:
            errors.append(RowError(n, "类别", _("与第 %(r)s 行重复", r=seen[key])))
        seen.setdefault(key, n)
        if meeting is not None and venue in venues and count.isdigit():
            quotas.append(
                Quota(
                    meeting=meeting,
                    venue=venues[venue],
                    category=category,
                    sex=sex,
                    age_band=age,
                    count=int(count),
                )
            )
    if errors:
        raise ImportRefused(errors)
    session.execute(delete(Quota).where(Quota.meeting_id.in_([m.id for m in meetings.values()])))
    session.add_all(quotas)
    session.flush()
    audit.record(
        session, actor, "representatives.quotas", f"campaign:{campaign.year}", rows=len(quotas)
    )
    return len(quotas)

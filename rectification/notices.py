"""Supervision notices (督查通报) and formal talks (约谈).

A notice is composed from the figures of the moment (each department's tasks, closed off,
milestones due and met on time, red warnings, missing monthly reports), names the departments
praised (通报表扬) and criticised (通报批评), and adds supervision's remarks; it keeps those
figures as composed, is published on the public board and printed as a PDF. A talk is
recorded against a department in the office.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.pdf import FONT, PRINTABLE
from rectification.models import Notice, Talk, TaskState
from rectification.services import REASON_MIN, TEXT_MAX, checked_text, standing, tasks_of
from suggestions.board import WarningLevel
from suggestions.workdays import WorkCalendar

TITLE_MAX = 100


@dataclass(frozen=True)
class UnitFigures:
    """One department's rectification figures on a day."""

    code: str
    name: str
    short_name: str
    tasks: int
    closed: int
    milestones_due: int
    on_time: int
    red: int
    reports_missing: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.milestones_due if self.milestones_due else None


def unit_figures(
    session: Session, campaign: Campaign, today: dt.date, calendar: WorkCalendar
) -> list[UnitFigures]:
    """Every department with tasks, in code order."""
    by_unit: dict[Department, list] = {}
    for task in tasks_of(session, campaign):
        by_unit.setdefault(task.department, []).append(task)
    figures = []
    for unit, tasks in sorted(by_unit.items(), key=lambda item: item[0].code):
        due = [m for t in tasks for m in t.milestones if m.due_on <= today]
        standings = [standing(t, today, calendar, campaign.progress_report_day) for t in tasks]
        figures.append(
            UnitFigures(
                code=unit.code,
                name=unit.name,
                short_name=unit.short_name,
                tasks=len(tasks),
                closed=sum(t.state == TaskState.CLOSED for t in tasks),
                milestones_due=len(due),
                on_time=sum(m.done_on is not None and m.done_on <= m.due_on for m in due),
                red=sum(s.warning == WarningLevel.RED for s in standings),
                reports_missing=sum(s.report_missing for s in standings),
            )
        )
    return figures


def figures_of(notice: Notice) -> list[UnitFigures]:
    return [UnitFigures(**row) for row in json.loads(notice.figures)]


def _codes(session: Session, campaign: Campaign, ids: list[int], field: str) -> str:
    units = {d.id: d.code for d in campaign.departments}
    if any(i not in units for i in ids):
        raise Refused(_("所选部门不存在。"), field=field)
    return ",".join(units[i] for i in ids)


def compose_notice(
    session: Session,
    campaign: Campaign,
    title: str,
    praised: list[int],
    criticised: list[int],
    remarks: str,
    actor: str,
    today: dt.date,
    calendar: WorkCalendar,
) -> Notice:
    """A draft notice with today's figures (published separately)."""
    if set(praised) & set(criticised):
        raise Refused(_("同一部门不能既表扬又批评。"), field="criticised")
    notice = Notice(
        campaign_id=campaign.id,
        title=checked_text(title, "title", 4, TITLE_MAX),
        figures=json.dumps(
            [asdict(f) for f in unit_figures(session, campaign, today, calendar)],
            ensure_ascii=False,
        ),
        praised=_codes(session, campaign, praised, "praised"),
        criticised=_codes(session, campaign, criticised, "criticised"),
        remarks=checked_text(remarks, "remarks", REASON_MIN, TEXT_MAX),
        composed_by=actor,
        composed_on=today,
    )
    session.add(notice)
    session.flush()
    audit.record(session, actor, "rectification.notice", f"notice:{notice.id}", title=notice.title)
    return notice


def get_notice(
    session: Session, campaign: Campaign, notice_id: int, published_only: bool = False
) -> Notice:
    notice = session.get(Notice, notice_id)
    if (
        notice is None
        or notice.campaign_id != campaign.id
        or (published_only and notice.published_on is None)
    ):
        raise NotFound(_("找不到该督查通报。"))
    return notice


def publish_notice(session: Session, notice: Notice, actor: str, today: dt.date) -> None:
    if notice.published_on is not None:
        raise Conflict(_("这份通报已经发布。"))
    notice.published_on = today
    session.flush()
    audit.record(session, actor, "rectification.publish_notice", f"notice:{notice.id}")


def notices_of(session: Session, campaign: Campaign, published_only: bool = False) -> list[Notice]:
    query = select(Notice).where(Notice.campaign_id == campaign.id)
    if published_only:
        query = query.where(Notice.published_on.is_not(None))
    return list(session.execute(query.order_by(Notice.id.desc())).scalars())


def names(campaign: Campaign, codes: str) -> list[str]:
    units = {d.code: d.name for d in campaign.departments}
    return [units.get(code, code) for code in codes.split(",") if code]


def notice_pdf(campaign: Campaign, notice: Notice) -> bytes:
    """The notice as an A4 document: title, figures table, praise, criticism, remarks."""
    out = io.BytesIO()
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=18, leading=26, alignment=1)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    figures = figures_of(notice)
    rows = [["部门", "任务", "已销号", "到期节点", "按期完成率", "红色预警", "月报未报"]]
    for f in figures:
        rate = "—" if f.on_time_rate is None else f"{f.on_time_rate:.0%}"
        rows.append(
            [
                Paragraph(f.name.translate(PRINTABLE), small),
                f.tasks,
                f.closed,
                f.milestones_due,
                rate,
                f.red,
                f.reports_missing,
            ]
        )
    table = Table(rows, colWidths=[50 * mm] + [18 * mm] * 6, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("GRID", (0, 0), (-1, -1), 0.4, "#888888"),
                ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story = [
        Paragraph(notice.title.translate(PRINTABLE), head),
        Paragraph(
            f"{campaign.title}　{notice.published_on or notice.composed_on:%Y年%m月%d日}", small
        ),
        Spacer(0, 6 * mm),
        Paragraph("一、整改任务总体情况（截至通报之日）", body),
        Spacer(0, 2 * mm),
        table,
        Spacer(0, 5 * mm),
    ]
    for heading, codes in (("二、通报表扬", notice.praised), ("三、通报批评", notice.criticised)):
        listed = "、".join(names(campaign, codes)) or "无"
        story += [Paragraph(heading, body), Paragraph(listed.translate(PRINTABLE), body)]
        story.append(Spacer(0, 3 * mm))
    story += [Paragraph("四、督查意见", body), Paragraph(notice.remarks.translate(PRINTABLE), body)]
    document = SimpleDocTemplate(out, pagesize=A4, title=notice.title)
    document.build(story)
    return out.getvalue()


def record_talk(
    session: Session,
    campaign: Campaign,
    department_id: int,
    held_on: dt.date,
    participants: str,
    reason: str,
    outcome: str,
    actor: str,
    today: dt.date,
) -> Talk:
    """A formal talk (约谈) held with a department, recorded after it took place."""
    unit = session.get(Department, department_id)
    if unit is None or unit.campaign_id != campaign.id:
        raise Refused(_("所选部门不存在。"), field="department_id")
    if held_on > today:
        raise Refused(_("约谈日期不能晚于今天：请在约谈之后记录。"), field="held_on")
    talk = Talk(
        campaign_id=campaign.id,
        department=unit,
        held_on=held_on,
        participants=checked_text(participants, "participants", 2, TEXT_MAX),
        reason=checked_text(reason, "reason", REASON_MIN, TEXT_MAX),
        outcome=checked_text(outcome, "outcome", REASON_MIN, TEXT_MAX),
        recorded_by=actor,
    )
    session.add(talk)
    session.flush()
    audit.record(session, actor, "rectification.talk", f"talk:{talk.id}", department=unit.code)
    return talk


def talks_of(session: Session, campaign: Campaign) -> list[Talk]:
    return list(
        session.execute(
            select(Talk).where(Talk.campaign_id == campaign.id).order_by(Talk.held_on.desc())
        ).scalars()
    )

"""What is made of a meeting's invited list: the list with phones, a printable invitation
letter per person (邀请函) and the SMS gateway's CSV; each audited, as it holds personal data.

Both are made from the invitation list as it stands, so a replacement or a cancellation is in
the next print and the next CSV. The letter's check-in QR code carries only the invitation
code, which the venue's desk types or scans; it names no one and no card.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Group, Meeting
from evaluation.core import audit
from evaluation.core.errors import NotFound
from evaluation.core.i18n import show_date
from evaluation.core.pdf import FONT, PRINTABLE, draw_qr
from evaluation.core.spreadsheets import csv_row
from representatives.models import Candidate, Representative, categories_of
from representatives.personal import open_phone

SMS_COLUMNS = ["手机", "短信内容"]


def _meeting(session: Session, campaign: Campaign, group_number: int) -> Meeting:
    meeting = session.execute(
        select(Meeting)
        .join(Group)
        .where(Group.campaign_id == campaign.id, Group.number == group_number)
    ).scalar()
    if meeting is None:
        raise NotFound(_("没有这个组别的述职评议会。"))
    return meeting


def _invited(session: Session, meeting: Meeting) -> list[tuple[Representative, Candidate]]:
    rows = session.execute(
        select(Representative, Candidate)
        .join(Candidate, Candidate.id == Representative.candidate_id)
        .where(Representative.meeting_id == meeting.id)
        .order_by(Representative.venue_id, Representative.category, Candidate.person_id)
    ).all()
    return [(r, c) for r, c in rows]


def _when(meeting: Meeting) -> str:
    return f"{show_date(meeting.date, weekday=True)} {meeting.starts_at:%H:%M}"


def letters_pdf(session: Session, campaign: Campaign, group_number: int, actor: str) -> bytes:
    """One A4 letter per invited person of the meeting, in venue order (audited: names)."""
    meeting = _meeting(session, campaign, group_number)
    venues = {v.id: v for v in campaign.venues}
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{campaign.title} 邀请函 第{group_number}组")
    width, height = A4
    people = _invited(session, meeting)
    for person, _candidate in people:
        venue = venues[person.venue_id]
        canvas.setFont(FONT, 22)
        canvas.drawCentredString(width / 2, height - 40 * mm, "邀 请 函")
        canvas.setFont(FONT, 13)
        lines = [
            f"尊敬的{person.name}：",
            f"您被随机抽选为{campaign.title}的市民代表，",
            f"诚邀您参加第{group_number}组（{meeting.group.name}）述职评议会。",
            f"时间：{_when(meeting)}（请提前 30 分钟到场签到）",
            f"会场：{venue.name}",
            f"地址：{venue.address or '另行通知'}",
            "请携带本函，到会场签到台出示下方二维码或报邀请码签到，",
            "签到后领取评议卡。评议不记名，任何人都无法知道您怎样评议。",
        ]
        for i, line in enumerate(lines):
            canvas.drawString(25 * mm, height - (62 + 11 * i) * mm, line.translate(PRINTABLE))
        draw_qr(canvas, person.invitation_code or "", 25 * mm, 60 * mm, 45 * mm)
        canvas.setFont("Courier-Bold", 16)
        canvas.drawString(25 * mm, 50 * mm, person.invitation_code or "")
        canvas.setFont(FONT, 11)
        canvas.drawString(80 * mm, 80 * mm, "邀请码（签到用）")
        canvas.drawRightString(width - 25 * mm, 30 * mm, f"{campaign.title}联席会议办公室")
        canvas.showPage()
    if not people:
        canvas.setFont(FONT, 13)
        canvas.drawString(25 * mm, height - 40 * mm, "本场会议还没有受邀代表。")
        canvas.showPage()
    canvas.save()
    audit.record(
        session, actor, "representatives.letters", f"meeting:{group_number}", letters=len(people)
    )
    return out.getvalue()


def sms_csv(session: Session, campaign: Campaign, group_number: int, actor: str) -> str:
    """The SMS gateway's file: each invited person with a phone and their message (audited)."""
    meeting = _meeting(session, campaign, group_number)
    venues = {v.id: v for v in campaign.venues}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SMS_COLUMNS)
    sent = 0
    for person, candidate in _invited(session, meeting):
        if candidate.phone_sealed is None:
            continue
        venue = venues[person.venue_id]
        text = (
            f"【三民活动】{person.name}您好，诚邀您作为市民代表于{_when(meeting)}到"
            f"{venue.name}（{venue.address or venue.name}）参加{meeting.group.name}述职评议会，"
            f"签到邀请码 {person.invitation_code}。"
        )
        writer.writerow(csv_row([open_phone(candidate.phone_sealed), text]))
        sent += 1
    audit.record(session, actor, "representatives.sms", f"meeting:{group_number}", rows=sent)
    return "\ufeff" + out.getvalue()


EXPORT_COLUMNS = ["会场", "类别", "编号", "姓名", "区市", "性别", "年龄段", "手机", "邀请码"]


def export_invited(session: Session, campaign: Campaign, group_number: int, actor: str) -> str:
    """The invited representatives of one meeting as CSV (UTF-8 with BOM, for Excel), with
    their phones: personal data, so the export is audited."""
    meeting = _meeting(session, campaign, group_number)
    venues = {v.id: v.name for v in campaign.venues}
    order = categories_of(campaign)
    rows = sorted(
        _invited(session, meeting),
        key=lambda rc: (venues[rc[0].venue_id], order.index(rc[0].category), rc[1].person_id),
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for person, candidate in rows:
        writer.writerow(
            csv_row(
                [
                    venues[person.venue_id],
                    person.category,
                    candidate.person_id,
                    person.name,
                    person.district,
                    candidate.sex or "",
                    candidate.age_band or "",
                    open_phone(candidate.phone_sealed) if candidate.phone_sealed else "",
                    person.invitation_code or "",
                ]
            )
        )
    audit.record(
        session, actor, "representatives.export", f"meeting:{group_number}", rows=len(rows)
    )
    return "\ufeff" + out.getvalue()

"""A meeting's cards printed in one run: issued at once, written as one PDF.

The command line writes the PDF in its own run (`sanmin cards pdf`); the office starts a
background job (`CardPrintJob`) and watches its progress, because writing a meeting's 2,750
cards takes several seconds. The job's thread starts only once the request that issued the
cards has committed, writes in its own transactions, and keeps the cards and then the PDF
sealed (`evaluation.core.security.derived_key`) until the office, having printed them,
discards them.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable

from flask import Flask
from flask_babel import gettext as _
from nacl.secret import SecretBox
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.boxes import box_name, box_seats, boxes_of
from ballots.cards import Card, card_limit, format_short_code, issue_cards, valid_cards
from ballots.models import CardPrintJob, PrintJobState
from ballots.printing import PrintRun, cards_pdf
from evaluation.campaign.models import Campaign, Meeting
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.extensions import db
from evaluation.core.i18n import show_date
from evaluation.core.security import derived_key

# A running job that has not moved for this long has stopped (its process ended): it may be
# written again from its sealed cards.
STALLED_AFTER = dt.timedelta(minutes=2)
PROGRESS_EVERY = 0.5  # seconds between progress writes
KEY_PURPOSE = b"sanmin-prints"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def meeting_boxes(session: Session, campaign: Campaign, group_number: int) -> list:
    boxes = [
        b
        for b in boxes_of(session, campaign)
        if b.meeting is not None and b.meeting.group.number == group_number
    ]
    if not boxes:
        raise Refused(_("第%(n)s组没有投票箱。", n=group_number))
    return boxes


def meeting_words(meeting: Meeting) -> str:
    return f"{show_date(meeting.date, weekday=True)} {meeting.starts_at:%H:%M}"


def issue_meeting_cards(session: Session, boxes: list, actor: str) -> list[PrintRun]:
    """Issue every card the meeting's boxes still may have (seats, spares and approved extras)
    and lay them out as print runs, a cover sheet's figures each."""
    runs = []
    for box in boxes:
        have, limit = valid_cards(session, box), card_limit(session, box)
        if have >= limit:
            continue
        issued = issue_cards(session, box, limit - have, actor)
        runs.append(
            PrintRun(
                title=box_name(box),
                meeting=meeting_words(box.meeting),
                figures=[
                    ("投票箱", box.id),
                    ("座位数", box_seats(box)),
                    ("评议卡上限", limit),
                    ("此前已印", have),
                    ("本次印制", len(issued)),
                    ("短码", f"{format_short_code(issued[0].short_code)} 等 {len(issued)} 张"),
                ],
                cards=issued,
            )
        )
    if not runs:
        raise Conflict(_("本组各投票箱的评议卡已经全部印制。"))
    return runs


def _seal(data: bytes) -> bytes:
    return bytes(SecretBox(derived_key(KEY_PURPOSE)).encrypt(data))


def _open(sealed: bytes) -> bytes:
    return SecretBox(derived_key(KEY_PURPOSE)).decrypt(sealed)


def _runs_to_bytes(runs: list[PrintRun]) -> bytes:
    return json.dumps(
        [
            {
                "title": r.title,
                "meeting": r.meeting,
                "figures": [list(f) for f in r.figures],
                "cards": [[c.token, c.short_code] for c in r.cards],
            }
            for r in runs
        ],
        ensure_ascii=False,
    ).encode()


def _runs_from_bytes(data: bytes) -> list[PrintRun]:
    return [
        PrintRun(
            r["title"],
            r["meeting"],
            [tuple(f) for f in r["figures"]],
            [Card(token, code) for token, code in r["cards"]],
        )
        for r in json.loads(data)
    ]


def stalled(job: CardPrintJob) -> bool:
    return job.state == PrintJobState.RUNNING and _now() - job.updated_at > STALLED_AFTER


def start_print_job(
    session: Session, campaign: Campaign, group_number: int, actor: str
) -> CardPrintJob:
    """Issue the meeting's cards and open a job to write them (the caller starts its thread
    once this is committed). One open job per meeting: its cards are printed and discarded
    first."""
    boxes = meeting_boxes(session, campaign, group_number)
    meeting = boxes[0].meeting
    waiting = session.execute(
        select(CardPrintJob.id).where(
            CardPrintJob.meeting_id == meeting.id,
            CardPrintJob.state != PrintJobState.DISCARDED.value,
        )
    ).first()
    if waiting:
        raise Conflict(_("本组上一批评议卡还没有打印完毕并销毁文件，请先处理上一批。"))
    runs = issue_meeting_cards(session, boxes, actor)
    now = _now()
    job = CardPrintJob(
        meeting_id=meeting.id,
        state=PrintJobState.RUNNING,
        requested_by=actor,
        requested_at=now,
        updated_at=now,
        boxes=len(runs),
        total=sum(len(r.cards) for r in runs),
        cards_sealed=_seal(_runs_to_bytes(runs)),
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor,
        "cards.print_job",
        f"group:{group_number}",
        job=job.id,
        boxes=job.boxes,
        cards=job.total,
    )
    return job


def get_job(session: Session, job_id: int) -> CardPrintJob:
    job = session.get(CardPrintJob, job_id)
    if job is None:
        raise NotFound(_("找不到这个印制任务。"))
    return job


def restart_print_job(session: Session, job: CardPrintJob, actor: str) -> CardPrintJob:
    """Write a stopped job again from its sealed cards (nothing is issued twice)."""
    if not (job.state == PrintJobState.FAILED or stalled(job)) or job.cards_sealed is None:
        raise Conflict(_("这个印制任务没有中断，不需要重新生成。"))
    job.state, job.done, job.error, job.updated_at = PrintJobState.RUNNING, 0, None, _now()
    session.flush()
    audit.record(session, actor, "cards.print_restart", f"job:{job.id}")
    return job


def write_print_job(app: Flask, job_id: int, base_url: str) -> None:
    """The job's work, in its own thread and transactions: write the PDF, reporting
    progress, then keep it sealed until the office discards it."""
    with app.app_context():
        session = db.session
        job = session.get(CardPrintJob, job_id)
        try:
            runs = _runs_from_bytes(_open(job.cards_sealed))
            pdf = cards_pdf(runs, base_url, _progress_writer(session, job))
            job.pdf_sealed, job.cards_sealed = _seal(pdf), None
            job.state, job.done, job.updated_at = PrintJobState.READY, job.total, _now()
            session.commit()
        except Exception as error:  # the job says it stopped; its cards stay sealed for a retry
            session.rollback()
            job = session.get(CardPrintJob, job_id)
            job.state, job.error = PrintJobState.FAILED, f"{type(error).__name__}: {error}"[:200]
            job.updated_at = _now()
            session.commit()
            app.logger.exception("card print job %s failed", job_id)


def _progress_writer(session: Session, job: CardPrintJob) -> Callable[[int], None]:
    last = [time.monotonic()]

    def advance(cards: int) -> None:
        job.done += cards
        if time.monotonic() - last[0] >= PROGRESS_EVERY:
            job.updated_at = _now()
            session.commit()
            last[0] = time.monotonic()

    return advance


def run_in_background(app: Flask, job_id: int, base_url: str) -> threading.Thread:
    thread = threading.Thread(
        target=write_print_job, args=(app, job_id, base_url), name=f"print-job-{job_id}"
    )
    thread.daemon = True
    thread.start()
    return thread


def download_print_job(session: Session, job: CardPrintJob, actor: str) -> bytes:
    """A finished job's PDF (each download audited: it holds usable voting cards)."""
    if job.state != PrintJobState.READY or job.pdf_sealed is None:
        raise Conflict(_("这批评议卡的 PDF 还没有生成完，或已经销毁。"))
    pdf = _open(job.pdf_sealed)
    audit.record(
        session, actor, "cards.print_download", f"job:{job.id}", cards=job.total, bytes=len(pdf)
    )
    return pdf


def discard_print_job(session: Session, job: CardPrintJob, actor: str) -> CardPrintJob:
    """The cards are printed: keep nothing of them (the tokens then exist only on paper)."""
    if job.state != PrintJobState.READY:
        raise Conflict(_("只有已生成的 PDF 可以销毁。"))
    job.pdf_sealed, job.state, job.updated_at = None, PrintJobState.DISCARDED, _now()
    session.flush()
    audit.record(session, actor, "cards.print_discard", f"job:{job.id}", cards=job.total)
    return job


def jobs_of(session: Session, campaign: Campaign) -> list[CardPrintJob]:
    meetings = [g.meeting.id for g in campaign.groups if g.meeting is not None]
    return list(
        session.execute(
            select(CardPrintJob)
            .where(CardPrintJob.meeting_id.in_(meetings))
            .order_by(CardPrintJob.id.desc())
        ).scalars()
    )

"""Appeals against released figures (申诉复核).

Within the campaign's set number of working days after the release, a department files one
appeal against its figures, with reasons and documents. The statistics bureau proposes a
decision with reasons; supervision confirms it (or sends it back with a note). An upheld
appeal opens the released results to a correction: the scoring scheme may be corrected and a
new tally run, which is signed, countersigned and released in the old one's place (the old run
is kept, marked corrected, and the correction is shown publicly). Every step is audited.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.models import Appeal, AppealFigure, AppealFile, AppealState, ResultRun
from evaluation.campaign.models import Campaign, Department
from evaluation.core import audit
from evaluation.core.clock import beijing_date, utcnow
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.files import store
from evaluation.core.models import User
from evaluation.core.permissions import Capability, acting
from suggestions.routing import work_calendar

REASONS_MIN, REASONS_MAX = 20, 5000
NOTE_MIN = 5  # supervision's note when it sends a proposal back
MAX_FILES = 5


def deadline(session: Session, run: ResultRun) -> dt.date:
    """The last working day an appeal against `run` may be filed."""
    released = beijing_date(run.released_at)
    return work_calendar(session).add_working_days(released, run.campaign.appeal_working_days)


def appeals_of(session: Session, campaign: Campaign) -> list[Appeal]:
    return list(
        session.execute(
            select(Appeal).where(Appeal.campaign_id == campaign.id).order_by(Appeal.id)
        ).scalars()
    )


def get_appeal(session: Session, campaign: Campaign, appeal_id: int) -> Appeal:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or appeal.campaign_id != campaign.id:
        raise NotFound(_("找不到这份申诉。"))
    return appeal


def own_appeal(session: Session, run: ResultRun, unit: Department) -> Appeal | None:
    return session.execute(
        select(Appeal).where(Appeal.result_run_id == run.id, Appeal.department_id == unit.id)
    ).scalar()


def _reasons(text: str, field: str, minimum: int = REASONS_MIN) -> str:
    text = (text or "").strip()
    if not minimum <= len(text) <= REASONS_MAX:
        raise Refused(_("请写明理由（%(a)s–%(b)s 字）。", a=minimum, b=REASONS_MAX), field=field)
    return text


def file_appeal(
    session: Session,
    run: ResultRun,
    unit: Department,
    figure: str,
    reasons: str,
    files: list[tuple[str | None, bytes]],
    folder: Path,
    actor: str,
    today: dt.date,
) -> Appeal:
    """A department's appeal against its released figures, within the window, once."""
    if unit.campaign_id != run.campaign_id:
        raise Refused(_("只能对本部门的结果申诉。"), 403)
    if today > deadline(session, run):
        raise Conflict(_("申诉期已于 %(d)s 结束。", d=deadline(session, run).isoformat()))
    if own_appeal(session, run, unit) is not None:
        raise Conflict(_("本部门已对这次结果提出申诉，请等待复核决定。"))
    if figure not in {f.value for f in AppealFigure}:
        raise Refused(_("请选择申诉的数据项。"), field="figure")
    if len(files) > MAX_FILES:
        raise Refused(_("附件最多 %(n)s 个。", n=MAX_FILES), field="files")
    appeal = Appeal(
        campaign_id=run.campaign_id,
        result_run_id=run.id,
        department=unit,
        figure=figure,
        reasons=_reasons(reasons, "reasons"),
        filed_by=actor,
        filed_at=utcnow(),
    )
    for filename, data in files:
        kept = AppealFile()
        kept.keep(store(data, folder), filename)
        appeal.files.append(kept)
    session.add(appeal)
    session.flush()
    audit.record(
        session, actor, "appeal.file", f"appeal:{appeal.id}", unit=unit.code, figure=figure
    )
    return appeal


def propose(
    session: Session, appeal: Appeal, uphold: bool, reasons: str, user: User | None
) -> None:
    """The statistics bureau's proposed decision, with its reasons."""
    actor = acting(user, Capability.PROPOSE_APPEAL_DECISIONS)
    if appeal.state != AppealState.FILED:
        raise Conflict(_("这份申诉已有复核意见。"))
    appeal.proposal = "uphold" if uphold else "reject"
    appeal.proposal_reasons = _reasons(reasons, "reasons")
    appeal.proposed_by, appeal.proposed_at = actor, utcnow()
    appeal.state = AppealState.PROPOSED.value
    session.flush()
    audit.record(session, actor, "appeal.propose", f"appeal:{appeal.id}", proposal=appeal.proposal)


def decide(session: Session, appeal: Appeal, agree: bool, note: str, user: User | None) -> None:
    """Supervision confirms the proposal (upheld or rejected), or sends it back with a note."""
    actor = acting(user, Capability.CONFIRM_APPEAL_DECISIONS)
    if appeal.state != AppealState.PROPOSED:
        raise Conflict(_("统计局提出复核意见后才能确认。"))
    if appeal.proposed_by == actor:
        raise Conflict(_("确认须由另一人进行。"))
    if not agree:
        appeal.sent_back = _reasons(note, "note", minimum=NOTE_MIN)
        appeal.state = AppealState.FILED.value
        appeal.proposal = appeal.proposal_reasons = appeal.proposed_by = None
        appeal.proposed_at = None
        session.flush()
        audit.record(session, actor, "appeal.send_back", f"appeal:{appeal.id}")
        return
    upheld = appeal.proposal == "uphold"
    appeal.state = (AppealState.UPHELD if upheld else AppealState.REJECTED).value
    appeal.decided_by, appeal.decided_at = actor, utcnow()
    session.flush()
    audit.record(session, actor, f"appeal.{appeal.state}", f"appeal:{appeal.id}")


def correction_open(session: Session, campaign: Campaign) -> bool:
    """An upheld appeal waits for its correction: the released results may be re-tallied."""
    return (
        session.execute(
            select(Appeal.id).where(
                Appeal.campaign_id == campaign.id, Appeal.state == AppealState.UPHELD
            )
        ).first()
        is not None
    )


def corrected(session: Session, old: ResultRun, new: ResultRun, actor: str) -> None:
    """`new` was released in `old`'s place: the upheld appeals are corrected by it."""
    answered = []
    for appeal in appeals_of(session, new.campaign):
        if appeal.state == AppealState.UPHELD:
            appeal.state = AppealState.CORRECTED.value
            appeal.correction_run_id = new.id
            answered.append(appeal.id)
    session.flush()
    audit.record(
        session, actor, "results.corrected", f"run:{new.id}", replaces=old.id, appeals=answered
    )


def corrections_shown(session: Session, run: ResultRun) -> list[Appeal]:
    """The appeals a released correction answered (public: unit, figure, decision reasons)."""
    return list(
        session.execute(
            select(Appeal).where(Appeal.correction_run_id == run.id).order_by(Appeal.id)
        ).scalars()
    )

"""The results workflow: scheme, tally from the published records, sign-off, release, verify."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import stats
from analysis.appeals import corrected, correction_open
from analysis.computation import (
    compute,
    differences,
    figures_of,
    published_records,
    units_of,
    venue_review,
)
from analysis.models import ResultRun, RunState, VenueWeighting
from analysis.records import parse_records, stored_records, unit_records
from analysis.schemes import SCHEME_FIELDS, scheme_of, scheme_warnings, stats_scheme
from analysis.venue_checks import Review
from ballots.boxes import box_name, boxes_of, ensure_boxes
from ballots.models import BallotBox, BoxState
from evaluation.campaign.models import Campaign
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.models import User
from evaluation.core.permissions import Capability, acting
from questionnaires.services import still_collecting_online


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- the scheme


def update_scheme(
    session: Session, campaign: Campaign, values: dict[str, Any], actor: str
) -> list[str]:
    """Change the scheme before release; tallies not yet released are set aside."""
    if released_run(session, campaign) is not None and not correction_open(session, campaign):
        raise Conflict(_("结果已发布，评分方案已锁定。"))
    unknown = [
        t for t in values.get("tie_breaks", "").split(",") if t and t not in stats.TIE_BREAKS
    ]
    if unknown or values.get("venue_weighting") not in {w.value for w in VenueWeighting}:
        raise Refused(_("评分方案的设置无效。"))
    row = scheme_of(session, campaign)
    for name in SCHEME_FIELDS:
        setattr(row, name, values[name])
    session.add(row)  # the defaults become the campaign's scheme when first saved
    _supersede(session, campaign, actor, "scheme changed")
    session.flush()
    audit.record(
        session,
        actor,
        "results.scheme",
        f"campaign:{campaign.year}",
        **{n: values[n] for n in SCHEME_FIELDS},
    )
    return scheme_warnings(row)


# ---------------------------------------------------------------- runs


def released_run(session: Session, campaign: Campaign) -> ResultRun | None:
    return session.execute(
        select(ResultRun).where(
            ResultRun.campaign_id == campaign.id, ResultRun.state == RunState.RELEASED
        )
    ).scalar()


def current_run(session: Session, campaign: Campaign) -> ResultRun | None:
    """The newest run that is not superseded."""
    return session.execute(
        select(ResultRun)
        .where(ResultRun.campaign_id == campaign.id, ResultRun.state != RunState.SUPERSEDED)
        .order_by(ResultRun.id.desc())
    ).scalar()


def get_run(session: Session, run_id: int) -> ResultRun:
    run = session.get(ResultRun, run_id)
    if run is None:
        raise NotFound(_("找不到该计票结果。"))
    return run


def _supersede(session: Session, campaign: Campaign, actor: str, reason: str) -> None:
    for run in session.execute(
        select(ResultRun).where(
            ResultRun.campaign_id == campaign.id,
            ResultRun.state.in_([RunState.DRAFT, RunState.SIGNED, RunState.COUNTERSIGNED]),
        )
    ).scalars():
        run.state = RunState.SUPERSEDED.value
        audit.record(session, actor, "results.supersede", f"run:{run.id}", reason=reason)


def unfinished_boxes(session: Session, campaign: Campaign) -> list[BallotBox]:
    """Boxes neither sealed nor formally withdrawn: no result is signed while one is left."""
    return [
        b
        for b in boxes_of(session, campaign)
        if b.current_state not in (BoxState.SEALED, BoxState.WITHDRAWN)
    ]


def _waiting(waiting: list[BallotBox]) -> Conflict:
    return Conflict(
        _(
            "还有 %(n)s 个投票箱既未封箱也未正式撤销（%(names)s），不能签发、会签或发布。",
            n=len(waiting),
            names="、".join(box_name(b) for b in waiting[:5]),
        )
    )


def _require_every_box_counted(session: Session, campaign: Campaign, actor: str) -> None:
    # A venue or meeting added late has a box too, even if nobody has made it yet.
    ensure_boxes(session, campaign, actor)
    waiting = unfinished_boxes(session, campaign)
    if waiting:
        raise _waiting(waiting)


def step_refusal(session: Session, run: ResultRun, state: RunState) -> str | None:
    """Why the signature that moves `run` on from `state` cannot be given now (None: it can),
    for the confirmation step to say before anyone tries; writes nothing."""
    try:
        _expect(run, state)
        waiting = unfinished_boxes(session, run.campaign)
        if waiting:
            raise _waiting(waiting)
    except Conflict as refusal:
        return refusal.message
    return None


def run_tally(
    session: Session, campaign: Campaign, user: User | None, seen: int | None = None
) -> ResultRun:
    """Compute every figure from the sealed boxes' ballot records (a preview until signed).

    The records are read from the database in one pass; they are the ones the boxes
    publish, so `verify` recomputes the same figures from the published copies.

    `seen`: the newest run the page showed (0: none). A tally asked for from a page that a
    newer run has overtaken (a second press of the button while the first was counting) is
    refused, not counted again: the campaign's row is locked while one tally runs, so the
    second waits for the first and then sees it (PostgreSQL; SQLite has one writer anyway).
    """
    actor = acting(user, Capability.RUN_TALLY)
    session.execute(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    if released_run(session, campaign) is not None and not correction_open(session, campaign):
        raise Conflict(_("结果已发布，不能重新计票。"))
    newest = current_run(session, campaign)
    if seen is not None and (newest.id if newest else 0) != seen:
        raise Conflict(
            _(
                "计票 #%(id)s 在您点击之后已经完成（可能按了两次），没有再次计票。",
                id=newest.id if newest else 0,
            )
        )
    units = units_of(session, campaign)
    boxes = [b for u in units for b in u]
    whole = stored_records(session, boxes)  # whole ballots: only the venue checks see them
    records = unit_records(units, whole)
    if not records:
        raise Conflict(_("还没有封箱的投票箱，无法计票。"))
    online = still_collecting_online(session, campaign)
    if online:
        raise Conflict(
            _("问卷“%(title)s”仍在网上收集答卷，请先停止网上填写再计票。", title=online[0].title)
        )
    figures = compute(session, campaign, records)
    checks = venue_review(session, boxes, whole, stats_scheme(scheme_of(session, campaign)))
    # The chain's head as counted: `audit verify --expect-head` later shows nothing was cut.
    figures = figures.model_copy(
        update={"audit": figures.audit.model_copy(update={"audit_head": audit.head_hash(session)})}
    )
    _supersede(session, campaign, actor, "new tally")
    run = ResultRun(
        campaign=campaign,
        state=RunState.DRAFT.value,
        input_hash=figures.audit.input_hash,
        figures=figures.canonical_json(),
        review=checks.model_dump_json(),
        computed_at=_now(),
        computed_by=actor,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor,
        "results.tally",
        f"run:{run.id}",
        input_hash=run.input_hash,
        boxes=figures.audit.boxes,
    )
    return run


def sign_off(session: Session, run: ResultRun, user: User | None) -> None:
    """The statistics bureau signs (签发): every opened box must be sealed by now."""
    actor = acting(user, Capability.SIGN_RESULTS)
    _expect(run, RunState.DRAFT)
    _require_every_box_counted(session, run.campaign, actor)
    boxes = boxes_of(session, run.campaign)
    sealed = [b for b in boxes if b.current_state == BoxState.SEALED]
    withdrawn = [b.id for b in boxes if b.current_state == BoxState.WITHDRAWN]
    counted = figures_of(run).audit
    if counted.boxes != len(sealed) or [w.box for w in counted.withdrawn] != withdrawn:
        raise Conflict(_("计票后又有投票箱封箱或撤销，请重新计票。"))
    _move(session, run, RunState.SIGNED, actor, "signed")
    run.campaign.tally_signed_at = run.signed_at  # nothing can be cast or added from now on


def countersign(session: Session, run: ResultRun, user: User | None) -> None:
    """Supervision countersigns (会签); never the person who signed."""
    actor = acting(user, Capability.COUNTERSIGN_RESULTS)
    _expect(run, RunState.SIGNED)
    if run.signed_by == actor:
        raise Conflict(_("会签须由另一人进行。"))
    _require_every_box_counted(session, run.campaign, actor)
    _move(session, run, RunState.COUNTERSIGNED, actor, "countersigned")


def release(session: Session, run: ResultRun, user: User | None) -> None:
    """The office releases (发布) what was signed and countersigned."""
    actor = acting(user, Capability.RELEASE_RESULTS)
    _expect(run, RunState.COUNTERSIGNED)
    _require_every_box_counted(session, run.campaign, actor)
    old = released_run(session, run.campaign)  # a correction after an upheld appeal
    if old is not None:
        old.state = RunState.CORRECTED.value
        run.corrects_id = old.id
        session.flush()
    _move(session, run, RunState.RELEASED, actor, "released")
    if old is not None:
        corrected(session, old, run, actor)


def _expect(run: ResultRun, state: RunState) -> None:
    if run.state != state:
        messages = {
            RunState.DRAFT: _("只有尚未签发的计票结果可以签发。"),
            RunState.SIGNED: _("统计局签发后才能会签。"),
            RunState.COUNTERSIGNED: _("监察局会签后才能发布。"),
        }
        if run.state == RunState.RELEASED:
            raise Conflict(_("结果已经发布。"))
        raise Conflict(messages[state])


def _move(session: Session, run: ResultRun, state: RunState, actor: str, prefix: str) -> None:
    run.state = state.value
    setattr(run, f"{prefix}_by", actor)
    setattr(run, f"{prefix}_at", _now())
    session.flush()
    audit.record(session, actor, f"results.{state.value}", f"run:{run.id}")


# ---------------------------------------------------------------- the computation


def results_released(_sender: object, session: Session, campaign_id: int) -> bool:
    """Answers `ballots.signals.results_released`: the box records appear with the release."""
    return (
        session.execute(
            select(ResultRun.id).where(
                ResultRun.campaign_id == campaign_id, ResultRun.state == RunState.RELEASED
            )
        ).first()
        is not None
    )


def run_review(run: ResultRun) -> Review | None:
    """Supervision's venue checks of a run (None for a run tallied before they were kept)."""
    return Review.model_validate_json(run.review) if run.review else None


def verify(
    session: Session,
    campaign: Campaign,
    records: dict[int, str] | None = None,
    questionnaire_records: dict[int, str] | None = None,
) -> list[str]:
    """Recompute the released figures from the published records; list every difference.

    Downloaded records that cannot be read (a changed header, a cell that is no answer) are
    refused with a Chinese message.
    """
    run = released_run(session, campaign)
    if run is None:
        raise Conflict(_("结果尚未发布。"))
    texts = records if records is not None else published_records(session, campaign)
    released = figures_of(run)
    try:
        units = units_of(session, campaign)
        recomputed = compute(session, campaign, parse_records(units, texts), questionnaire_records)
    except (ValueError, KeyError, IndexError) as error:
        raise Refused(_("记录文件无法读取：%(e)s", e=str(error))) from error
    compared = [figures.plain() for figures in (released, recomputed)]
    for figures in compared:
        figures["audit"].pop("software")
        figures["audit"].pop("audit_head", None)
    return list(differences(*compared, ""))

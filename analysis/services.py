"""The results workflow: scheme, tally from the published records, sign-off, release, verify."""

from __future__ import annotations

import datetime as dt
import json
import platform
from dataclasses import asdict
from importlib.metadata import version
from typing import Any

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import stats
from analysis.models import ResultRun, RunState, ScoringScheme, VenueWeighting
from analysis.records import BoxRecords, parse_records, records_hash, stored_records
from ballots.boxes import box_label, boxes_of, ensure_boxes
from ballots.models import BallotBox, BoxMinutes, BoxState, MinutesKind, TokenState, VotingToken
from ballots.tally import records_csv
from evaluation.campaign.models import Campaign
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.models import User
from evaluation.core.permissions import Capability, require
from questionnaires.results import questionnaire_figures
from questionnaires.services import still_collecting_online

SCHEME_FIELDS = (
    "w_satisfied",
    "w_basic",
    "w_dissatisfied",
    "venue_weighting",
    "min_valid",
    "min_awareness",
    "tie_breaks",
    "merge_internal",
    "resamples",
    "seed",
)
INTERNAL = "internal"  # the key of the internal departments' results
INTERNAL_NAME = "内部评议"  # stored in the figures as data, like group and venue names


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- the scheme


def scheme_of(session: Session, campaign: Campaign) -> ScoringScheme:
    """The campaign's scoring scheme; until the bureau saves one, the defaults, kept nowhere
    (reading never writes)."""
    scheme = session.execute(
        select(ScoringScheme).where(ScoringScheme.campaign_id == campaign.id)
    ).scalar()
    if scheme is None:
        defaults = {
            column.key: column.default.arg
            for column in ScoringScheme.__table__.columns
            if column.default is not None and not callable(column.default.arg)
        }
        scheme = ScoringScheme(campaign_id=campaign.id, **defaults)
    return scheme


def stats_scheme(row: ScoringScheme) -> stats.Scheme:
    return stats.Scheme(
        w_satisfied=row.w_satisfied,
        w_basic=row.w_basic,
        w_dissatisfied=row.w_dissatisfied,
        venue_weighting=row.venue_weighting,
        min_valid=row.min_valid,
        min_awareness=row.min_awareness,
        tie_breaks=tuple(t for t in row.tie_breaks.split(",") if t),
        merge_internal=row.merge_internal,
        resamples=row.resamples,
        seed=row.seed,
    )


def scheme_warnings(row: ScoringScheme) -> list[str]:
    warnings = []
    if row.w_dissatisfied != 0:
        warnings.append(_("“不满意”的权重不为零：完全不满意的部门也会得到高于零的分数。"))
    if not row.w_satisfied >= row.w_basic >= row.w_dissatisfied:
        warnings.append(_("权重没有按 满意 ≥ 基本满意 ≥ 不满意 排列。"))
    return warnings


def update_scheme(
    session: Session, campaign: Campaign, values: dict[str, Any], actor: str
) -> list[str]:
    """Change the scheme before release; tallies not yet released are set aside."""
    if released_run(session, campaign) is not None:
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


def _require_every_box_counted(session: Session, campaign: Campaign, actor: str) -> None:
    # A venue or meeting added late has a box too, even if nobody has made it yet.
    ensure_boxes(session, campaign, actor)
    waiting = unfinished_boxes(session, campaign)
    if waiting:
        raise Conflict(
            _(
                "还有 %(n)s 个投票箱既未封箱也未正式撤销（%(names)s），不能签发、会签或发布。",
                n=len(waiting),
                names="、".join(box_label(b) for b in waiting[:5]),
            )
        )


def run_tally(session: Session, campaign: Campaign, user: User | None) -> ResultRun:
    """Compute every figure from the sealed boxes' ballot records (a preview until signed).

    The records are read from the database in one pass; they are the ones the boxes
    publish, so `verify` recomputes the same figures from the published copies.
    """
    actor = _acting(user, Capability.RUN_TALLY)
    if released_run(session, campaign) is not None:
        raise Conflict(_("结果已发布，不能重新计票。"))
    records = stored_records(session, sealed_boxes(session, campaign))
    if not records:
        raise Conflict(_("还没有封箱的投票箱，无法计票。"))
    online = still_collecting_online(session, campaign)
    if online:
        raise Conflict(
            _("问卷“%(title)s”仍在网上收集答卷，请先停止网上填写再计票。", title=online[0].title)
        )
    figures = compute(session, campaign, records)
    # The chain's head as counted: `audit verify --expect-head` later shows nothing was cut.
    figures["audit"]["audit_head"] = audit.head_hash(session)
    _supersede(session, campaign, actor, "new tally")
    run = ResultRun(
        campaign=campaign,
        state=RunState.DRAFT.value,
        input_hash=figures["audit"]["input_hash"],
        figures=json.dumps(figures, ensure_ascii=False, sort_keys=True),
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
        boxes=len(records),
    )
    return run


def _acting(user: User | None, capability: Capability) -> str:
    """The name the acting user is audited under, once they may do it (None: the command line)."""
    require(user, capability)
    return user.username if user is not None else audit.command_line_actor()


def sign_off(session: Session, run: ResultRun, user: User | None) -> None:
    """The statistics bureau signs (签发): every opened box must be sealed by now."""
    actor = _acting(user, Capability.SIGN_RESULTS)
    _expect(run, RunState.DRAFT)
    _require_every_box_counted(session, run.campaign, actor)
    boxes = boxes_of(session, run.campaign)
    sealed = [b for b in boxes if b.current_state == BoxState.SEALED]
    withdrawn = [b.id for b in boxes if b.current_state == BoxState.WITHDRAWN]
    counted = figures_of(run)["audit"]
    if counted["boxes"] != len(sealed) or [w["box"] for w in counted["withdrawn"]] != withdrawn:
        raise Conflict(_("计票后又有投票箱封箱或撤销，请重新计票。"))
    _move(session, run, RunState.SIGNED, actor, "signed")
    run.campaign.tally_signed_at = run.signed_at  # nothing can be cast or added from now on


def countersign(session: Session, run: ResultRun, user: User | None) -> None:
    """Supervision countersigns (会签); never the person who signed."""
    actor = _acting(user, Capability.COUNTERSIGN_RESULTS)
    _expect(run, RunState.SIGNED)
    if run.signed_by == actor:
        raise Conflict(_("会签须由另一人进行。"))
    _require_every_box_counted(session, run.campaign, actor)
    _move(session, run, RunState.COUNTERSIGNED, actor, "countersigned")


def release(session: Session, run: ResultRun, user: User | None) -> None:
    """The office releases (发布) what was signed and countersigned."""
    actor = _acting(user, Capability.RELEASE_RESULTS)
    _expect(run, RunState.COUNTERSIGNED)
    _require_every_box_counted(session, run.campaign, actor)
    _move(session, run, RunState.RELEASED, actor, "released")


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


def sealed_boxes(session: Session, campaign: Campaign) -> list[BallotBox]:
    return [b for b in boxes_of(session, campaign) if b.current_state == BoxState.SEALED]


def published_records(session: Session, campaign: Campaign) -> dict[int, str]:
    """The anonymised ballot records of every sealed box, as the public downloads them."""
    return {box.id: records_csv(session, box) for box in sealed_boxes(session, campaign)}


def _issued(session: Session, box_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(VotingToken.box_id, func.count())
        .where(VotingToken.box_id.in_(box_ids), VotingToken.state != TokenState.VOIDED)
        .group_by(VotingToken.box_id)
    )
    return dict(rows.all())


def ballot_sets(
    boxes: list[BallotBox], records: dict[int, BoxRecords], issued: dict[int, int]
) -> dict[str, tuple[str, stats.BallotSet]]:
    """The ballots of each group (and of the internal boxes): key → (name, set)."""
    sets: dict[str, tuple[str, stats.BallotSet]] = {}
    by_key: dict[str, list[BallotBox]] = {}
    for box in boxes:
        if box.id in records:
            key = INTERNAL if box.is_internal else str(box.meeting.group.number)
            by_key.setdefault(key, []).append(box)
    for key, members in by_key.items():
        parts = [records[box.id] for box in members]
        name = INTERNAL_NAME if key == INTERNAL else members[0].meeting.group.name
        sets[key] = (
            name,
            stats.BallotSet(
                parts[0].departments,
                np.concatenate([p.ratings for p in parts]),
                np.concatenate([np.full(len(p.paper), v) for v, p in enumerate(parts)]),
                [box.venue.name if box.venue else INTERNAL_NAME for box in members],
                np.concatenate([p.paper for p in parts]),
                {v: issued.get(box.id, 0) for v, box in enumerate(members)},
            ),
        )
    return sets


def compute(
    session: Session,
    campaign: Campaign,
    records: dict[int, BoxRecords],
    questionnaire_records: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Every released figure, from the records alone (plus cards issued and the scheme).

    The questionnaires' figures come from their own response records (by default as
    published, or `questionnaire_records`: questionnaire id → downloaded CSV).
    """
    scheme = stats_scheme(scheme_of(session, campaign))
    boxes = boxes_of(session, campaign)
    sets = ballot_sets(boxes, records, _issued(session, list(records)))
    names = {d.code: d.name for d in campaign.departments}
    groups, draws = [], {}
    for index, key in enumerate(sorted(sets, key=lambda k: (k == INTERNAL, k))):
        name, ballots = sets[key]
        analysis = stats.analyse_group(ballots, scheme, scheme.seed + index)
        for d in analysis.figures["departments"]:
            d.update(name=names[d["code"]], group=key, group_name=name)
        for h in analysis.figures["homogeneity"]:
            h["name"] = names[h["code"]]
        groups.append({"key": key, "name": name, **analysis.figures})
        draws[key] = analysis
    rankings = {}
    pools = (
        {"all": list(draws)}
        if scheme.merge_internal
        else {
            "public": [k for k in draws if k != INTERNAL],
            INTERNAL: [k for k in draws if k == INTERNAL],
        }
    )
    for pool, keys in pools.items():
        if not keys:
            continue
        departments = [d for k in keys for d in draws[k].figures["departments"]]
        joint = np.concatenate([draws[k].draws for k in keys], axis=0)
        stats.rank_departments(departments, joint, scheme)
        rankings[pool] = [
            d["code"]
            for d in sorted(
                departments, key=lambda d: (d["rank"] is None, d["rank"] or 0, d["code"])
            )
        ]
    _add_previous(session, campaign, groups)
    return {
        "campaign": {"year": campaign.year, "title": campaign.title},
        "scheme": asdict(scheme),
        "groups": groups,
        "rankings": rankings,
        # Released under the same sign-off as the evaluation, from the sealed boxes' answers.
        "questionnaires": questionnaire_figures(
            session,
            campaign,
            scheme.seed,
            scheme.resamples,
            scheme.confidence,
            questionnaire_records,
        ),
        "audit": {
            "input_hash": records_hash(records),
            "boxes": len(records),
            # Boxes formally taken out of the count (撤销), each with its reason.
            "withdrawn": [
                {
                    "box": b.id,
                    "group": b.meeting.group.number if b.meeting else None,
                    "venue": b.venue.name if b.venue else None,
                    "reason": b.withdrawal_reason,
                }
                for b in boxes
                if b.current_state == BoxState.WITHDRAWN
            ],
            # Boxes with more ballots than representatives checked in, and supervision's note.
            "over_attendance": _over_attendance(session, boxes),
            "seed": scheme.seed,
            "resamples": scheme.resamples,
            "software": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "scipy": version("scipy"),
                "sanmin": version("sanmin"),
            },
        },
    }


def _over_attendance(session: Session, boxes: list[BallotBox]) -> list[dict[str, Any]]:
    flagged = session.execute(
        select(BoxMinutes).where(
            BoxMinutes.box_id.in_([b.id for b in boxes]),
            BoxMinutes.kind == MinutesKind.CLOSING.value,
            BoxMinutes.note.is_not(None),
        )
    ).scalars()
    by_id = {b.id: b for b in boxes}
    rows = []
    for minutes in sorted(flagged, key=lambda m: m.box_id):
        box, manifest = by_id[minutes.box_id], json.loads(minutes.manifest)
        rows.append(
            {
                "box": box.id,
                "group": box.meeting.group.number if box.meeting else None,
                "venue": box.venue.name if box.venue else None,
                "ballots": manifest["ballots"],
                "present": manifest["present"],
                "note": minutes.note,
            }
        )
    return rows


def _add_previous(session: Session, campaign: Campaign, groups: list[dict[str, Any]]) -> None:
    """Each department's score in the previous campaign's released results, where one exists."""
    previous = session.execute(
        select(ResultRun)
        .join(Campaign, Campaign.id == ResultRun.campaign_id)
        .where(Campaign.year < campaign.year, ResultRun.state == RunState.RELEASED)
        .order_by(Campaign.year.desc())
    ).scalar()
    before = (
        {
            d["code"]: d["score"]
            for g in json.loads(previous.figures)["groups"]
            for d in g["departments"]
        }
        if previous
        else {}
    )
    for group in groups:
        for d in group["departments"]:
            d["previous_score"] = before.get(d["code"])


def figures_of(run: ResultRun) -> dict[str, Any]:
    return json.loads(run.figures)


def released_result(session: Session, campaign: Campaign, code: str) -> dict[str, Any] | None:
    """One department's released figures, for its report page; None before release."""
    run = released_run(session, campaign)
    if run is None:
        return None
    return next((d for d in all_departments(figures_of(run)) if d["code"] == code), None)


def all_departments(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Every department's figures in ranking order, pool by pool."""
    by_code = {d["code"]: d for g in figures["groups"] for d in g["departments"]}
    pools = sorted(figures["rankings"], key=lambda pool: pool == INTERNAL)
    return [by_code[code] for pool in pools for code in figures["rankings"][pool]]


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
        boxes = boxes_of(session, campaign)
        recomputed = compute(session, campaign, parse_records(boxes, texts), questionnaire_records)
    except (ValueError, KeyError, IndexError) as error:
        raise Refused(_("记录文件无法读取：%(e)s", e=str(error))) from error
    again = json.loads(json.dumps(recomputed, ensure_ascii=False))
    for figures in (released, again):
        figures["audit"].pop("software")
        figures["audit"].pop("audit_head", None)
    return list(_differences(released, again, ""))


def _differences(a: Any, b: Any, path: str) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from _differences(a.get(key), b.get(key), f"{path}/{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {a!r} ≠ {b!r}"

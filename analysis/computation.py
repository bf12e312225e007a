"""The computation: every figure of a campaign from its sealed boxes' records alone (plus cards
issued and the scheme), and reading stored figures back."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from importlib.metadata import version
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import ranks, stats
from analysis.figures import INTERNAL, Figures
from analysis.groups import analyse_group
from analysis.models import ResultRun, RunState
from analysis.records import BoxRecords, records_hash
from analysis.schemes import scheme_of, stats_scheme
from ballots.boxes import boxes_of
from ballots.models import BallotBox, BoxMinutes, BoxState, MinutesKind, TokenState, VotingToken
from ballots.tally import records_csv
from evaluation.campaign.models import Campaign
from questionnaires.results import questionnaire_figures

INTERNAL_NAME = "内部评议"  # stored in the figures as data, like group and venue names


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
) -> Figures:
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
        analysis = analyse_group(ballots, scheme, scheme.seed + index)
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
        ranks.rank_departments(departments, joint, scheme)
        rankings[pool] = [
            d["code"]
            for d in sorted(
                departments, key=lambda d: (d["rank"] is None, d["rank"] or 0, d["code"])
            )
        ]
    _add_previous(session, campaign, groups, scheme)
    figures = {
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
    return Figures.model_validate(figures)


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


# What makes two years' scores comparable: the same weights on the same ballots, pooled the
# same way. (Intervals, ranks and the minimums do not change a score.)
SCORE_SETTINGS = ("w_satisfied", "w_basic", "w_dissatisfied", "venue_weighting")


def _add_previous(
    session: Session, campaign: Campaign, groups: list[dict[str, Any]], scheme: Any
) -> None:
    """Each department's score in the previous campaign's released results, where one exists
    and was scored under the same scheme: a score from other weights is not comparable."""
    previous = session.execute(
        select(ResultRun)
        .join(Campaign, Campaign.id == ResultRun.campaign_id)
        .where(Campaign.year < campaign.year, ResultRun.state == RunState.RELEASED)
        .order_by(Campaign.year.desc())
    ).scalar()
    before: dict[str, float | None] = {}
    if previous is not None:
        earlier = figures_of(previous)
        if all(getattr(earlier.scheme, name) == getattr(scheme, name) for name in SCORE_SETTINGS):
            before = {d.code: d.score for g in earlier.groups for d in g.departments}
    for group in groups:
        for d in group["departments"]:
            d["previous_score"] = before.get(d["code"])


def figures_of(run: ResultRun) -> Figures:
    return Figures.model_validate_json(run.figures)


def differences(a: Any, b: Any, path: str) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from differences(a.get(key), b.get(key), f"{path}/{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {a!r} ≠ {b!r}"

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
from analysis.venue_checks import Review, review
from ballots.boxes import boxes_of
from ballots.models import BallotBox, BoxMinutes, BoxState, MinutesKind, TokenState, VotingToken
from ballots.publication import publication_units, shuffled_records
from evaluation.campaign.models import Campaign
from questionnaires.results import questionnaire_figures

INTERNAL_NAME = "内部评议"  # stored in the figures as data, like group and venue names


def sealed_boxes(session: Session, campaign: Campaign) -> list[BallotBox]:
    return [b for b in boxes_of(session, campaign) if b.current_state == BoxState.SEALED]


def units_of(session: Session, campaign: Campaign) -> list[list[BallotBox]]:
    """The sealed boxes as they are published (`ballots.publication`)."""
    return publication_units(session, boxes_of(session, campaign))


def published_records(session: Session, campaign: Campaign) -> dict[int, str]:
    """The records of every publication unit as the public downloads them (a unit's first box
    id → CSV), each column shuffled on its own."""
    return {unit[0].id: shuffled_records(session, unit) for unit in units_of(session, campaign)}


def _issued(session: Session, box_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(VotingToken.box_id, func.count())
        .where(VotingToken.box_id.in_(box_ids), VotingToken.state != TokenState.VOIDED)
        .group_by(VotingToken.box_id)
    )
    return dict(rows.all())


def ballot_sets(
    session: Session, units: list[list[BallotBox]], records: dict[int, BoxRecords]
) -> dict[str, tuple[str, stats.BallotSet]]:
    """The ratings of each group (and of the internal boxes): key → (name, set). Each unit
    (a box, or small boxes merged) is a venue, named by its boxes' venues; records are keyed
    by the unit's first box."""
    issued = _issued(session, [b.id for unit in units for b in unit])
    by_key: dict[str, list[list[BallotBox]]] = {}
    for unit in units:
        if unit[0].id in records:
            key = INTERNAL if unit[0].is_internal else str(unit[0].meeting.group.number)
            by_key.setdefault(key, []).append(unit)
    sets: dict[str, tuple[str, stats.BallotSet]] = {}
    for key, members in by_key.items():
        parts = [records[unit[0].id] for unit in members]
        name = INTERNAL_NAME if key == INTERNAL else members[0][0].meeting.group.name
        sets[key] = (
            name,
            stats.BallotSet(
                parts[0].departments,
                np.concatenate([p.ratings for p in parts]),
                np.concatenate([np.full(len(p.ratings), v) for v, p in enumerate(parts)]),
                [
                    "、".join(b.venue.name if b.venue else INTERNAL_NAME for b in unit)
                    for unit in members
                ],
                {v: sum(b.paper_ballots for b in unit) for v, unit in enumerate(members)},
                {v: sum(issued.get(b.id, 0) for b in unit) for v, unit in enumerate(members)},
            ),
        )
    return sets


def venue_review(
    session: Session, boxes: list[BallotBox], whole: dict[int, BoxRecords], scheme: stats.Scheme
) -> Review:
    """Supervision's venue checks of these sealed boxes, from their whole ballots as the
    database holds them (`stored_records`), each box a venue."""
    return review(ballot_sets(session, [[b] for b in boxes], whole), scheme)


def compute(
    session: Session,
    campaign: Campaign,
    records: dict[int, BoxRecords],
    questionnaire_records: dict[int, str] | None = None,
) -> Figures:
    """Every released figure, from the publication units' records alone (plus the boxes' cards
    issued and paper ballots, public in the box index, and the scheme).

    `records`: each unit's ratings, keyed by its first box (`analysis.records.unit_records`
    of the database's, or `parse_records` of the downloads). The questionnaires' figures come
    from their own response records (by default as published, or `questionnaire_records`:
    questionnaire id → downloaded CSV).
    """
    scheme = stats_scheme(scheme_of(session, campaign))
    boxes = boxes_of(session, campaign)
    units = [u for u in units_of(session, campaign) if u[0].id in records]
    sets = ballot_sets(session, units, records)
    names = {d.code: d.name for d in campaign.departments}
    groups, rankings = [], {}
    for index, key in enumerate(sorted(sets, key=lambda k: (k == INTERNAL, k))):
        name, ballots = sets[key]
        analysis = analyse_group(ballots, scheme, scheme.seed + index)
        departments = analysis.figures["departments"]
        for d in departments:
            d.update(name=names[d["code"]], group=key, group_name=name)
        # Each group is its own panel (different representatives at a different meeting),
        # so departments are ranked and banded only within their group.
        ranks.rank_departments(departments, analysis.draws, scheme)
        groups.append(
            {
                "key": key,
                "name": name,
                **analysis.figures,
                "top_sets": ranks.top_sets(departments),
                "sensitivity": ranks.sensitivity(departments, scheme),
            }
        )
        rankings[key] = [
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
            "input_hash": records_hash({u[0].id: records[u[0].id] for u in units}),
            "boxes": sum(len(u) for u in units),
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

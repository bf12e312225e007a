"""Simulated ballots for the demo, cast through the same code as real ones.

Departments differ in how satisfied people are and how well they are known; one district
venue is slightly off (less satisfied, more whole ballots with one answer), so the venue
checks of the results have something real to find.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.boxes import box_seats, boxes_of
from ballots.cards import default_card_count, issue_cards
from ballots.casting import BallotShape, cast_ballot
from ballots.keys import demo_holder_keys
from ballots.lifecycle import move_box
from ballots.models import BallotBox, BoxState, Rating, VotingToken
from evaluation.campaign.models import Campaign
from evaluation.core import audit
from representatives.demo import check_in_demo

SIMULATION_SEED = 2026
TURNOUT = (0.85, 0.97)  # share of the seats whose card comes back
OFF_VENUE = "平度市分会场"  # the district venue whose ballots lean the other way
OFF_SHIFT = 0.12
OFF_STRAIGHT = 0.25  # share of its ballots with the same answer for every department


def _profile(rng: random.Random) -> tuple[float, float, float]:
    """A department's true shares of 满意, 基本满意, 不满意 among those who know it."""
    satisfied = rng.uniform(0.45, 0.85)
    dissatisfied = rng.uniform(0.01, 0.08)
    return satisfied, 1 - satisfied - dissatisfied, dissatisfied


def _rating(rng: random.Random, profile: tuple[float, float, float], known: float) -> Rating:
    if rng.random() > known:
        return Rating.UNKNOWN
    satisfied, basic, _dissatisfied = profile
    u = rng.random()
    if u < satisfied:
        return Rating.SATISFIED
    return Rating.BASICALLY_SATISFIED if u < satisfied + basic else Rating.DISSATISFIED


def simulate_ballots(
    session: Session,
    campaign: Campaign,
    keep_open: BallotBox | None,
    progress: Callable[..., Any],
    after_ballot: Callable[[BallotBox], None] | None = None,
) -> None:
    """Vote in every box that has no cards yet; seal them all except `keep_open`.

    `after_ballot(box)` is what a voter does next on the receipt page, if anything.
    """
    actor = audit.command_line_actor()
    rng = random.Random(SIMULATION_SEED)
    profiles = {d.id: (_profile(rng), rng.uniform(0.8, 0.98)) for d in campaign.departments}
    used = set(session.execute(select(VotingToken.box_id).distinct()).scalars())
    boxes = [b for b in boxes_of(session, campaign) if b.id not in used]
    keys = demo_holder_keys(session, campaign) if boxes else None
    with progress(boxes, label="ballots") as bar:
        for box in bar:
            cards = issue_cards(session, box, default_card_count(box), actor)
            move_box(session, box, BoxState.OPEN, None)
            seats = box_seats(box)
            voters = int(seats * rng.uniform(*TURNOUT))
            off = box.venue is not None and box.venue.name == OFF_VENUE
            departments = [d.id for d in box.departments]
            shape = BallotShape(departments, box.public_key)
            if box.meeting_id is not None:  # who came: all who vote, and a few who do not
                check_in_demo(session, box.meeting_id, box.venue_id, voters + box.id % 4)
            for card in cards[:voters]:
                if off and rng.random() < OFF_STRAIGHT:
                    same = rng.choice([Rating.SATISFIED, Rating.BASICALLY_SATISFIED])
                    ratings = {d: same.value for d in departments}
                else:
                    ratings = {}
                    for d in departments:
                        (satisfied, basic, dissatisfied), known = profiles[d]
                        if off:
                            satisfied, dissatisfied = (
                                satisfied - OFF_SHIFT,
                                dissatisfied + OFF_SHIFT,
                            )
                        ratings[d] = _rating(rng, (satisfied, basic, dissatisfied), known).value
                cast_ballot(session, card.token, ratings, shape_of=lambda _b, s=shape: s)
                if after_ballot is not None:
                    after_ballot(box)
            if box is not keep_open:
                move_box(session, box, BoxState.CLOSED, None)
                move_box(session, box, BoxState.SEALED, None, keys)
            session.commit()

"""`sanmin demo --released`: the demo walked through to after its results, as the README's
walk-through does by hand — the open box closed and sealed by two key holders, the results
tallied, signed, countersigned and released, a department's appeal filed, and the assessment
points computed. The demo's voting cards can then no longer vote (their box is sealed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.models import RunState
from analysis.services import countersign, current_run, release, released_run, run_tally, sign_off
from assessment.demo import build_demo_appeal
from assessment.services import compute_points, runs_of
from ballots.keys import demo_holder_keys
from ballots.lifecycle import move_box
from ballots.models import BoxState
from evaluation.campaign.models import Campaign
from evaluation.core.clock import beijing_today
from evaluation.core.models import User
from evaluation.shell.demo import demo_box


def _user(session: Session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()


def release_demo(session: Session, actor: str) -> Campaign:
    """Carry the demo to its released results; what is done already is left as it is."""
    box = demo_box(session)
    campaign = box.campaign
    if released_run(session, campaign) is None:
        if box.current_state == BoxState.OPEN:
            move_box(session, box, BoxState.CLOSED, None)
        if box.current_state == BoxState.CLOSED:
            move_box(session, box, BoxState.SEALED, None, demo_holder_keys(session, campaign))
        run = current_run(session, campaign)
        if run is None or run.state == RunState.DRAFT:  # a draft may predate the sealing
            run = run_tally(session, campaign, _user(session, "statistics"))
            sign_off(session, run, _user(session, "statistics"))
        if run.state == RunState.SIGNED:
            countersign(session, run, _user(session, "supervision"))
        release(session, run, _user(session, "admin"))
    build_demo_appeal(session, campaign, actor, beijing_today())
    if not runs_of(session, campaign):
        compute_points(session, campaign, _user(session, "statistics"))
    return campaign

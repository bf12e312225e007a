"""Fixtures of the ballots room's tests."""

import pytest

from ballots.models import BallotBox
from evaluation.campaign.models import Phase, VenueKind


@pytest.fixture
def meeting(factory, db):
    """A meeting of group 1 (three departments) with two boxes: 9 and 4 seats."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    for code in ("A", "B", "C"):
        factory.department(campaign, code, group)
    meeting = factory.meeting(group)
    for name, capacity in (("市级主会场", 9), ("市南区分会场", 4)):
        venue = factory.venue(campaign, name, VenueKind.DISTRICT, capacity)
        db.session.add(BallotBox(campaign=campaign, meeting=meeting, venue=venue))
    db.session.commit()
    return campaign

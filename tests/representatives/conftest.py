"""A campaign shaped for the representatives' tests."""

import pytest

from evaluation.campaign.models import Phase, VenueKind

DISTRICTS = ("市南区", "崂山区")


@pytest.fixture
def event(factory, db):
    """A campaign with two meetings and a main venue plus two district venues."""
    campaign = factory.campaign(phase=Phase.PREPARATION)
    for number in (1, 2):
        factory.meeting(factory.group(campaign, number))
    main = factory.venue(campaign, "市级主会场")
    main.district = "市级"
    for district in DISTRICTS:
        venue = factory.venue(campaign, f"{district}分会场", VenueKind.DISTRICT)
        venue.district = district
    db.session.flush()
    return campaign

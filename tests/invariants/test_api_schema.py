"""The public API keeps the promises of its OpenAPI document under generated requests.

Schemathesis reads /api/v1/openapi.json and sends valid and invalid requests to every
operation: no 5xx, only documented status codes, and bodies that match their schemas.
"""

import datetime as dt

import schemathesis
from hypothesis import HealthCheck, given, settings

from evaluation.campaign.models import Phase
from rectification import services as rectification
from suggestions import handling, routing, services
from suggestions.models import Channel, Urgency
from tests.rectification.conftest import _task


def _campaign_with_suggestions(factory, db) -> None:
    """A campaign with a department, a category, suggestions in several states and a
    listed rectification task."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    unit = factory.department(campaign, "A", factory.group(campaign))
    routing.add_category(db.session, campaign, "服务型政府建设", "t")
    for n in range(3):
        intake = services.Intake(channel=Channel.ONLINE, text=f"第{n}条：建议增开公交线路。")
        item = services.receive(db.session, campaign, intake, "t")
        if n:
            handling.assign(
                db.session, item, unit.id, [], Urgency.NORMAL, "t", dt.date(2026, 11, 2)
            )
    task = _task(db, campaign, unit)
    step = rectification.MilestoneInput("上线网上预约", dt.date(2026, 12, 30))
    rectification.submit_plan(
        db.session,
        task,
        unit,
        "分步推进，先梳理事项再上线网上预约。",
        [step],
        "t",
        dt.date(2026, 11, 2),
    )
    db.session.commit()


def test_every_api_operation_keeps_its_documented_promises(app, factory, db):
    _campaign_with_suggestions(factory, db)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate()

        check()

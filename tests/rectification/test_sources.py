"""Tasks start from where the problems were found: a department clearly below its panel's
average in the released results, a suggestion answered 列入计划 — each offered once."""

from sqlalchemy import select

from evaluation.campaign.models import Phase
from evaluation.core.models import Role
from rectification.models import RectificationTask
from rectification.sources import drafts
from suggestions import handling, services
from suggestions.models import Channel, ReplyCategory, Urgency
from tests.analysis.test_results import _release

SUGGESTION = "建议在老旧小区推行加装电梯并联审批，缩短办理时间，方便老年人出行。"
REPLY = "我局将把并联审批列入明年工作计划，上半年出台实施细则。"


def test_the_office_starts_tasks_from_a_result_below_the_band_and_a_planned_suggestion(
    client, login_as, factory, db
):
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    units = [factory.department(campaign, code, group) for code in ("A", "B", "C")]
    meeting = factory.meeting(group)
    # C is rated far worse than A and B by every voter.
    ballots = [
        ["satisfied", "satisfied" if i % 3 else "basically_satisfied", "dissatisfied"]
        for i in range(80)
    ]
    for venue in ("市级主会场", "市南区分会场"):
        factory.sealed_box(meeting, venue, ballots)
    suggestion = services.receive(
        db.session,
        campaign,
        services.Intake(channel=Channel.ONLINE, text=SUGGESTION),
        "test",
    )
    handling.assign(db.session, suggestion, units[1].id, [], Urgency.NORMAL, "admin")
    reply = handling.save_reply(
        db.session, suggestion, units[1], REPLY, True, "liaison", ReplyCategory.PLANNED
    )
    handling.approve_reply(db.session, reply, "admin")
    db.session.commit()
    _release(client, login_as, db)

    offered = {d.key: d for d in drafts(db.session, campaign)}
    assert set(offered) == {"result:C", f"suggestion:{suggestion.id}"}
    assert offered["result:C"].department_id == units[2].id
    assert offered[f"suggestion:{suggestion.id}"].department_id == units[1].id

    login_as(Role.ADMIN)
    page = client.get("/office/rectification/new?draft=result:C").get_data(as_text=True)
    assert "明显低于本组平均" in page and "用此起草" in page
    created = client.post(
        "/office/rectification/new",
        data={
            "department_id": units[2].id,
            "official": "王局长",
            "leader": "李副市长",
            "source": "result",
            "source_note": offered["result:C"].source_note,
            "problem": offered["result:C"].problem,
            "commitment": "三个月内找出不满意的主要原因并逐项整改到位。",
            "listed": "y",
        },
    )
    assert created.status_code == 302
    task = db.session.execute(select(RectificationTask)).scalar_one()
    assert task.department_id == units[2].id and task.source == "result"
    # Offered once: the result no longer waits, the suggestion still does.
    assert [d.key for d in drafts(db.session, campaign)] == [f"suggestion:{suggestion.id}"]

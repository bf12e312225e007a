"""The discussion meeting (恳谈会): invitees (a department, an expert, a representative found on
the year's roster by the code on their letter), agenda, minutes, and a follow-up that becomes
a rectification task through the office's usual new-task page."""

from sqlalchemy import select

from evaluation.core.models import AuditEvent, Role
from rectification.models import DiscussionMeeting, RectificationTask
from rectification.sources import drafts
from representatives.models import Representative
from tests.conftest import assert_form_reshown

FOLLOW_UP = "代表反映工业园区夜间货车噪音扰民，请会同交警部门调整通行时段。"


def test_a_discussion_meeting_follow_up_becomes_a_rectification_task(
    client, login_as, db, factory, units
):
    campaign, lead, other = units
    meeting = factory.meeting(campaign.groups[0])
    venue = factory.venue(campaign)
    db.session.add(
        Representative(
            meeting_id=meeting.id,
            venue_id=venue.id,
            name="张建华",
            category="企业代表",
            invitation_code="K7Q2MX",
            attended=True,
        )
    )
    db.session.commit()
    login_as(Role.ADMIN)
    created = client.post(
        "/office/rectification/discussions",
        data={
            "title": "2026年度三民活动恳谈会",
            "held_on": "2026-12-18",
            "place": "市民中心第一会议室",
            "agenda": "一、通报评议结果；二、部门表态；三、代表和专家发言。",
        },
    )
    assert created.status_code == 302
    found = db.session.execute(select(DiscussionMeeting)).scalar_one()
    base = f"/office/rectification/discussions/{found.id}"
    invite = f"{base}/invitees"
    assert (
        client.post(invite, data={"kind": "department", "department_id": lead.id}).status_code
        == 302
    )
    assert (
        client.post(
            invite, data={"kind": "expert", "name": "李教授", "note": "市委党校"}
        ).status_code
        == 302
    )
    assert client.post(invite, data={"kind": "representative", "code": "k7q2mx"}).status_code == 302
    unknown = client.post(invite, data={"kind": "representative", "code": "NOPE00"})
    assert_form_reshown(unknown, "没有这个邀请码", status=400)
    nameless = client.post(invite, data={"kind": "expert", "name": ""})
    assert nameless.status_code == 400
    db.session.expire_all()
    assert [(i.kind, i.name, i.note) for i in found.invitees] == [
        ("department", lead.name, ""),
        ("expert", "李教授", "市委党校"),
        ("representative", "张建华", "企业代表"),
    ]
    minutes = {"minutes": "会议听取了评议结果通报，部门负责人逐一表态，代表和专家提出意见。"}
    assert client.post(f"{base}/minutes", data=minutes).status_code == 302
    follow = {"department_id": other.id, "text": FOLLOW_UP, "raised_by": "张建华代表"}
    assert client.post(f"{base}/follow-ups", data=follow).status_code == 302

    db.session.expire_all()
    follow_up = found.follow_ups[0]
    offered = {d.key: d for d in drafts(db.session, campaign)}
    draft = offered[f"discussion:{follow_up.id}"]
    assert draft.department_id == other.id and draft.problem == FOLLOW_UP
    page = client.get(f"/office/rectification/new?draft=discussion:{follow_up.id}")
    assert FOLLOW_UP in page.get_data(as_text=True)
    opened = client.post(
        "/office/rectification/new",
        data={
            "department_id": other.id,
            "official": "赵局长",
            "leader": "钱副市长",
            "source": "discussion",
            "source_note": draft.source_note,
            "problem": draft.problem,
            "commitment": "一个月内会同交警部门调整夜间货车通行时段并公示。",
            "listed": "y",
        },
    )
    assert opened.status_code == 302
    task = db.session.execute(select(RectificationTask)).scalar_one()
    assert (task.department_id, task.source) == (other.id, "discussion")
    shown = client.get(base).get_data(as_text=True)
    assert f"已立为整改任务 No.{task.id}" in shown and "代表和专家提出意见" in shown
    assert f"discussion:{follow_up.id}" not in {d.key for d in drafts(db.session, campaign)}
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"discussion.create", "discussion.invite", "discussion.minutes"} <= actions
    assert "discussion.follow_up" in actions

    # Departments read the office's tasks, not the meeting's planning.
    login_as(Role.DEPARTMENT, department=lead)
    assert client.get("/office/rectification/discussions").status_code == 403

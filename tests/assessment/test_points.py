"""Assessment points (考核得分): the published conversion by hand-computed examples, the plan's
versions and its lock at release, and points computed from the released results, signed,
countersigned and exported for the assessment office."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from analysis.computation import figures_of
from analysis.figures import DepartmentFigures
from assessment.figures import PlanTerms
from assessment.models import AssessmentPlan, PointsRun
from assessment.points import convert
from evaluation.campaign.models import Phase
from evaluation.core.models import AuditEvent, Role
from rectification.notices import UnitFigures
from suggestions import handling, services
from suggestions.board import UnitStats
from suggestions.models import Channel, ReplyCategory, Urgency
from tests.analysis.test_results import _release
from tests.conftest import assert_form_reshown

TERMS = PlanTerms(
    version=1,
    full_points=100,
    weights={"evaluation": 70, "on_time": 10, "reply_satisfaction": 10, "rectification": 10},
    fractions={"above": 1.0, "within": 0.9, "below": 0.75, "unranked": 0.9},
)


def _result(code: str, band: str | None) -> DepartmentFigures:
    # Only what the conversion reads: the rest of a result does not enter the points.
    return DepartmentFigures.model_construct(
        code=code, name=f"市{code}局", group="1", group_name="第一组", band=band
    )


def _handling(answered: int, on_time: int, overdue: int, feedback: tuple) -> UnitStats:
    stats = UnitStats("A", "市A局", answered + overdue, answered, on_time, overdue, overdue)
    stats.feedback = dict(zip(("satisfied", "basic", "dissatisfied"), feedback, strict=True))
    return stats


def _points(department) -> dict[str, float]:
    return {c.key: c.points for c in department.components} | {"total": department.total}


def test_points_follow_the_plan_by_hand_computed_examples():
    # Above its group's average; 6 of 10 due suggestions answered on time (8 answered, 2
    # overdue); 4 of 5 rated replies satisfied or basically; 3 of 4 milestones on time.
    a = convert(
        TERMS,
        _result("A", "above"),
        _handling(answered=8, on_time=6, overdue=2, feedback=(3, 1, 1)),
        UnitFigures("A", "市A局", "A局", 2, 0, 4, 3, 0, 0),
    )
    assert _points(a) == {
        "evaluation": 70.00,  # 100 × 70% × 1.00
        "on_time": 6.00,  # 100 × 10% × 6/10
        "reply_satisfaction": 8.00,  # 100 × 10% × 4/5
        "rectification": 7.50,  # 100 × 10% × 3/4
        "total": 91.50,
    }
    assert [c.counted for c in a.components] == [None, [6, 10], [4, 5], [3, 4]]
    # Clearly below, nothing to count elsewhere: the other components earn their full share.
    b = convert(TERMS, _result("B", "below"), None, None)
    assert _points(b) == {
        "evaluation": 52.50,  # 100 × 70% × 0.75
        "on_time": 10.0,
        "reply_satisfaction": 10.0,
        "rectification": 10.0,
        "total": 82.50,
    }
    # Not ranked (too few valid ratings): the plan's unranked share.
    assert _points(convert(TERMS, _result("C", None), None, None))["evaluation"] == 63.00
    # Rounded to hundredths per component; the total is the sum of what is printed.
    odd = TERMS.model_copy(update={"full_points": 7.0})
    third = convert(odd, _result("D", "within"), _handling(3, 1, 0, (0, 0, 0)), None)
    assert _points(third) == {
        "evaluation": 4.41,  # 7 × 70% × 0.9
        "on_time": 0.23,  # 7 × 10% × 1/3 = 0.2333…
        "reply_satisfaction": 0.7,
        "rectification": 0.7,
        "total": 6.04,
    }


@pytest.fixture
def panel(factory, db):
    """One group of three departments, C rated far worse by every voter; a suggestion led
    by B answered and approved; both boxes sealed, nothing released yet."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    units = [factory.department(campaign, code, group) for code in ("A", "B", "C")]
    meeting = factory.meeting(group)
    ballots = [
        ["satisfied", "satisfied" if i % 3 else "basically_satisfied", "dissatisfied"]
        for i in range(80)
    ]
    for venue in ("市级主会场", "市南区分会场"):
        factory.sealed_box(meeting, venue, ballots)
    text = "建议延长社区卫生服务中心周末门诊时间，方便上班族就医。"
    suggestion = services.receive(
        db.session, campaign, services.Intake(channel=Channel.ONLINE, text=text), "test"
    )
    handling.assign(db.session, suggestion, units[1].id, [], Urgency.NORMAL, "admin")
    reply = handling.save_reply(
        db.session,
        suggestion,
        units[1],
        "已协调周六上午开诊。",
        True,
        "liaison",
        ReplyCategory.ADOPTED,
    )
    handling.approve_reply(db.session, reply, "admin")
    db.session.commit()
    return campaign


PLAN = {
    "full_points": "10",
    "w_evaluation": "60",
    "w_on_time": "20",
    "w_reply_satisfaction": "10",
    "w_rectification": "10",
    "f_above": "1",
    "f_within": "0.8",
    "f_below": "0.5",
    "f_unranked": "0.8",
    "note": "评议结果按组内位置计分。",
}


def test_the_plan_is_versioned_public_and_locked_with_the_release(client, login_as, db, panel):
    login_as(Role.ADMIN)
    assert client.post("/office/assessment/plan", data=PLAN).status_code == 302
    again = PLAN | {"w_evaluation": "70", "w_on_time": "10"}
    assert client.post("/office/assessment/plan", data=again).status_code == 302
    public = client.get("/assessment/").get_data(as_text=True)
    assert "第 2 版" in public and "70%" in public and "发布时锁定" in public

    # Bad input is refused, with the message beside the form, and saves nothing.
    wrong = client.post("/office/assessment/plan", data=PLAN | {"w_evaluation": "65"})
    assert_form_reshown(wrong, "合计 100%", status=400)
    upside_down = client.post("/office/assessment/plan", data=PLAN | {"f_below": "0.9"})
    assert_form_reshown(upside_down, "高于 ≥ 持平 ≥ 低于", status=400)
    assert db.session.execute(select(AssessmentPlan.version)).scalars().all() == [1, 2]

    _release(client, login_as, db)
    login_as(Role.ADMIN)
    locked = client.post("/office/assessment/plan", data=PLAN)
    assert_form_reshown(locked, "已随之锁定", status=409)
    db.session.expire_all()
    assert db.session.execute(select(AssessmentPlan.version)).scalars().all() == [1, 2]
    assert "已随" in client.get("/assessment/").get_data(as_text=True)


def test_points_from_the_released_results_are_signed_countersigned_and_exported(
    client, login_as, db, panel
):
    login_as(Role.STATISTICS)
    early = client.post("/office/assessment/compute")
    assert early.status_code == 409 and "评议结果发布后" in early.get_data(as_text=True)
    assert db.session.execute(select(PointsRun)).first() is None

    released = _release(client, login_as, db)
    login_as(Role.STATISTICS)
    assert client.post("/office/assessment/compute").status_code == 302
    run = db.session.execute(select(PointsRun)).scalar_one()
    assert run.state == "draft" and run.plan.version == 1  # the defaults, saved as version 1
    figures = figures_of(released)
    page = client.get(f"/office/assessment/runs/{run.id}").get_data(as_text=True)
    assert "非定稿" in page and "市C局" in page

    # Each department's evaluation points follow its band in its own group (defaults: 100
    # points, 70% evaluation; above 1.0, within 0.9, below 0.75).
    shares = {"above": 1.0, "within": 0.9, "below": 0.75, None: 0.9}
    login_as(Role.SUPERVISION)
    assert client.post(f"/office/assessment/runs/{run.id}/countersign").status_code == 409
    login_as(Role.STATISTICS)
    assert client.post(f"/office/assessment/runs/{run.id}/sign").status_code == 302
    login_as(Role.SUPERVISION)
    assert client.post(f"/office/assessment/runs/{run.id}/countersign").status_code == 302
    db.session.expire_all()
    assert db.session.get(PointsRun, run.id).state == "final"

    exported = client.get(f"/office/assessment/runs/{run.id}/export.csv")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["组别", "代码", "部门"] and "非定稿" not in rows[0][0]
    by_code = {row[1]: row for row in rows[1:]}
    for department in figures.all_departments():
        row = by_code[department.code]
        assert float(row[5]) == pytest.approx(70 * shares[department.band])
        assert float(row[-1]) == pytest.approx(sum(float(row[i]) for i in (5, 7, 9, 11)))
    assert figures.department("C").band == "below" and by_code["C"][5] == "52.50"
    assert by_code["B"][6] == "1/1"  # B answered its one due suggestion on time
    workbook = client.get(f"/office/assessment/runs/{run.id}/export.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"

    login_as(Role.STATISTICS)
    refused = client.post("/office/assessment/compute")
    assert refused.status_code == 409 and "已会签定稿" in refused.get_data(as_text=True)
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"assessment.plan", "assessment.compute", "assessment.sign"} <= actions
    assert "assessment.countersign" in actions
    assert client.get(f"/office/assessment/runs/{run.id}/export.pdf").status_code == 404

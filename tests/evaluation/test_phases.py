"""The campaign moves through its phases forward one step at a time; going back is audited."""

import pytest

from evaluation.campaign.models import Campaign, Phase
from evaluation.campaign.services import move_phase
from evaluation.core.errors import Refused
from evaluation.core.models import AuditEvent, Role
from tests.conftest import assert_form_reshown


def _phase(db) -> str:
    db.session.expire_all()
    return db.session.query(Campaign).one().phase


def test_admin_moves_the_campaign_one_phase_forward_audited(client, factory, login_as, db):
    factory.campaign(phase=Phase.PREPARATION)
    admin = login_as(Role.ADMIN)
    response = client.post("/office/campaign/phase", data={"target": "reporting"})
    assert response.status_code == 302
    assert _phase(db) == "reporting"
    event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert (event.actor, event.action) == (admin.username, "campaign.phase")
    assert '"from":"preparation"' in event.detail and '"to":"reporting"' in event.detail


def test_skipping_a_phase_is_refused_and_changes_nothing(client, factory, login_as, db):
    factory.campaign(phase=Phase.PREPARATION)
    login_as(Role.ADMIN)
    events_before = db.session.query(AuditEvent).count()
    response = client.post("/office/campaign/phase", data={"target": "handling"})
    assert response.status_code == 409
    assert "不能跳过" in response.get_data(as_text=True)
    assert _phase(db) == "preparation"
    assert db.session.query(AuditEvent).count() == events_before


def test_going_back_needs_a_reason_and_is_audited_as_a_reopen(client, factory, login_as, db):
    factory.campaign(phase=Phase.HANDLING)
    login_as(Role.ADMIN)
    refused = client.post("/office/campaign/phase", data={"target": "reporting", "reason": " "})
    assert refused.status_code == 400
    assert "必须填写原因" in refused.get_data(as_text=True)
    assert _phase(db) == "handling"
    accepted = client.post(
        "/office/campaign/phase", data={"target": "reporting", "reason": "补录纸质票"}
    )
    assert accepted.status_code == 302
    assert _phase(db) == "reporting"
    event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert event.action == "campaign.reopen" and "补录纸质票" in event.detail


def test_moving_to_the_current_phase_is_refused(app, factory, db):
    campaign = factory.campaign(phase=Phase.REPORTING)
    with pytest.raises(Refused):
        move_phase(db.session, campaign, Phase.REPORTING, "admin")


def test_an_unknown_phase_is_refused_with_a_clear_message(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.ADMIN)
    response = client.post("/office/campaign/phase", data={"target": "voting"})
    assert_form_reshown(response, "请选择有效的阶段", status=400)
    assert _phase(db) == "preparation"


def test_going_back_without_a_reason_shows_the_form_again(client, factory, login_as, db):
    factory.campaign(phase=Phase.REPORTING)
    login_as(Role.ADMIN)
    response = client.post("/office/campaign/phase", data={"target": "preparation", "reason": " "})
    assert_form_reshown(
        response, "退回到之前的阶段必须填写原因", ('<option selected value="preparation">',)
    )
    assert _phase(db) == "reporting"


def test_only_the_admin_moves_phases(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.STATISTICS)
    assert client.post("/office/campaign/phase", data={"target": "reporting"}).status_code == 403
    assert _phase(db) == "preparation"


def test_the_command_line_moves_phases_audited_as_the_command_line(runner, factory, db):
    factory.campaign()
    db.session.commit()
    result = runner.invoke(args=["campaign", "phase", "reporting"])
    assert result.exit_code == 0, result.output
    assert _phase(db) == "reporting"
    event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert event.actor.startswith("命令行:")
    back = runner.invoke(args=["campaign", "phase", "preparation"])
    assert back.exit_code == 1 and "原因" in back.output
    assert _phase(db) == "reporting"
    reopened = runner.invoke(args=["campaign", "phase", "preparation", "--reason", "重新导入部门"])
    assert reopened.exit_code == 0
    assert _phase(db) == "preparation"

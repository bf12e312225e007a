"""One request, one transaction: a refusal changes nothing, success is committed before the
answer leaves, GET never writes; a command commits once or not at all."""

import pytest

from analysis.models import ScoringScheme
from evaluation.campaign.models import Campaign, Phase
from evaluation.core import audit
from evaluation.core.errors import Refused
from evaluation.core.extensions import db as _db
from evaluation.core.models import AuditEvent, Role
from evaluation.core.unit_of_work import ReadOnlyRequestWrote
from suggestions.selection_models import Selection


@pytest.fixture
def boundary_app(make_app):
    """The real app with three extra routes that write and then answer as a view might."""
    app = make_app()

    def write(then: str):
        audit.record(_db.session, "test", "campaign.update", "uow")
        if then == "refuse":
            raise Refused("拒绝")
        return "ok"

    app.add_url_rule("/t/get", "t_get", lambda: write("ok"), methods=["GET"])
    app.add_url_rule("/t/post/<then>", "t_post", write, methods=["POST"])
    return app


def _events(app) -> int:
    with app.app_context():
        return _db.session.query(AuditEvent).count()


def test_a_successful_post_is_committed_before_its_answer(boundary_app):
    client = boundary_app.test_client()
    assert client.post("/t/post/ok").status_code == 200
    assert _events(boundary_app) == 1


def test_a_refused_post_keeps_nothing_it_wrote_before_the_refusal(boundary_app):
    client = boundary_app.test_client()
    response = client.post("/t/post/refuse")
    assert response.status_code == 400 and "拒绝" in response.get_data(as_text=True)
    assert _events(boundary_app) == 0


def test_a_get_that_writes_is_an_error_and_keeps_nothing(boundary_app):
    client = boundary_app.test_client()
    with pytest.raises(ReadOnlyRequestWrote):
        client.get("/t/get")
    assert _events(boundary_app) == 0


def test_reading_the_results_office_stores_no_default_scheme(client, factory, login_as, db):
    factory.campaign()
    login_as(Role.STATISTICS)
    page = client.get("/office/results/")
    assert page.status_code == 200 and "100.0" in page.get_data(as_text=True)  # the defaults
    assert db.session.query(ScoringScheme).count() == 0


def test_a_selection_round_is_stored_with_its_first_nomination_not_when_read(
    client, factory, login_as, db
):
    campaign = factory.campaign(phase=Phase.REPORTING)
    unit = factory.department(campaign, "A", factory.group(campaign))
    db.session.commit()
    login_as(Role.ADMIN)
    assert client.get("/office/suggestions/selection/unit").status_code == 200
    assert db.session.query(Selection).count() == 0
    response = client.post("/office/suggestions/selection/unit/nominees", data={"unit": unit.id})
    assert response.status_code == 302
    assert db.session.query(Selection).count() == 1


def test_a_refused_command_changes_nothing_and_exits_non_zero(runner, factory, db):
    factory.campaign(phase=Phase.REPORTING)
    db.session.commit()
    before = db.session.query(AuditEvent).count()
    result = runner.invoke(args=["campaign", "phase", "preparation"])  # back, with no reason
    assert result.exit_code == 1 and "必须填写原因" in result.output
    db.session.expire_all()
    assert db.session.query(Campaign).one().phase == Phase.REPORTING
    assert db.session.query(AuditEvent).count() == before

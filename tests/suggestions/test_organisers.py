"""Outstanding organising units (优秀组织单位): departments and district governments both
nominated, scored blind by the reviewers' panel like the other selections, finalised."""

from sqlalchemy import select

from evaluation.campaign.models import Phase, VenueKind
from evaluation.core.models import Role
from suggestions import selection as selections
from suggestions.selection_models import Nominee, NomineeKind
from tests.conftest import assert_form_reshown

PAGE = "/office/suggestions/selection/organiser"


def test_departments_and_district_governments_are_nominated_scored_and_selected(
    client, login_as, db, factory
):
    campaign = factory.campaign(phase=Phase.HANDLING)
    group = factory.group(campaign, 1)
    unit = factory.department(campaign, "A", group)
    venue = factory.venue(campaign, "市南区分会场", VenueKind.DISTRICT, 200)
    venue.district = "市南区"
    db.session.commit()

    login_as(Role.ADMIN)
    page = client.get(PAGE).get_data(as_text=True)
    assert "优秀组织单位评选" in page and "市南区人民政府" in page  # offered with the departments
    assert client.post(f"{PAGE}/nominees", data={"unit": str(unit.id)}).status_code == 302
    assert client.post(f"{PAGE}/nominees", data={"unit": "district:市南区"}).status_code == 302
    stranger = client.post(f"{PAGE}/nominees", data={"unit": "district:火星区"})
    assert_form_reshown(stranger, "请选择要提名的单位", status=400)
    twice = client.post(f"{PAGE}/nominees", data={"unit": "district:市南区"})
    assert_form_reshown(twice, "已经提名过了", status=409)
    nominees = db.session.execute(select(Nominee)).scalars().all()
    assert [n.name for n in nominees] == ["市A局", "市南区人民政府"]

    for marks in (
        {"organisation": "9", "attendance": "8", "follow_through": "9"},
        {"organisation": "7", "attendance": "9", "follow_through": "8"},
    ):
        login_as(Role.REVIEWER)
        for nominee in nominees:
            posted = client.post(f"{PAGE}/nominees/{nominee.id}/score", data=marks)
            assert posted.status_code == 302
    bad = client.post(f"{PAGE}/nominees/{nominees[0].id}/score", data={"organisation": "11"})
    assert bad.status_code == 400

    login_as(Role.ADMIN)
    assert client.post(f"{PAGE}/close").status_code == 302
    assert client.post(f"{PAGE}/finalise", data={"top_n": "2"}).status_code == 302
    chosen = selections.outstanding(db.session, campaign, NomineeKind.ORGANISER)
    assert sorted(r.nominee.name for r in chosen) == ["市A局", "市南区人民政府"]
    assert "市南区人民政府" in client.get(PAGE).get_data(as_text=True)

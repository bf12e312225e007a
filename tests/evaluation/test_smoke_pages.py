"""The public home page and the health check."""

from evaluation.campaign.models import Phase


def test_home_page_without_a_campaign_says_so_in_chinese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "本年度活动尚未发布" in response.get_data(as_text=True)


def test_home_page_lists_groups_departments_meeting_slots_and_venues(client, factory, db):
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    factory.department(campaign, "A", group)
    factory.department(campaign, "B", group)
    factory.department(campaign, "R")  # internal
    factory.meeting(group)
    factory.venue(campaign)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert campaign.title in page
    assert "述职评议阶段" in page
    assert "市A局" in page and "市B局" in page
    assert "08:30" in page and "08:40" in page  # B reports in the second 10-minute slot
    assert "2026年11月24日" in page
    assert "内部述职评议部门" in page and "市R局" in page
    assert "市级主会场" in page


def test_healthz_answers_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "ok"

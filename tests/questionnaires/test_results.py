"""Results: counts per venue add up, intervals, release with the evaluation, exports, the API."""

from __future__ import annotations

import csv
import io
import random

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from analysis.models import ResultRun
from ballots.cards import issue_cards
from ballots.casting import cast_ballot
from ballots.lifecycle import move_box
from ballots.models import BallotBox, BoxState
from evaluation.campaign.models import Phase
from evaluation.core.models import Role
from questionnaires import answering, results, services
from questionnaires.models import QuestionKind, QuestionnaireKind, QuestionnaireState
from questionnaires.results import questionnaire_figures
from suggestions.models import Channel, Suggestion
from tests.conftest import assert_api_keeps_its_promise, seal

VENUES = ("市级主会场", "市南区分会场", "市北区分会场")


class FormFromSeed(dict):
    """A random valid answer form: every question answered, optional ones sometimes not."""

    def __init__(self, questionnaire, rng: random.Random) -> None:
        super().__init__()
        for q in questionnaire.questions:
            if not q.required and rng.random() < 0.3:
                continue
            if q.kind == QuestionKind.SINGLE:
                self[f"q{q.id}"] = str(rng.randrange(len(q.options)))
            elif q.kind == QuestionKind.MULTIPLE:
                self[f"q{q.id}"] = [
                    str(i) for i in rng.sample(range(len(q.options)), rng.randint(1, q.max_choices))
                ]
            elif q.kind == QuestionKind.SCALE:
                self[f"q{q.id}"] = str(rng.randint(1, 5))
            elif q.kind == QuestionKind.MATRIX:
                self.update({f"q{q.id}_{i}": str(rng.randint(2, 5)) for i in range(len(q.items))})
            else:
                self[f"q{q.id}"] = rng.choice(
                    ["建议多建几个公共停车场。", "希望公交车再准点一些，少等车。"]
                )

    def getlist(self, name):
        value = self.get(name, [])
        return value if isinstance(value, list) else [value]


@pytest.fixture
def answered(factory, db):
    """Three venues; 30 ballots each, two thirds answer both questionnaires; all sealed."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    departments = [factory.department(campaign, code, group) for code in ("A", "B")]
    meeting = factory.meeting(group)
    made = [
        services.create_questionnaire(db.session, campaign, kind, "", "admin", use_preset=True)
        for kind in (QuestionnaireKind.SOCIAL, QuestionnaireKind.CONDUCT)
    ]
    for q in made:
        services.move_questionnaire(db.session, q, QuestionnaireState.OPEN, "admin")
    rng = random.Random(7)
    boxes = []
    for name in VENUES:
        box = BallotBox(campaign=campaign, meeting=meeting, venue=factory.venue(campaign, name))
        db.session.add(box)
        db.session.flush()
        move_box(db.session, box, BoxState.OPEN, None)
        for i, card in enumerate(issue_cards(db.session, box, 30, "t")):
            cast_ballot(db.session, card.token, {d.id: "satisfied" for d in departments})
            if i % 3:
                link = answering.read_pass("k", answering.make_pass("k", box.id))
                for q in made:
                    answering.submit_response(db.session, q, FormFromSeed(q, rng), link)
        boxes.append(box)
    db.session.commit()
    return campaign, boxes, made


def _seal(db, boxes):
    for box in boxes:
        move_box(db.session, box, BoxState.CLOSED, None)
        seal(db.session, box)
    db.session.commit()


def _figures(db, campaign):
    return questionnaire_figures(db.session, campaign, seed=11, resamples=500, confidence=0.95)


def test_nothing_counts_before_a_box_is_sealed(db, answered):
    campaign, boxes, _made = answered
    _seal(db, boxes[:1])
    figures = _figures(db, campaign)
    assert [f.respondents.total for f in figures] == [20, 20]
    assert [v.venue for v in figures[0].respondents.venues] == [VENUES[0]]


def test_per_venue_counts_add_up_to_the_total_for_every_question(db, answered):
    campaign, boxes, _made = answered
    _seal(db, boxes)
    for figures in _figures(db, campaign):
        assert figures.respondents.total == 60
        assert [v.respondents for v in figures.respondents.venues] == [20, 20, 20]
        for section in figures.sections:
            for q in section.questions:
                total, venues = q.total, q.venues
                assert total.answered == sum(v.answered for v in venues)
                assert total.answered <= total.respondents
                if q.kind in ("single", "multiple", "scale"):
                    for k, count in enumerate(total.counts):
                        assert count == sum(v.counts[k] for v in venues)
                if q.kind in ("single", "scale"):
                    assert sum(total.counts) == total.answered
                if q.kind == "multiple":
                    assert total.answered <= sum(total.counts) <= 3 * total.answered
                if q.kind == "matrix":
                    for i, row in enumerate(total.rows):
                        assert row.counts == [
                            sum(v.rows[i].counts[p] for v in venues) for p in range(5)
                        ]
                        assert sum(row.counts) == row.answered


def test_shares_carry_wilson_intervals_and_means_reproducible_bootstrap_intervals(db, answered):
    campaign, boxes, _made = answered
    _seal(db, boxes)
    first, again = _figures(db, campaign), _figures(db, campaign)
    assert first == again  # seeded: a rerun gives identical figures
    questions = [q for s in first[0].sections for q in s.questions]
    single = next(q for q in questions if q.kind == "single")
    n = single.total.answered
    for count, share, (low, high) in zip(
        single.total.counts,
        single.total.shares,
        single.total.share_cis,
        strict=True,
    ):
        assert share == pytest.approx(count / n)
        assert low <= share <= high
    scale = next(q for q in questions if q.kind == "scale")
    low, high = scale.total.mean_ci
    counts = scale.total.counts
    mean = sum((p + 1) * c for p, c in enumerate(counts)) / sum(counts)
    assert scale.total.mean == pytest.approx(mean)
    assert low < mean < high and high - low < 1.5


def test_the_bootstrap_interval_of_a_mean_covers_the_truth_at_about_the_promised_rate():
    from collections import Counter

    import numpy as np

    from questionnaires.results import _scale

    truth = np.array([0.05, 0.1, 0.25, 0.35, 0.25])
    true_mean = float(truth @ np.arange(1, 6))
    rng = np.random.default_rng(3)
    covered = 0
    for trial in range(400):
        sample = rng.choice(np.arange(1, 6), size=80, p=truth)
        counts = Counter({("s", 1, 0, int(p)): int((sample == p).sum()) for p in range(1, 6)})
        low, high = _scale("s", 1, 0, 80, counts, np.random.default_rng(trial), 1000, 0.95)[
            "mean_ci"
        ]
        covered += low <= true_mean <= high
    assert 0.90 <= covered / 400 <= 0.99


def _release(client, login_as, db):
    login_as(Role.STATISTICS)
    response = client.post("/office/results/tally")
    assert response.status_code == 302, response.get_data(as_text=True)
    run = db.session.execute(select(ResultRun).order_by(ResultRun.id.desc())).scalar()
    client.post(f"/office/results/{run.id}/sign")
    login_as(Role.SUPERVISION)
    client.post(f"/office/results/{run.id}/countersign")
    login_as(Role.ADMIN)
    client.post(f"/office/results/{run.id}/release", data={"typed": str(run.campaign.year)})
    db.session.expire_all()
    return run


def test_results_are_released_with_the_evaluation_and_show_the_same_numbers_everywhere(
    client, db, login_as, answered
):
    campaign, boxes, made = answered
    _seal(db, boxes)
    social = made[0]
    assert client.get(f"/results/questionnaires/{social.id}").status_code == 404
    assert client.get("/api/v1/questionnaires").status_code == 404
    run = _release(client, login_as, db)
    assert run.state == "released"
    client.post("/logout")

    listing = client.get("/api/v1/questionnaires").get_json()
    assert [q["title"] for q in listing["questionnaires"]] == ["社情民意调查问卷", "政风行风问卷"]
    api = client.get(f"/api/v1/questionnaires/{social.id}").get_json()
    assert api["respondents"]["total"] == 60
    assert_api_keeps_its_promise(client, "/api/v1/questionnaires", listing)
    assert_api_keeps_its_promise(client, "/api/v1/questionnaires/{questionnaire_id}", api)
    assert client.get("/api/v1/questionnaires/999999").status_code == 404

    page = client.get(f"/results/questionnaires/{social.id}").get_data(as_text=True)
    single = next(q for s in api["sections"] for q in s["questions"] if q["kind"] == "single")
    assert single["text"] in page
    assert all(v in page for v in VENUES)
    assert "<svg" in page  # the matrix heat map
    assert "公共停车场" not in page  # free text is never published
    assert social.title in client.get("/results/").get_data(as_text=True)

    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/results/questionnaires/{social.id}/export.csv").data.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    per_venue = [r for r in rows if r["题目"] == single["text"] and r["范围"] in VENUES]
    assert sum(int(r["选择人数"]) for r in per_venue) == sum(single["total"]["counts"])

    book = load_workbook(io.BytesIO(client.get("/results/export.xlsx").data))
    sheet = book["问卷1 社情民意调查问卷"]
    header = [c.value for c in sheet[1]]
    rows = sheet.iter_rows(min_row=2)
    values = [dict(zip(header, [c.value for c in row], strict=True)) for row in rows]
    first_option = [
        r for r in values if r["题目"] == single["text"] and r["选项"] == single["options"][0]
    ]
    assert {r["范围"]: r["选择人数"] for r in first_option} == {
        "全部会场": single["total"]["counts"][0],
        **{v: single["venues"][i]["counts"][0] for i, v in enumerate(VENUES)},
    }
    assert sheet.cell(2, header.index("占比") + 1).number_format == "0.00%"
    audit = {row[0].value: row[1].value for row in book["审计"].iter_rows(min_row=2)}
    assert audit["问卷答卷记录哈希 社情民意调查问卷（第 1 版）"] == api["records_hash"]


def test_the_tally_waits_while_a_questionnaire_still_collects_online(
    client, db, login_as, answered
):
    campaign, boxes, made = answered
    _seal(db, boxes)
    services.set_online(db.session, made[0], True, "admin")
    db.session.commit()
    login_as(Role.STATISTICS)
    response = client.post("/office/results/tally")
    assert response.status_code == 409
    assert "仍在网上收集答卷" in response.get_data(as_text=True)
    assert db.session.execute(select(ResultRun)).first() is None


def test_online_responses_are_reported_apart_from_the_venues(client, db, answered):
    campaign, boxes, made = answered
    _seal(db, boxes)
    services.set_online(db.session, made[0], True, "admin")
    db.session.commit()
    form = FormFromSeed(made[0], random.Random(1))
    client.post(f"/questionnaires/{made[0].id}", data=form)
    figures = _figures(db, campaign)[0]
    assert figures.respondents.online == 1
    assert figures.respondents.total == 60
    assert all(q.online.respondents == 1 for q in figures.questions)


def test_free_text_is_listed_for_the_office_only_from_closed_boxes_and_routes_once(
    client, db, login_as, answered
):
    campaign, boxes, made = answered
    social = made[0]
    login_as(Role.ADMIN)
    url = f"/office/questionnaires/{social.id}/texts"
    assert "公共停车场" not in client.get(url).get_data(as_text=True)  # boxes still open
    _seal(db, boxes[:1])
    page = client.get(url).get_data(as_text=True)
    assert "公共停车场" in page or "公交车再准点" in page
    found = client.get(url, query_string={"q": "停车"}).get_data(as_text=True)
    assert "公交车再准点" not in found
    text_id = answering.readable_text_answers(db.session, social)[0][0].id
    assert client.post(f"{url}/{text_id}/route").status_code == 302
    suggestion = db.session.execute(select(Suggestion)).scalar_one()
    assert suggestion.channel == Channel.SURVEY
    assert (suggestion.author_name, suggestion.author_phone) == (None, None)
    assert suggestion.venue_id == boxes[0].venue_id
    again = client.post(f"{url}/{text_id}/route")
    assert again.status_code == 409
    assert len(db.session.execute(select(Suggestion)).all()) == 1
    login_as(Role.STATISTICS)
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/{text_id}/route").status_code == 403


def _download_records(client, campaign, boxes, made, folder):
    for box in boxes:
        (folder / f"box-{box.id}-records.csv").write_bytes(
            client.get(f"/boxes/{box.id}/records.csv").data
        )
    for q in made:
        (folder / f"questionnaire-{q.id}-records.csv").write_bytes(
            client.get(f"/results/questionnaires/{q.id}/records.csv").data
        )


def test_anyone_recomputes_the_released_figures_from_the_published_response_records(
    client, db, login_as, answered, runner, tmp_path
):
    campaign, boxes, made = answered
    _seal(db, boxes)
    assert client.get(f"/results/questionnaires/{made[0].id}/records.csv").status_code == 404
    _release(client, login_as, db)
    client.post("/logout")
    text = client.get(f"/results/questionnaires/{made[0].id}/records.csv").data.decode()
    header, *lines = text.splitlines()
    assert header.startswith("source,venue,Q1,Q2,Q3,Q4,Q5.1")
    assert len(lines) == 60
    assert "停车" not in text  # what was written is not published
    released = client.get(f"/api/v1/questionnaires/{made[0].id}").get_json()
    assert released["records_hash"] == results.records_fingerprint(text)

    _download_records(client, campaign, boxes, made, tmp_path)
    result = runner.invoke(args=["results", "verify", "--records", str(tmp_path)])
    assert result.exit_code == 0, result.output

    # One answer changed in a downloaded copy: verify names the questionnaire's figures.
    path = tmp_path / f"questionnaire-{made[0].id}-records.csv"
    header, first, *rest = path.read_text().splitlines()
    cells = first.split(",")
    cells[2] = "1" if cells[2] != "1" else "2"  # Q1, a scale
    path.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    result = runner.invoke(args=["results", "verify", "--records", str(tmp_path)])
    assert result.exit_code == 1
    assert "/questionnaires[0]" in result.output

    cells[2] = "9"  # not an answer at all
    path.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    result = runner.invoke(args=["results", "verify", "--records", str(tmp_path)])
    assert result.exit_code != 0 and "记录文件无法读取" in result.output


def test_a_text_too_short_for_a_suggestion_is_refused_and_nothing_changes(
    client, db, login_as, answered
):
    campaign, boxes, made = answered
    _seal(db, boxes)
    text = answering.readable_text_answers(db.session, made[0])[0][0]
    text.text = "好"
    db.session.commit()
    login_as(Role.ADMIN)
    response = client.post(f"/office/questionnaires/{made[0].id}/texts/{text.id}/route")
    assert response.status_code == 400
    assert "内容太短" in response.get_data(as_text=True)
    assert db.session.execute(select(Suggestion)).first() is None
    db.session.expire_all()
    assert text.suggestion_id is None


def test_the_office_reads_free_text_a_page_at_a_time(client, db, login_as, answered, monkeypatch):
    campaign, boxes, made = answered
    _seal(db, boxes)
    texts = answering.readable_text_answers(db.session, made[0])
    monkeypatch.setattr("questionnaires.views.office.TEXTS_PAGE_SIZE", 10)
    assert len(texts) > 20
    login_as(Role.STATISTICS)
    url = f"/office/questionnaires/{made[0].id}/texts"
    first = client.get(url).get_data(as_text=True)
    assert first.count('class="card text-answer"') == 10
    assert f"共 {len(texts)} 条" in first and "下一页" in first
    last_page = -(-len(texts) // 10)
    last = client.get(url, query_string={"page": 999}).get_data(as_text=True)  # clamped
    assert last.count('class="card text-answer"') == len(texts) - 10 * (last_page - 1)
    assert "上一页" in last and "下一页" not in last

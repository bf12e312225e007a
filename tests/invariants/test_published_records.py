"""Invariant: the published records prove the count but cannot prove a vote.

The attacker is a department that paid a representative to cast an agreed pattern and reads
every public file to check it; or anyone who wants a group's results before sign-off.
"""

import csv
import hashlib
import io

import pytest

from analysis.services import verify
from ballots.publication import MIN_PUBLISHED, canonical_records
from evaluation.campaign.models import Phase
from tests.analysis.test_results import _release

FILLER = ("satisfied", "basically_satisfied", "satisfied")
# The agreed pattern and another voter's ballot, against the same two people voting otherwise:
# every department's column holds the same ratings either way.
OBEYED = [("satisfied", "dissatisfied", "unknown"), ("dissatisfied", "unknown", "satisfied")]
DISOBEYED = [("satisfied", "unknown", "satisfied"), ("dissatisfied", "dissatisfied", "unknown")]


@pytest.fixture
def two_boxes(factory, db):
    """One meeting, three departments: a box where the bribed voter obeyed, one where they did
    not (12 ballots each), a box of MIN_PUBLISHED ballots and one of 3; all sealed."""
    campaign = factory.campaign(phase=Phase.REPORTING)
    group = factory.group(campaign, 1)
    for code in ("A", "B", "C"):
        factory.department(campaign, code, group)
    meeting = factory.meeting(group)
    boxes = [
        factory.sealed_box(meeting, name, [list(FILLER)] * filler + [list(p) for p in special])
        for name, special, filler in (
            ("市级主会场", OBEYED, 10),
            ("市南区分会场", DISOBEYED, 10),
            ("崂山区分会场", [], MIN_PUBLISHED),
            ("黄岛区分会场", [], 3),
        )
    ]
    return campaign, boxes


def _lines(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_nobody_reads_the_records_or_the_salt_before_the_release(client, two_boxes):
    _campaign, boxes = two_boxes
    for box in boxes:
        refused = client.get(f"/boxes/{box.id}/records.csv")
        assert refused.status_code == 409 and "发布后" in refused.get_data(as_text=True)
    api = client.get("/api/v1/boxes").get_json()["boxes"]
    assert all(b["sealed"]["records"] is None and b["sealed"]["tally_salt"] is None for b in api)


def test_the_records_cannot_tell_an_obeyed_bribe_from_a_refused_one(
    client, login_as, db, two_boxes
):
    campaign, boxes = two_boxes
    _release(client, login_as, db)
    client.post("/logout")
    api = {b["id"]: b["sealed"] for b in client.get("/api/v1/boxes").get_json()["boxes"]}
    obeyed, refused = (
        client.get(api[box.id]["records"]).get_data(as_text=True) for box in boxes[:2]
    )
    # No channel column, and every column is shuffled on its own: the two boxes' files are the
    # same up to shuffling, so what the bribed voter did cannot be read from them.
    assert _lines(obeyed)[0] == ["A", "B", "C"]
    assert canonical_records(obeyed) == canonical_records(refused)
    # The hash on the closing minutes checks out with the salt released for each such box.
    for box, text in zip(boxes[:2], (obeyed, refused), strict=True):
        salt = api[box.id]["tally_salt"]
        digest = hashlib.sha256(f"{salt}\n{canonical_records(text)}".encode()).hexdigest()
        assert digest == api[box.id]["tally_hash"]
    # Downloads are shuffled afresh: a line is not a ballot, so a pattern seen is no proof.
    lines = {
        tuple(line)
        for _ in range(40)
        for line in _lines(client.get(api[boxes[0].id]["records"]).get_data(as_text=True))[1:]
    }
    assert len(lines) > 3  # far more combinations than the 3 whole ballots kinds cast there
    assert verify(db.session, campaign) == []


def test_a_box_too_small_to_hide_a_ballot_is_published_with_its_meeting(
    client, login_as, db, two_boxes
):
    _campaign, boxes = two_boxes
    _release(client, login_as, db)
    api = {b["id"]: b["sealed"] for b in client.get("/api/v1/boxes").get_json()["boxes"]}
    small = api[boxes[3].id]
    assert MIN_PUBLISHED > 3
    # Its three ballots go with the meeting's smallest box of at least MIN_PUBLISHED ballots.
    assert small["records_boxes"] == [boxes[2].id, boxes[3].id]
    assert small["records"] == api[boxes[2].id]["records"] == f"/boxes/{boxes[2].id}/records.csv"
    assert small["tally_salt"] is None and api[boxes[2].id]["tally_salt"] is None
    assert api[boxes[1].id]["records_boxes"] == [boxes[1].id]
    merged = _lines(client.get(f"/boxes/{boxes[3].id}/records.csv").get_data(as_text=True))
    assert len(merged) == 1 + MIN_PUBLISHED + 3
    page = client.get("/boxes/").get_data(as_text=True)
    assert "合并公开" in page

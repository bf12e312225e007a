"""The work summary (工作总结): nothing typed twice — every figure on the page and in the PDF
equals the released results, the boxes' manifests and the suggestions' board."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from analysis.computation import figures_of
from assessment.summary import work_summary
from ballots.boxes import boxes_of
from ballots.manifest import manifests
from suggestions.board import summary
from tests.analysis.test_results import _release
from tests.assessment.test_points import panel  # noqa: F401  (the fixture)


def test_the_summary_is_made_of_the_released_figures(client, login_as, db, panel):  # noqa: F811
    assert client.get("/assessment/summary").status_code == 404  # nothing released yet
    run = _release(client, login_as, db)
    figures = figures_of(run)
    s = work_summary(db.session, panel)
    assert [(g.name, g.ballots, g.issued) for g in s.groups] == [
        (g.name, g.ballots, g.issued) for g in figures.groups
    ]
    for line, group in zip(s.groups, figures.groups, strict=True):
        bands = [d.band or "unranked" for d in group.departments]
        assert (line.above, line.within, line.below, line.unranked) == tuple(
            bands.count(b) for b in ("above", "within", "below", "unranked")
        )
        assert line.paper == group.departments[0].paper
    boxes = manifests(db.session, boxes_of(db.session, panel))
    assert sorted(v.ballots for v in s.venues) == sorted(m.ballots for m in boxes.values())
    assert s.ballots == sum(m.ballots for m in boxes.values()) == 160
    assert s.suggestions == summary(db.session, panel)["total"]["all"] == 1
    assert (s.answered, s.on_time) == (1, 1)

    page = client.get("/assessment/summary").get_data(as_text=True)
    assert "工作总结" in page and "共收回评议票 160 张" in page
    pdf = client.get("/assessment/summary.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    assert "工作总结" in text and "共收回评议票 160 张" in text.replace(" ", " ")

"""Print runs as PDF: every card of a meeting decodes to its own voting URL, and the paper
ballot form lists the group's departments; both on A4."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from sqlalchemy import select

from ballots.cards import hash_secret
from ballots.models import VotingToken

A4_POINTS = (595.2756, 841.8898)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (Debian's poppler-utils) is not installed"
)


def _pages(pdf: Path, tmp_path: Path) -> list[np.ndarray]:
    """The PDF's pages as grey images (pdftoppm writes PGM: a short header, then bytes)."""
    subprocess.run(["pdftoppm", "-gray", "-r", "150", str(pdf), str(tmp_path / "page")], check=True)
    images = []
    for path in sorted(tmp_path.glob("page-*.pgm")):
        data = path.read_bytes()
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", data)
        width, height = int(header[1]), int(header[2])
        pixels = np.frombuffer(data, np.uint8, width * height, header.end())
        images.append(pixels.reshape(height, width))
    return images


def _a4(pdf: bytes) -> bool:
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return bool(boxes) and all(
        abs(float(w) - A4_POINTS[0]) < 1 and abs(float(h) - A4_POINTS[1]) < 1 for w, h in boxes
    )


@needs_poppler
def test_every_card_of_a_meeting_decodes_to_its_own_voting_url(runner, db, meeting, tmp_path):
    out = tmp_path / "cards.pdf"
    result = runner.invoke(
        args=[
            "cards",
            "pdf",
            "--meeting",
            "1",
            "--out",
            str(out),
            "--base-url",
            "https://pj.example.cn",
        ]
    )
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert _a4(pdf)
    pages = _pages(out, tmp_path)
    # Each box: a cover sheet, then ten cards a page (9 seats and a spare: one page; 4 and
    # a spare: one page).
    assert len(pages) == (1 + 1) + (1 + 1)
    found = [r.text for page in pages for r in zxingcpp.read_barcodes(page)]
    assert len(found) == len(set(found)) == 10 + 5
    assert all(url.startswith("https://pj.example.cn/v/") for url in found)
    stored = set(db.session.execute(select(VotingToken.token_hash)).scalars())
    assert {hash_secret(url.rsplit("/", 1)[1]) for url in found} == stored
    again = runner.invoke(args=["cards", "pdf", "--meeting", "1", "--out", str(out)])
    assert again.exit_code == 1 and "已经全部印制" in again.output


@needs_poppler
def test_the_paper_ballot_form_lists_the_groups_departments(runner, meeting, tmp_path):
    out = tmp_path / "form.pdf"
    result = runner.invoke(args=["ballots", "paper-form", "--meeting", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _a4(out.read_bytes())
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "评议卡短码" in text
    assert text.index("市A局") < text.index("市B局") < text.index("市C局")
    for answer in ("1 满意", "2 基本满意", "3 不满意", "4 不了解"):
        assert answer in text


def test_a_meeting_without_boxes_is_refused(runner, db, meeting, tmp_path):
    result = runner.invoke(
        args=["cards", "pdf", "--meeting", "7", "--out", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1 and "没有投票箱" in result.output

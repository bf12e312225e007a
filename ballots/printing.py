"""Print runs of the ballots room as PDF (`evaluation.core.pdf`).

Voting cards: a cover sheet per box with its figures, then ten cards a page, each with the
meeting, the venue, the voting QR code and the short code, with cut marks. The paper ballot
form of a group: its departments in reporting order and the four answers numbered 1–4, as
the double-entry screen takes them. The raw card tokens exist only in the run that issues
them (`ballots.cards`), so a card PDF is made in the same run.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ballots.cards import Card, format_short_code
from evaluation.core.pdf import FONT, PRINTABLE, draw_qr

CARD_W, CARD_H = 90 * mm, 54 * mm

COLUMNS, ROWS = 2, 5  # ten cards an A4 page
QR_SIDE = 40 * mm  # about 1.2 mm a module: read at arm's length by any phone
ANSWERS = ("满意", "基本满意", "不满意", "不了解")  # in the ballot's order: digits 1–4


@dataclass(frozen=True)
class PrintRun:
    """One box's part of a print run."""

    title: str  # 第1组 经济发展组 · 市级主会场
    meeting: str  # 2026年11月24日 星期二 8:30
    figures: Sequence[tuple[str, object]]  # its cover sheet: label, value
    cards: Sequence[Card]


def _cut_marks(canvas: Canvas, x0: float, y0: float) -> None:
    canvas.setLineWidth(0.3)
    xs = [x0 + c * CARD_W for c in range(COLUMNS + 1)]
    ys = [y0 + r * CARD_H for r in range(ROWS + 1)]
    for x in xs:
        canvas.line(x, y0 - 8 * mm, x, y0 - 3 * mm)
        canvas.line(x, ys[-1] + 3 * mm, x, ys[-1] + 8 * mm)
    for y in ys:
        canvas.line(x0 - 8 * mm, y, x0 - 3 * mm, y)
        canvas.line(xs[-1] + 3 * mm, y, xs[-1] + 8 * mm, y)


def cards_pdf(
    runs: Sequence[PrintRun], base_url: str, progress: Callable[[int], None] | None = None
) -> bytes:
    """Every box's cover sheet and cards, in one A4 PDF."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle("三民活动评议卡")
    width, height = A4
    x0, y0 = (width - COLUMNS * CARD_W) / 2, (height - ROWS * CARD_H) / 2
    for run in runs:
        run = PrintRun(run.title.translate(PRINTABLE), run.meeting, run.figures, run.cards)
        canvas.setFont(FONT, 20)
        canvas.drawString(25 * mm, height - 35 * mm, "评议卡封面")
        canvas.setFont(FONT, 14)
        canvas.drawString(25 * mm, height - 48 * mm, run.title)
        canvas.drawString(25 * mm, height - 57 * mm, run.meeting)
        for i, (label, value) in enumerate(run.figures):
            canvas.drawString(25 * mm, height - (72 + 9 * i) * mm, f"{label}：{value}")
        canvas.showPage()
        for start in range(0, len(run.cards), COLUMNS * ROWS):
            _cut_marks(canvas, x0, y0)
            for i, card in enumerate(run.cards[start : start + COLUMNS * ROWS]):
                x = x0 + (i % COLUMNS) * CARD_W
                y = y0 + (ROWS - 1 - i // COLUMNS) * CARD_H
                canvas.setFont(FONT, 11)
                canvas.drawString(x + 5 * mm, y + CARD_H - 9 * mm, "三民活动评议卡")
                canvas.setFont(FONT, 8)
                canvas.drawString(x + 5 * mm, y + CARD_H - 16 * mm, run.title[:16])
                canvas.drawString(x + 5 * mm, y + CARD_H - 21 * mm, run.meeting)
                canvas.drawString(x + 5 * mm, y + 14 * mm, "扫码评议，一卡一票")
                canvas.setFont("Courier-Bold", 11)
                canvas.drawString(x + 5 * mm, y + 7 * mm, format_short_code(card.short_code))
                draw_qr(
                    canvas,
                    f"{base_url}/v/{card.token}",
                    x + CARD_W - QR_SIDE - 6 * mm,
                    y + 7 * mm,
                    QR_SIDE,
                )
            canvas.showPage()
            if progress is not None:
                progress(len(run.cards[start : start + COLUMNS * ROWS]))
    canvas.save()
    return out.getvalue()


def paper_form_pdf(title: str, group: str, meeting: str, departments: Sequence[str]) -> bytes:
    """The group's paper ballot: the card's short code, then one row per department."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setTitle(f"{title} 纸质评议票 {group}")
    width, height = A4
    row = min(12 * mm, (height - 95 * mm) / max(len(departments), 1))
    canvas.setFont(FONT, 16)
    canvas.drawCentredString(width / 2, height - 22 * mm, f"{title} 评议票")
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(width / 2, height - 30 * mm, f"{group}　{meeting}")
    canvas.drawString(20 * mm, height - 42 * mm, "评议卡短码：")
    canvas.rect(48 * mm, height - 45 * mm, 60 * mm, 9 * mm)
    canvas.setFont(FONT, 9)
    canvas.drawString(
        20 * mm, height - 53 * mm, "每个部门只选一项，在对应格子里打“√”；不了解的部门请选“不了解”。"
    )
    columns = [20 * mm, 30 * mm, 110 * mm, 130 * mm, 150 * mm, 170 * mm, 190 * mm]
    top = height - 62 * mm
    canvas.setFont(FONT, 10)
    for text, x in zip(
        ("序号", "部门", *(f"{i} {a}" for i, a in enumerate(ANSWERS, 1))), columns, strict=False
    ):
        canvas.drawString(x + 1.5 * mm, top - 7 * mm, text)
    canvas.rect(
        columns[0],
        top - row * len(departments) - 10 * mm,
        columns[-1] - columns[0],
        row * len(departments) + 10 * mm,
    )
    canvas.line(columns[0], top - 10 * mm, columns[-1], top - 10 * mm)
    for i, name in enumerate(departments):
        y = top - 10 * mm - (i + 1) * row
        canvas.line(columns[0], y, columns[-1], y)
        canvas.drawString(columns[0] + 2 * mm, y + row / 2 - 1.5 * mm, str(i + 1))
        canvas.drawString(columns[1] + 1.5 * mm, y + row / 2 - 1.5 * mm, name[:20])
        for x in columns[2:-1]:
            canvas.rect(x + 7 * mm, y + row / 2 - 2.5 * mm, 5 * mm, 5 * mm)
    canvas.save()
    return out.getvalue()

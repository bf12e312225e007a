"""PDF for print runs (ReportLab, with its built-in Chinese CID font: nothing beyond pip)."""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"  # Adobe's CID font for Simplified Chinese, which PDF readers supply
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
# The CID font has no “·” (U+00B7): names printed with it get an ideographic space.
PRINTABLE = str.maketrans({"·": "　"})
QR_MASK = 2


def draw_qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> None:
    """The QR code as one filled path of its dark runs, row by row: a few hundred path
    operators, where drawing each module as a shape made a meeting's cards take 80 s.
    The version fits the text; the mask is fixed (a valid code; choosing the mask by its
    penalty score costs ten times the rest and changes nothing for a phone's camera)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = side / len(matrix)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + side - (r + 1) * module
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x + start * module, top, (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)

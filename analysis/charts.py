"""SVG charts of the results, drawn on the server: no script, no external asset."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from analysis.figures import DepartmentFigures, GroupFigures
from evaluation.core.intervals import wilson

CONFIDENCE = 0.95

ROW = 22  # px per department
LABEL = 118  # px for the department's short label
WIDTH = 340  # fits a 360 px phone screen inside a card
# The score axis starts at 0, so that a bar twice as long is a score twice as high; the bars
# are one neutral colour (whether a department differs from its group is the table's badge).
TICK = 20
FEW = 30  # a venue's cell with fewer valid ballots than this is drawn faint: too few to read


def score_bars(departments: list[DepartmentFigures], names: dict[str, str]) -> Markup:
    """Horizontal bars of the scores with their 95% interval as whiskers."""
    plot = WIDTH - LABEL - 8
    scored = [d for d in departments if d.score is not None]

    def x(value: float) -> float:
        return LABEL + plot * max(0.0, min(1.0, value / 100))

    label = _("各部门得分及其置信区间")
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {ROW * len(scored) + 24}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in range(0, 101, TICK):
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="0" y2="{ROW * len(scored)}" '
            f'class="grid"/><text x="{x(tick):.1f}" y="{ROW * len(scored) + 16}" '
            f'class="tick">{tick}</text>'
        )
    for i, d in enumerate(scored):
        y = i * ROW
        parts.append(
            f'<text x="{LABEL - 4}" y="{y + 15}" class="label">{escape(names[d.code])}</text>'
            f'<rect x="{LABEL}" y="{y + 5}" width="{x(d.score) - LABEL:.1f}" height="12" '
            f'class="bar"><title>{escape(d.name)} {d.score:.2f}</title></rect>'
        )
        if d.score_ci:
            low, high = (x(v) for v in d.score_ci)
            parts.append(
                f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{y + 11}" y2="{y + 11}" class="ci"/>'
                f'<line x1="{low:.1f}" x2="{low:.1f}" y1="{y + 7}" y2="{y + 15}" class="ci"/>'
                f'<line x1="{high:.1f}" x2="{high:.1f}" y1="{y + 7}" y2="{y + 15}" class="ci"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it is escaped above)


def heat_map(group: GroupFigures, names: dict[str, str]) -> Markup:
    """Department × venue: the satisfaction rate at each venue, darker is lower."""
    venues = group.per_venue
    cells = []
    for d in group.departments:
        row = []
        for v in venues:
            satisfied, basic, dissatisfied, _unknown = v.counts[d.code]
            n = satisfied + basic + dissatisfied
            if not n:
                row.append((None, "", False))
                continue
            rate = (satisfied + basic) / n
            low, high = wilson(satisfied + basic, n, CONFIDENCE) or (rate, rate)
            title = _(
                "%(venue)s：满意率 %(rate)s（有效票 %(n)s 张，95%%区间 %(low)s–%(high)s）",
                venue=v.venue,
                rate=f"{rate:.1%}",
                n=n,
                low=f"{low:.0%}",
                high=f"{high:.0%}",
            )
            # 100% is the palest; every 5 points below it darkens the cell.
            row.append((min(1.0, (1 - rate) * 5), title, n < FEW))
        cells.append(row)
    label = _("%(group)s：各会场对各部门的满意率", group=group.name)
    departments = [names[d.code] for d in group.departments]
    return _grid(departments, [v.venue for v in venues], cells, label)


def scale_heat_map(items: list[str], venues: list[str], means: list[list[float | None]]) -> Markup:
    """Item × venue: the mean on the 1–5 scale at each venue, darker is lower."""
    cells = [
        [
            (min(1.0, (5 - m) / 3), f"{venue} {m:.2f}", False)
            if m is not None
            else (None, "", False)
            for venue, m in zip(venues, row, strict=True)
        ]
        for row in means
    ]
    return _grid(items, venues, cells, _("各小项在各会场的平均分"))


def _grid(
    rows: list[str],
    columns: list[str],
    cells: list[list[tuple[float | None, str, bool]]],
    label: str,
) -> Markup:
    """A heat map: each cell's darkness in [0, 1] (None: no answers there), its tooltip, and
    whether it rests on too few answers to read (drawn faint, with a dashed edge)."""
    cell = max(12, (WIDTH - LABEL) // max(len(columns), 1))
    height = ROW * len(rows) + 70
    parts = [
        f'<svg class="chart heat" viewBox="0 0 {LABEL + cell * len(columns) + 24} {height}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for j, column in enumerate(columns):
        cx = LABEL + j * cell + cell / 2
        short = escape(column.replace("分会场", "").replace("市级主会场", "主会场"))
        parts.append(
            f'<text x="{cx:.1f}" y="{ROW * len(rows) + 8}" class="vlabel" '
            f'transform="rotate(60 {cx:.1f} {ROW * len(rows) + 8})">{short}</text>'
        )
    for i, (label, row) in enumerate(zip(rows, cells, strict=True)):
        y = i * ROW
        parts.append(f'<text x="{LABEL - 4}" y="{y + 15}" class="label">{escape(label)}</text>')
        for j, (darkness, title, few) in enumerate(row):
            if darkness is None:
                continue
            lightness = 95 - 60 * darkness
            faint = ' class="few"' if few else ""
            parts.append(
                f'<rect x="{LABEL + j * cell}" y="{y + 2}" width="{cell - 1}" height="{ROW - 3}" '
                f'fill="hsl(4,70%,{lightness:.0f}%)"{faint}>'
                f"<title>{escape(title)}</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it is escaped above)

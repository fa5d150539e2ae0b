"""Draw the readiness report as a picture: each group's selection rate against the
four-fifths line. A presenter: it reads the report as the API answers it, nothing else."""

from xml.sax.saxutils import escape

from app.schemas.fairness import ReadinessReport

WIDTH = 720
LABEL = 260
BAR = 360
ROW = 30
TOP = 56


def _label(category: dict[str, str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in category.items())


def readiness_chart(report: ReadinessReport) -> str:
    """Return an SVG bar chart of the selection rate of each group, the four-fifths line
    (80% of the highest rate among groups not excluded), and which groups fall under it."""
    groups = report.groups
    counted = [g.selection_rate for g in groups if not g.excluded and g.selection_rate is not None]
    top = max(counted, default=0.0)
    height = TOP + ROW * max(len(groups), 1) + 48
    title = (
        f"Selection rate ({report.selected_band.value} or readier) by "
        f"{' x '.join(report.dimensions)}, as of {report.as_of.isoformat()}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="12" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<text x="12" y="44" fill="#555">{report.population} people, {report.unknown} of '
        f"unknown category; groups under 2% are grey and not compared</text>",
    ]
    if not groups:
        parts.append(
            f'<text x="12" y="{TOP + 20}">No one has a category on these dimensions.</text>'
        )
    for index, group in enumerate(groups):
        y = TOP + index * ROW
        rate = group.selection_rate or 0.0
        color = "#bbbbbb" if group.excluded else "#c0392b" if group.adverse_impact else "#2e86c1"
        label = f"{_label(group.category)} (n={group.count})"
        ratio = group.selection_impact_ratio
        ratio_text = "none" if ratio is None else f"{ratio:.3f}"
        parts.append(f'<text x="{LABEL - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<rect x="{LABEL}" y="{y + 6}" width="{rate * BAR:.1f}" height="{ROW - 10}" '
            f'fill="{color}"><title>{escape(label)}: selection rate {rate:.3f}, impact ratio '
            f"{ratio_text}</title></rect>"
        )
        parts.append(f'<text x="{LABEL + rate * BAR + 6:.1f}" y="{y + 19}">{rate:.3f}</text>')
    bottom = TOP + ROW * max(len(groups), 1)
    if top:
        x = LABEL + 0.8 * top * BAR
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="#000" '
            'stroke-dasharray="5,4"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">four fifths of the '
            f"highest rate ({0.8 * top:.3f})</text>"
        )
    parts.append(f'<line x1="{LABEL}" y1="{TOP}" x2="{LABEL}" y2="{bottom}" stroke="#333"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"

"""Draw the nine-box grid as SVG: presentation only; the domain hands over the counts."""

from __future__ import annotations

from datetime import date
from html import escape

from app.domain.talent import Grid, Tier

CELL = 120
LEFT = 110
TOP = 60
TIERS = (Tier.low, Tier.moderate, Tier.high)
# Darker where a plan most wants to look: high potential, high performance.
_SHADE = {0: "#f3f4f6", 1: "#dbeafe", 2: "#bfdbfe", 3: "#93c5fd", 4: "#60a5fa"}


def grid_svg(grid: Grid, *, as_of: date, family: str | None) -> str:
    """Return the 3 x 3 grid (performance across, potential up) with each cell's count."""
    width, height = LEFT + 3 * CELL + 20, TOP + 3 * CELL + 70
    title = "Nine-box grid" + (f" — {family}" if family else "") + f" as of {as_of.isoformat()}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="28" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    for cell in grid.cells:
        column = TIERS.index(cell.performance)
        row = 2 - TIERS.index(cell.potential)
        x, y = LEFT + column * CELL, TOP + row * CELL
        shade = _SHADE[column + (2 - row)]
        label = f"{cell.performance.value} performance, {cell.potential.value} potential"
        parts += [
            f"<g><title>{escape(label)}: {cell.count}</title>",
            f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{shade}" '
            'stroke="#374151"/>',
            f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 10}" text-anchor="middle" '
            f'font-size="28">{cell.count}</text></g>',
        ]
    for index, tier in enumerate(TIERS):
        parts.append(
            f'<text x="{LEFT + index * CELL + CELL // 2}" y="{TOP + 3 * CELL + 20}" '
            f'text-anchor="middle">{escape(tier.value)}</text>'
        )
        parts.append(
            f'<text x="{LEFT - 10}" y="{TOP + (2 - index) * CELL + CELL // 2 + 5}" '
            f'text-anchor="end">{escape(tier.value)}</text>'
        )
    parts += [
        f'<text x="{LEFT + 3 * CELL // 2}" y="{TOP + 3 * CELL + 42}" text-anchor="middle" '
        'font-weight="bold">performance</text>',
        f'<text x="20" y="{TOP + 3 * CELL // 2}" font-weight="bold" '
        f'transform="rotate(-90 20 {TOP + 3 * CELL // 2})" text-anchor="middle">potential</text>',
        f'<text x="{LEFT}" y="{TOP + 3 * CELL + 62}" fill="#4b5563">unrated: {grid.unrated}</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"

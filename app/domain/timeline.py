"""Draw a person's career as an SVG step chart: level over time, salary as a second line,
moves marked by kind, development as ticks. Pure: strings in, a string out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from app.domain.history import EventType, Step
from app.domain.mobility import MoveType

WIDTH, HEIGHT = 960, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 90, 70, 90
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

LEVEL_COLOR = "#37474f"
SALARY_COLOR = "#ef6c00"
MOVE_STYLE = {
    MoveType.promotion: ("#2e7d32", "promotion", "triangle-up"),
    MoveType.lateral: ("#1565c0", "lateral move", "diamond"),
    MoveType.demotion: ("#c62828", "demotion", "triangle-down"),
}
TICK_COLOR = {
    EventType.training_completed: "#6a1b9a",
    EventType.certification_earned: "#00838f",
    EventType.skill_acquired: "#558b2f",
    EventType.leadership_activity: "#8d6e63",
    EventType.initiative: "#8d6e63",
    EventType.performance_review: "#9e9e9e",
}


@dataclass(frozen=True)
class Mark:
    """An evidence event drawn as a tick under the chart."""

    event_id: str
    type: EventType
    occurred_on: date
    label: str


# Characters XML 1.0 does not allow: dropped from any text drawn, so a name stored before
# input refused control characters still gives a well-formed document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    """Return text made safe to place between XML tags."""
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    """Return text made safe as a quoted XML attribute value."""
    return quoteattr(_NOT_XML.sub("\ufffd", value))


def _shape(kind: str, x: float, y: float, color: str, title: str, event_id: str) -> str:
    r = 7
    if kind == "triangle-up":
        points = f"{x},{y - r} {x - r},{y + r * 0.8} {x + r},{y + r * 0.8}"
    elif kind == "triangle-down":
        points = f"{x},{y + r} {x - r},{y - r * 0.8} {x + r},{y - r * 0.8}"
    else:
        points = f"{x},{y - r} {x + r},{y} {x},{y + r} {x - r},{y}"
    return (
        f'<polygon class="move {_text(kind)}" data-event-id={quoteattr(event_id)} '
        f'points="{points}" fill="{color}" stroke="white" stroke-width="1.5">'
        f"<title>{_text(title)}</title></polygon>"
    )


def render_timeline(
    *, title: str, steps: list[Step], marks: list[Mark], titles: dict[str, str], today: date
) -> str:
    """Return the SVG document of one person's career."""
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={_attr(title)} '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f"<title>{_text(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="26" font-size="17" font-weight="bold">{_text(title)}</text>',
    ]
    days = [s.occurred_on for s in steps] + [m.occurred_on for m in marks]
    if not days:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#757575">'
            "No career events recorded yet.</text></svg>"
        )
        return "".join(parts)
    start = min(days)
    end = max(max(days), today)
    span = max((end - start).days, 1)

    def x_of(day: date) -> float:
        return round(LEFT + PLOT_W * (day - start).days / span, 1)

    levels = [s.level for s in steps if s.level is not None]
    low, high = (min(levels) - 1, max(levels) + 1) if levels else (0, 2)

    def y_level(level: int) -> float:
        return round(TOP + PLOT_H * (high - level) / (high - low), 1)

    salaries = [s.salary.cents for s in steps if s.salary is not None]
    s_low, s_high = (min(salaries) * 0.9, max(salaries) * 1.1) if salaries else (0.0, 1.0)
    s_high = s_high if s_high > s_low else s_low + 1

    def y_salary(cents: int) -> float:
        return round(TOP + PLOT_H * (s_high - cents) / (s_high - s_low), 1)

    # Axes, grid and labels.
    parts.append(
        f'<g class="axes" stroke="#bdbdbd"><line x1="{LEFT}" y1="{TOP + PLOT_H}" '
        f'x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" '
        f'y2="{TOP + PLOT_H}"/></g>'
    )
    for level in range(low + 1, high):
        y = y_level(level)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{LEFT + PLOT_W}" y2="{y}" '
            f'stroke="#eeeeee"/><text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" '
            f'fill="{LEVEL_COLOR}">L{level}</text>'
        )
    parts.append(
        f'<text x="18" y="{TOP + PLOT_H / 2}" transform="rotate(-90 18 {TOP + PLOT_H / 2})" '
        f'text-anchor="middle" fill="{LEVEL_COLOR}">level</text>'
    )
    for year in range(start.year, end.year + 2):
        day = date(year, 1, 1)
        if start <= day <= end:
            x = x_of(day)
            parts.append(
                f'<line x1="{x}" y1="{TOP + PLOT_H}" x2="{x}" y2="{TOP + PLOT_H + 5}" '
                f'stroke="#9e9e9e"/><text x="{x}" y="{TOP + PLOT_H + 18}" '
                f'text-anchor="middle" fill="#616161">{year}</text>'
            )
    if salaries:
        for cents in (min(salaries), max(salaries)):
            y = y_salary(cents)
            parts.append(
                f'<text class="salary-label" x="{LEFT + PLOT_W + 8}" y="{y + 4}" '
                f'fill="{SALARY_COLOR}">{cents / 100:,.0f}</text>'
            )
        parts.append(
            f'<text x="{WIDTH - 14}" y="{TOP + PLOT_H / 2}" '
            f'transform="rotate(90 {WIDTH - 14} {TOP + PLOT_H / 2})" text-anchor="middle" '
            f'fill="{SALARY_COLOR}">salary</text>'
        )

    # The level and salary step lines: each holds until the next step (or today / exit).
    def step_path(values: list[tuple[date, float | None]]) -> list[str]:
        paths, current = [], ""
        for i, (day, y) in enumerate(values):
            x = x_of(day)
            nxt = x_of(values[i + 1][0]) if i + 1 < len(values) else x_of(end)
            if y is None:
                if current:
                    paths.append(current)
                current = ""
                continue
            current += f"{'M' if not current else 'L'}{x},{y} L{nxt},{y} "
        if current:
            paths.append(current)
        return paths

    level_points = [
        (s.occurred_on, y_level(s.level) if s.level is not None else None) for s in steps
    ]
    for d in step_path(level_points):
        parts.append(
            f'<path class="level-line" d="{d.strip()}" fill="none" stroke="{LEVEL_COLOR}" '
            'stroke-width="3"/>'
        )
    salary_points = [
        (s.occurred_on, y_salary(s.salary.cents) if s.salary is not None else None) for s in steps
    ]
    for d in step_path(salary_points):
        parts.append(
            f'<path class="salary-line" d="{d.strip()}" fill="none" stroke="{SALARY_COLOR}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )

    # Moves, hires and exits.
    for s in steps:
        x = x_of(s.occurred_on)
        label = titles.get(s.event_id, s.type.value)
        if s.classification in MOVE_STYLE and s.level is not None:
            color, word, shape = MOVE_STYLE[s.classification]
            parts.append(
                _shape(
                    shape,
                    x,
                    y_level(s.level),
                    color,
                    f"{s.occurred_on} {word}: {label}",
                    s.event_id,
                )
            )
        elif s.type is EventType.hire and s.level is not None:
            parts.append(
                f'<circle class="hire" data-event-id={quoteattr(s.event_id)} cx="{x}" '
                f'cy="{y_level(s.level)}" r="6" fill="{LEVEL_COLOR}">'
                f"<title>{_text(f'{s.occurred_on} hire: {label}')}</title></circle>"
            )
        elif s.type is EventType.exit:
            y = TOP + PLOT_H - 12
            parts.append(
                f'<g class="exit" data-event-id={quoteattr(s.event_id)} stroke="#424242" '
                f'stroke-width="2.5"><title>{_text(f"{s.occurred_on} exit")}</title>'
                f'<line x1="{x - 6}" y1="{y - 6}" x2="{x + 6}" y2="{y + 6}"/>'
                f'<line x1="{x - 6}" y1="{y + 6}" x2="{x + 6}" y2="{y - 6}"/></g>'
            )

    # Development and other evidence as ticks under the axis.
    tick_top = TOP + PLOT_H + 26
    if marks:
        parts.append(
            f'<text x="{LEFT - 8}" y="{tick_top + 12}" text-anchor="end" fill="#616161">'
            "growth</text>"
        )
    for m in marks:
        x = x_of(m.occurred_on)
        color = TICK_COLOR.get(m.type, "#9e9e9e")
        parts.append(
            f'<line class="tick {m.type.value}" data-event-id={quoteattr(m.event_id)} '
            f'x1="{x}" y1="{tick_top}" x2="{x}" y2="{tick_top + 16}" stroke="{color}" '
            f'stroke-width="2.5"><title>{_text(f"{m.occurred_on} {m.label}")}</title></line>'
        )

    # The legend, in one row under the title.
    legend = [
        ("line", LEVEL_COLOR, "level"),
        ("dash", SALARY_COLOR, "salary"),
        ("triangle-up", MOVE_STYLE[MoveType.promotion][0], "promotion"),
        ("diamond", MOVE_STYLE[MoveType.lateral][0], "lateral move"),
        ("triangle-down", MOVE_STYLE[MoveType.demotion][0], "demotion"),
        ("tick", TICK_COLOR[EventType.training_completed], "training"),
        ("tick", TICK_COLOR[EventType.certification_earned], "certification"),
        ("tick", TICK_COLOR[EventType.skill_acquired], "skill"),
        ("tick", TICK_COLOR[EventType.leadership_activity], "leadership"),
        ("tick", TICK_COLOR[EventType.performance_review], "review"),
    ]
    x, y = LEFT, 48
    parts.append('<g class="legend">')
    for kind, color, word in legend:
        if kind == "line":
            parts.append(
                f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{color}" '
                'stroke-width="3"/>'
            )
        elif kind == "dash":
            parts.append(
                f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{color}" '
                'stroke-width="2" stroke-dasharray="6 4"/>'
            )
        elif kind == "tick":
            parts.append(
                f'<line x1="{x + 9}" y1="{y - 7}" x2="{x + 9}" y2="{y + 7}" '
                f'stroke="{color}" stroke-width="2.5"/>'
            )
        else:
            points = {
                "triangle-up": f"{x + 9},{y - 7} {x + 2},{y + 6} {x + 16},{y + 6}",
                "triangle-down": f"{x + 9},{y + 7} {x + 2},{y - 6} {x + 16},{y - 6}",
                "diamond": f"{x + 9},{y - 7} {x + 16},{y} {x + 9},{y + 7} {x + 2},{y}",
            }[kind]
            parts.append(f'<polygon points="{points}" fill="{color}"/>')
        parts.append(f'<text x="{x + 22}" y="{y + 4}" fill="#424242">{_text(word)}</text>')
        x += 28 + 6 * len(word)
    parts.append("</g></svg>")
    return "".join(parts)

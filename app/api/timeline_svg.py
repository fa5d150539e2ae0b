"""Draw a person's career as an SVG step chart: level over time, salary as a second line,
moves marked by kind, development as ticks. Presentation only: the domain hands over the
timeline's facts (`app/domain/timeline.py`), and this module lays out axes, steps and marks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from app.domain.history import EventType, Step
from app.domain.mobility import MoveType
from app.domain.timeline import Mark, Period, Timeline

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
# The legend, in one row under the title: (kind of key, colour, word).
LEGEND = (
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
)

# Characters XML 1.0 does not allow: dropped from any text drawn, so a name stored before
# input refused control characters still gives a well-formed document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    """Return text made safe to place between XML tags."""
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    """Return text made safe as a quoted XML attribute value."""
    return quoteattr(_NOT_XML.sub("\ufffd", value))


@dataclass(frozen=True)
class _Scale:
    """Where a day, a level and an amount of pay fall on the page."""

    period: Period
    low: int
    high: int
    pay_low: float
    pay_high: float

    @classmethod
    def of(cls, timeline: Timeline, period: Period) -> _Scale:
        """Return the scale that fits the timeline: a level of headroom above and below,
        and a tenth of the pay range."""
        levels, salaries = timeline.levels, timeline.salaries
        low, high = (min(levels) - 1, max(levels) + 1) if levels else (0, 2)
        pay_low, pay_high = (min(salaries) * 0.9, max(salaries) * 1.1) if salaries else (0.0, 1.0)
        pay_high = pay_high if pay_high > pay_low else pay_low + 1
        return cls(period, low, high, pay_low, pay_high)

    def x(self, day: date) -> float:
        """Return the x of a day."""
        return round(LEFT + PLOT_W * (day - self.period.start).days / self.period.days, 1)

    def y_level(self, level: int) -> float:
        """Return the y of a level (higher levels higher up)."""
        return round(TOP + PLOT_H * (self.high - level) / (self.high - self.low), 1)

    def y_salary(self, cents: int) -> float:
        """Return the y of a salary in cents."""
        return round(TOP + PLOT_H * (self.pay_high - cents) / (self.pay_high - self.pay_low), 1)


def timeline_svg(timeline: Timeline) -> str:
    """Return the SVG document of one person's career."""
    parts = _head(timeline.title)
    if timeline.period is None:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#757575">'
            "No career events recorded yet.</text></svg>"
        )
        return "".join(parts)
    scale = _Scale.of(timeline, timeline.period)
    parts.extend(_axes(scale))
    parts.extend(_years(scale))
    parts.extend(_pay_axis(scale, timeline.salaries))
    parts.extend(_step_lines(scale, timeline.steps))
    parts.extend(_step_markers(scale, timeline))
    parts.extend(_ticks(scale, timeline.marks))
    parts.extend(_legend())
    parts.append("</svg>")
    return "".join(parts)


def _head(title: str) -> list[str]:
    """Return the document's opening tag, its title and background."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={_attr(title)} '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f"<title>{_text(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="26" font-size="17" font-weight="bold">{_text(title)}</text>',
    ]


def _axes(scale: _Scale) -> Iterator[str]:
    """Yield the two axes and a labelled grid line for each level between the margins."""
    yield (
        f'<g class="axes" stroke="#bdbdbd"><line x1="{LEFT}" y1="{TOP + PLOT_H}" '
        f'x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" '
        f'y2="{TOP + PLOT_H}"/></g>'
    )
    for level in range(scale.low + 1, scale.high):
        y = scale.y_level(level)
        yield (
            f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{LEFT + PLOT_W}" y2="{y}" '
            f'stroke="#eeeeee"/><text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" '
            f'fill="{LEVEL_COLOR}">L{level}</text>'
        )
    yield (
        f'<text x="18" y="{TOP + PLOT_H / 2}" transform="rotate(-90 18 {TOP + PLOT_H / 2})" '
        f'text-anchor="middle" fill="{LEVEL_COLOR}">level</text>'
    )


def _years(scale: _Scale) -> Iterator[str]:
    """Yield a tick and a label on the time axis at each new year inside the period."""
    start, end = scale.period.start, scale.period.end
    for year in range(start.year, end.year + 2):
        day = date(year, 1, 1)
        if start <= day <= end:
            x = scale.x(day)
            yield (
                f'<line x1="{x}" y1="{TOP + PLOT_H}" x2="{x}" y2="{TOP + PLOT_H + 5}" '
                f'stroke="#9e9e9e"/><text x="{x}" y="{TOP + PLOT_H + 18}" '
                f'text-anchor="middle" fill="#616161">{year}</text>'
            )


def _pay_axis(scale: _Scale, salaries: list[int]) -> Iterator[str]:
    """Yield the lowest and highest salary on the right-hand axis, when there is pay."""
    if not salaries:
        return
    for cents in (min(salaries), max(salaries)):
        y = scale.y_salary(cents)
        yield (
            f'<text class="salary-label" x="{LEFT + PLOT_W + 8}" y="{y + 4}" '
            f'fill="{SALARY_COLOR}">{cents / 100:,.0f}</text>'
        )
    yield (
        f'<text x="{WIDTH - 14}" y="{TOP + PLOT_H / 2}" '
        f'transform="rotate(90 {WIDTH - 14} {TOP + PLOT_H / 2})" text-anchor="middle" '
        f'fill="{SALARY_COLOR}">salary</text>'
    )


def _step_paths(scale: _Scale, values: list[tuple[date, float | None]]) -> list[str]:
    """Return the path data of a step line: each value holds until the next step (or the
    period's end); an unknown value breaks the line."""
    paths, current = [], ""
    for i, (day, y) in enumerate(values):
        x = scale.x(day)
        nxt = scale.x(values[i + 1][0]) if i + 1 < len(values) else scale.x(scale.period.end)
        if y is None:
            if current:
                paths.append(current)
            current = ""
            continue
        current += f"{'M' if not current else 'L'}{x},{y} L{nxt},{y} "
    if current:
        paths.append(current)
    return paths


def _step_lines(scale: _Scale, steps: tuple[Step, ...]) -> Iterator[str]:
    """Yield the level line and the dashed salary line."""
    levels = [
        (s.occurred_on, scale.y_level(s.level) if s.level is not None else None) for s in steps
    ]
    for d in _step_paths(scale, levels):
        yield (
            f'<path class="level-line" d="{d.strip()}" fill="none" stroke="{LEVEL_COLOR}" '
            'stroke-width="3"/>'
        )
    salaries = [
        (s.occurred_on, scale.y_salary(s.salary.cents) if s.salary is not None else None)
        for s in steps
    ]
    for d in _step_paths(scale, salaries):
        yield (
            f'<path class="salary-line" d="{d.strip()}" fill="none" stroke="{SALARY_COLOR}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )


def _step_markers(scale: _Scale, timeline: Timeline) -> Iterator[str]:
    """Yield a marker for each move, hire and exit."""
    for step in timeline.steps:
        marker = _step_marker(scale, step, timeline.label(step))
        if marker:
            yield marker


def _step_marker(scale: _Scale, step: Step, label: str) -> str | None:
    """Return the marker of one step: a move's shape, a hire's dot, an exit's cross."""
    x = scale.x(step.occurred_on)
    if step.classification in MOVE_STYLE and step.level is not None:
        color, word, shape = MOVE_STYLE[step.classification]
        title = f"{step.occurred_on} {word}: {label}"
        return _move(shape, x, scale.y_level(step.level), color, title, step.event_id)
    if step.type is EventType.hire and step.level is not None:
        return (
            f'<circle class="hire" data-event-id={quoteattr(step.event_id)} cx="{x}" '
            f'cy="{scale.y_level(step.level)}" r="6" fill="{LEVEL_COLOR}">'
            f"<title>{_text(f'{step.occurred_on} hire: {label}')}</title></circle>"
        )
    if step.type is EventType.exit:
        y = TOP + PLOT_H - 12
        return (
            f'<g class="exit" data-event-id={quoteattr(step.event_id)} stroke="#424242" '
            f'stroke-width="2.5"><title>{_text(f"{step.occurred_on} exit")}</title>'
            f'<line x1="{x - 6}" y1="{y - 6}" x2="{x + 6}" y2="{y + 6}"/>'
            f'<line x1="{x - 6}" y1="{y + 6}" x2="{x + 6}" y2="{y - 6}"/></g>'
        )
    return None


def _move(kind: str, x: float, y: float, color: str, title: str, event_id: str) -> str:
    """Return a move's marker: a triangle up or down, or a diamond."""
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


def _ticks(scale: _Scale, marks: tuple[Mark, ...]) -> Iterator[str]:
    """Yield development and other evidence as ticks under the time axis."""
    tick_top = TOP + PLOT_H + 26
    if marks:
        yield (
            f'<text x="{LEFT - 8}" y="{tick_top + 12}" text-anchor="end" fill="#616161">'
            "growth</text>"
        )
    for m in marks:
        x = scale.x(m.occurred_on)
        color = TICK_COLOR.get(m.type, "#9e9e9e")
        yield (
            f'<line class="tick {m.type.value}" data-event-id={quoteattr(m.event_id)} '
            f'x1="{x}" y1="{tick_top}" x2="{x}" y2="{tick_top + 16}" stroke="{color}" '
            f'stroke-width="2.5"><title>{_text(f"{m.occurred_on} {m.label}")}</title></line>'
        )


def _legend() -> Iterator[str]:
    """Yield the legend, one key and word after another in a row under the title."""
    x, y = LEFT, 48
    yield '<g class="legend">'
    for kind, color, word in LEGEND:
        yield _legend_key(kind, color, x, y)
        yield f'<text x="{x + 22}" y="{y + 4}" fill="#424242">{_text(word)}</text>'
        x += 28 + 6 * len(word)
    yield "</g>"


def _legend_key(kind: str, color: str, x: int, y: int) -> str:
    """Return the small drawing a legend entry shows beside its word."""
    if kind == "line":
        return f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{color}" stroke-width="3"/>'
    if kind == "dash":
        return (
            f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{color}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
    if kind == "tick":
        return (
            f'<line x1="{x + 9}" y1="{y - 7}" x2="{x + 9}" y2="{y + 7}" '
            f'stroke="{color}" stroke-width="2.5"/>'
        )
    points = {
        "triangle-up": f"{x + 9},{y - 7} {x + 2},{y + 6} {x + 16},{y + 6}",
        "triangle-down": f"{x + 9},{y + 7} {x + 2},{y - 6} {x + 16},{y - 6}",
        "diamond": f"{x + 9},{y - 7} {x + 16},{y} {x + 9},{y + 7} {x + 2},{y}",
    }[kind]
    return f'<polygon points="{points}" fill="{color}"/>'

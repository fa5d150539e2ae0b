"""The facts a person's career picture shows: the state after each hire, move, salary change
or exit, the evidence recorded between them, and the days the picture spans. Drawing them
is presentation and lives in `app/api/timeline_svg.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.domain.history import EventType, Step


@dataclass(frozen=True)
class Mark:
    """An evidence event drawn as a tick under the chart."""

    event_id: str
    type: EventType
    occurred_on: date
    label: str


@dataclass(frozen=True)
class Period:
    """The days a timeline spans: its first event to today, or to its last event when that
    is later."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days from start to end, at least one."""
        return max((self.end - self.start).days, 1)


@dataclass(frozen=True)
class Timeline:
    """One person's career as its picture shows it."""

    title: str
    steps: tuple[Step, ...]
    marks: tuple[Mark, ...]
    # What each step's event put the person in ("Charge Nurse (L3)"), by event id.
    titles: Mapping[str, str]
    # None when nothing has been recorded yet.
    period: Period | None

    def label(self, step: Step) -> str:
        """Return what the step is called: the position it put the person in, else its type."""
        return self.titles.get(step.event_id, step.type.value)

    @property
    def levels(self) -> list[int]:
        """Return the level of each step whose level is known, in order."""
        return [s.level for s in self.steps if s.level is not None]

    @property
    def salaries(self) -> list[int]:
        """Return the salary in cents of each step that has one, in order."""
        return [s.salary.cents for s in self.steps if s.salary is not None]


def timeline(
    *, title: str, steps: list[Step], marks: list[Mark], titles: Mapping[str, str], today: date
) -> Timeline:
    """Return the timeline of these steps and marks, spanning their days up to today."""
    days = [s.occurred_on for s in steps] + [m.occurred_on for m in marks]
    period = Period(min(days), max(max(days), today)) if days else None
    return Timeline(
        title=title, steps=tuple(steps), marks=tuple(marks), titles=titles, period=period
    )

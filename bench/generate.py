"""A synthetic organization with realistic career histories, from a seeded random generator.

Fifty positions over five job families and eight levels (each family has an individual
track at levels 1..8 and a management track at levels 5 and 7), then people whose histories
read like an HR system's export: a hire, moves every few years (mostly promotions, some
lateral moves, the odd demotion), a yearly salary change, two reviews a year, and the rest
trainings, certifications, skills, leadership activities and initiatives. A few people exit.

The history is written as NDJSON in the import format of SPEC section 9, one person's
events together and in date order (as an HR export lists them), each with an `event_key`.
A manifest beside it names each person's final position and status, and the probe people
(the same shape with 20 and with 2,000 events) that measure how readiness cost grows.

    python -m bench.generate --employees 1000 --events 200 --out bench/.work/history.ndjson
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CURRENCY = "USD"
FAMILIES: dict[str, dict[str, Any]] = {
    "NUR": {
        "name": "Nursing",
        "pay": 1.00,
        "certifications": ["BLS", "ACLS", "Nurse Executive (NE-BC)"],
        "skills": ["Triage", "Patient Education", "Care Coordination", "Staff Scheduling"],
        "trainings": ["Infection Control", "Charting Basics", "Sepsis Protocol"],
    },
    "ENG": {
        "name": "Engineering",
        "pay": 1.35,
        "certifications": ["AWS Solutions Architect", "CKA", "CISSP"],
        "skills": ["System Design", "Code Review", "Incident Command", "Capacity Planning"],
        "trainings": ["Secure Coding", "On-call Readiness", "Design Docs"],
    },
    "FIN": {
        "name": "Finance",
        "pay": 1.20,
        "certifications": ["CPA", "CFA Level I", "CFA Level II"],
        "skills": ["Forecasting", "Audit Preparation", "Treasury", "Financial Modelling"],
        "trainings": ["IFRS Update", "SOX Controls", "Excel Power Query"],
    },
    "SAL": {
        "name": "Sales",
        "pay": 1.05,
        "certifications": ["Certified Sales Professional", "Solution Selling", "MEDDIC"],
        "skills": ["Negotiation", "Account Planning", "Pipeline Review", "Forecast Calls"],
        "trainings": ["Product Launch", "CRM Hygiene", "Objection Handling"],
    },
    "OPS": {
        "name": "Operations",
        "pay": 0.95,
        "certifications": ["Lean Six Sigma Green Belt", "PMP", "Lean Six Sigma Black Belt"],
        "skills": ["Process Mapping", "Vendor Management", "Root Cause Analysis", "Budgeting"],
        "trainings": ["Safety Basics", "Kaizen Workshop", "ERP Essentials"],
    },
}
LEVEL_TITLES = {
    1: "Associate",
    2: "Specialist",
    3: "Senior Specialist",
    4: "Lead",
    5: "Principal",
    6: "Senior Principal",
    7: "Distinguished",
    8: "Fellow",
}
MANAGEMENT_LEVELS = (5, 7)
COMMON_TRAININGS = [
    "Leadership Fundamentals",
    "People Management",
    "Giving Feedback",
    "Data Privacy",
    "Code of Conduct",
    "Presentation Skills",
    "Time Management",
]
LEADERSHIP = [
    "Led monthly team meetings",
    "Mentored a new hire",
    "Ran the quarterly planning session",
    "Chaired the safety committee",
    "Coached two peers through certification",
    "Led the onboarding program",
    "Represented the team at the steering group",
]
INITIATIVES = [
    "Proposed a new shift handover checklist",
    "Automated the weekly report",
    "Started a lunch-and-learn series",
    "Cut supplier lead time",
    "Reorganized the shared drive",
    "Piloted a customer feedback survey",
]
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Eva", "Femi", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena"]
LAST = ["Ruiz", "Okafor", "Nguyen", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Silva", "Moreau"]


@dataclass(frozen=True)
class PositionSpec:
    code: str
    title: str
    family: str
    prefix: str
    track: str
    level: int
    pay_min: int
    pay_max: int
    requirements: tuple[tuple[str, str, bool], ...]
    min_months_in_role: int | None
    skill_level: int | None = None  # the min_level of its skill requirements, if any

    def create_body(self) -> dict[str, Any]:
        """Return the body of `POST /v1/positions` (also `PositionCreate`) for this position."""
        return {
            "code": self.code,
            "title": self.title,
            "family": self.family,
            "track": self.track,
            "level": self.level,
            "pay_band": {"currency": CURRENCY, "min": self.pay_min, "max": self.pay_max},
            "requirements": [
                {"kind": kind, "name": name, "mandatory": mandatory}
                | ({"min_level": self.skill_level} if kind == "skill" and self.skill_level else {})
                for kind, name, mandatory in self.requirements
            ],
            "min_months_in_role": self.min_months_in_role,
        }


def _requirements(prefix: str, level: int, track: str) -> tuple[tuple[str, str, bool], ...]:
    vocab = FAMILIES[prefix]
    out: list[tuple[str, str, bool]] = []
    if level >= 3:
        out.append(("certification", vocab["certifications"][min((level - 3) // 2, 2)], True))
    if level >= 5:
        out.append(("skill", vocab["skills"][min(level - 5, 3)], True))
    if level >= 6:
        out.append(("training", vocab["trainings"][level % 3], False))
    if track == "management":
        out.append(("training", "Leadership Fundamentals", True))
        if level >= 7:
            out.append(("training", "People Management", True))
    return tuple(out)


def build_positions() -> list[PositionSpec]:
    """Return the 50 positions: 5 families x (8 individual levels + 2 management)."""
    out = []
    for prefix, family in FAMILIES.items():
        shapes = [("individual", level) for level in range(1, 9)]
        shapes += [("management", level) for level in MANAGEMENT_LEVELS]
        for track, level in shapes:
            premium = 1.12 if track == "management" else 1.0
            mid = 48_000 * family["pay"] * 1.16 ** (level - 1) * premium
            if track == "individual":
                code, title = f"{prefix}-{level}", f"{family['name']} {LEVEL_TITLES[level]}"
            else:
                code = f"{prefix}-M{level}"
                title = f"{family['name']} {'Manager' if level == 5 else 'Director'}"
            out.append(
                PositionSpec(
                    code=code,
                    title=title,
                    family=family["name"],
                    prefix=prefix,
                    track=track,
                    level=level,
                    pay_min=int(round(mid * 0.85, -2)),
                    pay_max=int(round(mid * 1.15, -2)),
                    requirements=_requirements(prefix, level, track),
                    min_months_in_role=None if level == 8 else (12 if level <= 3 else 18),
                )
            )
    return out


POSITIONS = build_positions()


def build_variants(per_position: int = 3) -> list[PositionSpec]:
    """Return 150 more positions, three variants of each of the 50 that nobody holds: the
    same family, level and band, asking for their skill at level 2, 3 or 4 (SPEC 11). With
    them the organization has the 200 positions the opportunities target is measured on."""
    out = []
    for spec in POSITIONS:
        for n in range(1, per_position + 1):
            out.append(
                replace(
                    spec,
                    code=f"{spec.code}-V{n}",
                    title=f"{spec.title} (variant {n})",
                    skill_level=n + 1,
                )
            )
    return out


VARIANTS = build_variants()
ALL_POSITIONS = POSITIONS + VARIANTS
BY_CODE = {p.code: p for p in POSITIONS}


def _code(prefix: str, level: int, track: str) -> str:
    return f"{prefix}-M{level}" if track == "management" else f"{prefix}-{level}"


def next_up(code: str) -> str:
    """Return the code of the natural promotion target of a position (itself at the top)."""
    p = BY_CODE[code]
    if p.track == "management":
        if p.level == 5:
            return _code(p.prefix, 7, "management")
        return _code(p.prefix, 8, "individual")
    return _code(p.prefix, min(p.level + 1, 8), "individual")


def target_for(code: str) -> str:
    """Return a readiness target for someone holding `code`: the next step up, or a lateral
    move at the top, so the target is never the position already held."""
    up = next_up(code)
    if up != code:
        return up
    p = BY_CODE[code]
    other = next(f for f in FAMILIES if f != p.prefix)
    return _code(other, p.level, "individual")


@dataclass
class Person:
    external_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    position: str = ""
    status: str = "active"


def _move(rng: random.Random, code: str) -> tuple[str, str]:
    """Return (kind, target code) of a plausible move out of a position."""
    p = BY_CODE[code]
    roll = rng.random()
    if roll < 0.66 and p.level < 8:
        if p.track == "management":
            return "promotion", next_up(code)
        up = p.level + 1
        if up in MANAGEMENT_LEVELS and rng.random() < 0.35:
            return "promotion", _code(p.prefix, up, "management")
        return "promotion", _code(p.prefix, up, "individual")
    if roll < 0.93 or p.level == 1:
        if p.level in MANAGEMENT_LEVELS and rng.random() < 0.3:
            other = "individual" if p.track == "management" else "management"
            return "lateral", _code(p.prefix, p.level, other)
        prefix = rng.choice([f for f in FAMILIES if f != p.prefix])
        return "lateral", _code(prefix, p.level, "individual")
    return "demotion", _code(p.prefix, p.level - 1, "individual")


def _money(amount: float) -> dict[str, str]:
    return {"amount": f"{round(amount)}.00", "currency": CURRENCY}


def _days(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    span = max((end - start).days, 1)
    return [start + timedelta(days=rng.randint(1, span)) for _ in range(n)]


def person_history(
    rng: random.Random, external_id: str, n_events: int, anchor: date, *, exits: bool
) -> Person:
    """Return one person with exactly `n_events` valid events, in date order."""
    tenure_years = min(max(n_events / 12 * rng.uniform(0.8, 1.2), 1.5), 30.0)
    start = anchor - timedelta(days=int(tenure_years * 365.25))
    end = anchor - timedelta(days=rng.randint(30, 400)) if exits else anchor
    prefix = rng.choice(list(FAMILIES))
    level = rng.choices([1, 2, 3, 4], weights=[40, 30, 20, 10])[0]
    code = _code(prefix, level, "individual")
    band = BY_CODE[code]
    salary = band.pay_min + rng.uniform(0.05, 0.5) * (band.pay_max - band.pay_min)
    # Dates of what changes the person's state: moves, yearly pay rises, reviews.
    moves: list[date] = []
    day = start + timedelta(days=int(365 * rng.uniform(1.5, 3.5)))
    while day < end:
        moves.append(day)
        day += timedelta(days=int(365 * rng.uniform(1.5, 4.5)))
    raises = [
        d
        for k in range(1, int(tenure_years) + 1)
        if (d := start + timedelta(days=365 * k + rng.randint(-20, 20))) < end
        and all(abs((d - m).days) > 30 for m in moves)
    ]
    reviews = [
        d
        for k in range(1, int(tenure_years * 2) + 1)
        if (d := start + timedelta(days=182 * k + rng.randint(0, 14))) < end
    ]
    fixed = 1 + (1 if exits else 0)
    budget = n_events - fixed
    # Few events and a long career: keep moves first, then reviews, then raises.
    moves = moves[:budget]
    reviews = reviews[: max(budget - len(moves), 0)]
    raises = raises[: max(budget - len(moves) - len(reviews), 0)]
    rest = budget - len(moves) - len(reviews) - len(raises)
    mean_rating = rng.uniform(2.6, 4.4)
    vocab = FAMILIES[prefix]

    # (day, order, line): the hire first on its day, moves and raises before evidence.
    timeline: list[tuple[date, int, dict[str, Any]]] = []
    timeline.append(
        (
            start,
            0,
            {
                "type": "hire",
                "occurred_on": start,
                "position_code": code,
                "salary": _money(salary),
            },
        )
    )
    state_days = sorted([(d, "move") for d in moves] + [(d, "raise") for d in raises])
    for day, what in state_days:
        if what == "raise":
            salary *= rng.uniform(1.015, 1.05)
            timeline.append(
                (day, 2, {"type": "salary_change", "occurred_on": day, "salary": _money(salary)})
            )
            continue
        kind, target = _move(rng, code)
        new_band = BY_CODE[target]
        line: dict[str, Any] = {"occurred_on": day, "position_code": target}
        if kind == "promotion":
            line["type"] = "promotion" if rng.random() < 0.6 else "position_change"
            raised = salary * rng.uniform(1.06, 1.14)
            salary = max(raised, new_band.pay_min * rng.uniform(0.95, 1.05))
            line["salary"] = _money(salary)
        elif kind == "lateral":
            line["type"] = "lateral_move" if rng.random() < 0.5 else "position_change"
            if rng.random() < 0.7:
                salary *= rng.uniform(0.99, 1.02)
                line["salary"] = _money(salary)
        else:
            line["type"] = "demotion" if rng.random() < 0.3 else "position_change"
            salary *= rng.uniform(0.9, 0.97)
            line["salary"] = _money(salary)
        timeline.append((day, 1, line))
        code = target
    for day in reviews:
        rating = min(5, max(1, round(rng.gauss(mean_rating, 0.7))))
        review = {"type": "performance_review", "occurred_on": day, "rating": rating}
        timeline.append((day, 3, review))
    evidence_end = end - timedelta(days=1) if exits else end
    for day in _days(rng, start, evidence_end, rest):
        roll = rng.random()
        if roll < 0.2:
            line = {"type": "leadership_activity", "name": rng.choice(LEADERSHIP)}
        elif roll < 0.3:
            line = {"type": "initiative", "name": rng.choice(INITIATIVES)}
            if rng.random() < 0.3:
                line["description"] = "Measured before and after; shared with the team."
        elif roll < 0.42:
            line = {"type": "certification_earned", "name": rng.choice(vocab["certifications"])}
        elif roll < 0.7:
            line = {"type": "skill_acquired", "name": rng.choice(vocab["skills"])}
        else:
            pool = vocab["trainings"] + COMMON_TRAININGS
            line = {"type": "training_completed", "name": rng.choice(pool)}
        line["occurred_on"] = day
        timeline.append((day, 3, line))
    if exits:
        timeline.append((end, 9, {"type": "exit", "occurred_on": end}))
    timeline.sort(key=lambda t: (t[0], t[1]))

    person = Person(external_id, position=code, status="exited" if exits else "active")
    display = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    for index, (day, _, line) in enumerate(timeline, start=1):
        out: dict[str, Any] = {"employee_external_id": external_id}
        if index == 1:
            out["employee_display_name"] = display
        out.update(line)
        out["occurred_on"] = day.isoformat()
        out["event_key"] = f"{external_id}-{index}"
        person.events.append(out)
    assert len(person.events) == n_events, (external_id, len(person.events), n_events)
    return person


@dataclass(frozen=True)
class Shape:
    employees: int
    events: int
    probe_small: int = 20
    probe_large: int = 2000
    probes: int = 8
    exit_share: float = 0.03


def people(shape: Shape, *, seed: int, anchor: date) -> Iterator[Person]:
    """Yield every person of the organization, probes last."""
    rng = random.Random(seed)
    for i in range(1, shape.employees + 1):
        yield person_history(
            rng, f"E{i:06d}", shape.events, anchor, exits=rng.random() < shape.exit_share
        )
    for size in (shape.probe_small, shape.probe_large):
        for i in range(1, shape.probes + 1):
            yield person_history(rng, f"PROBE-{size}-{i:02d}", size, anchor, exits=False)


def write(shape: Shape, out: Path, *, seed: int, anchor: date) -> dict[str, Any]:
    """Write the history as NDJSON and its manifest beside it; return the manifest."""
    out.parent.mkdir(parents=True, exist_ok=True)
    roster: list[list[str]] = []
    lines = 0
    with out.open("w", encoding="utf-8") as handle:
        for person in people(shape, seed=seed, anchor=anchor):
            for event in person.events:
                handle.write(json.dumps(event, separators=(",", ":")) + "\n")
            lines += len(person.events)
            roster.append([person.external_id, person.position, person.status])
    manifest = {
        "seed": seed,
        "anchor": anchor.isoformat(),
        "employees": shape.employees,
        "events_per_employee": shape.events,
        "probe_sizes": [shape.probe_small, shape.probe_large],
        "lines": lines,
        "bytes": out.stat().st_size,
        "people": roster,
    }
    manifest_path(out).write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def manifest_path(ndjson: Path) -> Path:
    """Return where the manifest of a history file lives."""
    return ndjson.with_suffix(".manifest.json")


def head(source: Path, target: Path, employees: int) -> int:
    """Copy the lines of the first `employees` people of a history file; return the lines."""
    seen: set[str] = set()
    lines = 0
    with source.open("rb") as src, target.open("wb") as dst:
        for raw in src:
            who = json.loads(raw)["employee_external_id"]
            if who not in seen:
                if len(seen) == employees:
                    break
                seen.add(who)
            dst.write(raw)
            lines += 1
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200, help="events per employee")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--anchor", type=date.fromisoformat, default=date.today())
    parser.add_argument("--out", type=Path, default=Path("bench/.work/history.ndjson"))
    args = parser.parse_args(argv)
    manifest = write(
        Shape(args.employees, args.events), args.out, seed=args.seed, anchor=args.anchor
    )
    print(f"{manifest['lines']:,} events for {len(manifest['people']):,} people in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

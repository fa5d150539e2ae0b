"""The fairness reports in the benchmark: demographics for everyone, and the three reports.

Demographics are seeded from each person's external id (so every run and store has the
same groups): sex (1% nonbinary), race/ethnicity over five categories and an age band,
with 5% of people recording none. They are bulk-inserted as the loader inserts events.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from sqlalchemy import create_engine

from app.models import utcnow
from bench.generate import POSITIONS, target_for
from bench.load import Org, _write_all

KEYS = ("fairness_readiness", "fairness_promotions", "fairness_pay")
LABELS = {
    "fairness_readiness": "GET fairness/readiness (sex x race, {people} employees)",
    "fairness_promotions": "GET fairness/promotions (sex, one year, {people} employees)",
    "fairness_pay": "GET fairness/pay (sex, by level, {people} employees)",
}
_RACES = ("asian", "black", "hispanic_latino", "white", "two_or_more")
_AGES = ("under_30", "30_39", "40_49", "50_plus")
_COLUMNS = ("organization_id", "employee_id", "attributes", "updated_at")


def attributes_for(external_id: str) -> dict[str, str] | None:
    """Return the seeded categories of one person, or None for the 5% with none."""
    digest = hashlib.sha256(external_id.encode()).digest()
    if digest[0] % 20 == 0:
        return None
    sex = "nonbinary" if digest[1] % 100 == 0 else ("female" if digest[2] % 2 else "male")
    return {
        "sex": sex,
        "race_ethnicity": _RACES[digest[3] % len(_RACES)],
        "age_band": _AGES[digest[4] % len(_AGES)],
    }


def load_demographics(org: Org) -> int:
    """Insert everyone's demographics; return how many people have some."""
    now = utcnow()
    rows = []
    for external_id, employee_id in org.employees.items():
        attributes = attributes_for(external_id)
        if attributes is not None:
            rows.append(
                {
                    "organization_id": org.organization_id,
                    "employee_id": employee_id,
                    "attributes": json.dumps(attributes),
                    "updated_at": now,
                }
            )
    engine = create_engine(org.url)
    try:
        return _write_all(engine, "demographic", _COLUMNS, [rows])
    finally:
        engine.dispose()


def requests(org: Org, anchor: str) -> dict[str, list[tuple[str, str, None]]]:
    """Return the request list of each report (one request each: the runs time them)."""
    day = date.fromisoformat(anchor)
    year_ago = (day - timedelta(days=365)).isoformat()
    target = org.positions[target_for(POSITIONS[0].code)]
    return {
        "fairness_readiness": [
            (
                "GET",
                "/v1/fairness/readiness?dimension=sex,race_ethnicity"
                f"&target_position_id={target}&as_of={anchor}",
                None,
            )
        ],
        "fairness_promotions": [
            ("GET", f"/v1/fairness/promotions?dimension=sex&from={year_ago}&to={anchor}", None)
        ],
        "fairness_pay": [("GET", f"/v1/fairness/pay?dimension=sex&as_of={anchor}", None)],
    }


def endpoints(people: str) -> list[tuple[str, str, int]]:
    """Return (key, label, connections) of the reports: one connection, like candidates."""
    return [(key, LABELS[key].format(people=people), 1) for key in KEYS]


def verdict_name(key: str) -> str:
    return f"{key.replace('fairness_', 'fairness report: ')}, 10,000 × 100: p50 ≤ 2 s"

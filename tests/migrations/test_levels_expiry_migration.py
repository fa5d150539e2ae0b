"""The skill-level and certification-expiry migration needs no backfill: events recorded
before it keep their meaning (NULL level is level 1, NULL expires_on never expires), and its
downgrade keeps them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.migrate import downgrade, upgrade

BEFORE = "0002"  # the revision this one follows
ROWS = [
    ("e1", 1, "skill_acquired", "2024-01-01", "Triage", "triage"),
    ("e2", 2, "certification_earned", "2024-02-01", "BLS", "bls"),
]


def test_events_recorded_before_keep_their_meaning_both_ways(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, BEFORE)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organization VALUES ('o', 'Old', '2024-01-01', '')"))
        conn.execute(
            text(
                "INSERT INTO employee VALUES ('o', 'p', 'P-1', NULL, '2024-01-01', "
                "'2024-01-01', 1, 2)"
            )
        )
        for event_id, seq, kind, day, name, key in ROWS:
            conn.execute(
                text(
                    "INSERT INTO career_event (organization_id, id, employee_id, seq, type, "
                    "occurred_on, recorded_at, name, name_key) VALUES ('o', :id, 'p', :seq, "
                    ":type, :day, '2024-01-01', :name, :key)"
                ),
                {"id": event_id, "seq": seq, "type": kind, "day": day, "name": name, "key": key},
            )

    upgrade(url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT id, level, expires_on FROM career_event ORDER BY seq")
        ).all()
    assert [tuple(r) for r in stored] == [("e1", None, None), ("e2", None, None)]

    downgrade(url, BEFORE)
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT id, type, name FROM career_event ORDER BY seq")).all()
    assert [tuple(r) for r in kept] == [(r[0], r[2], r[4]) for r in ROWS]
    engine.dispose()

"""Talent reviews as they hold on a day, and the nine-box grid (SPEC 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from app.domain.talent import Grid, GridFacts, LossLevel, Potential, TalentReview, nine_box
from app.models import TALENT_REVIEW_ONLY, CareerEvent
from app.services.catalog import current
from app.services.employees import today
from app.services.population import active_people


def latest_reviews(session: Session, organization_id: str, *, day: date) -> dict[str, TalentReview]:
    """Return each person's latest talent review on or before `day` (by date, then
    arrival), voided ones left out."""
    rows = session.execute(
        select(
            col(CareerEvent.employee_id),
            col(CareerEvent.occurred_on),
            col(CareerEvent.seq),
            col(CareerEvent.id),
            col(CareerEvent.potential),
            col(CareerEvent.risk_of_loss),
            col(CareerEvent.impact_of_loss),
        ).where(
            col(CareerEvent.organization_id) == organization_id,
            TALENT_REVIEW_ONLY,
            col(CareerEvent.voided_at).is_(None),
            col(CareerEvent.occurred_on) <= day,
        )
    ).all()
    rows = sorted(rows, key=lambda r: (r[1], r[2]))
    latest: dict[str, TalentReview] = {}
    for employee_id, _day, _seq, event_id, potential, risk, impact in rows:
        if potential is None:
            continue
        latest[employee_id] = TalentReview(
            event_id,
            Potential(potential),
            LossLevel(risk) if risk else None,
            LossLevel(impact) if impact else None,
        )
    return latest


@dataclass(frozen=True)
class GridResult:
    as_of: date
    grid: Grid


def grid(
    session: Session, organization_id: str, *, as_of: date | None, family: str | None
) -> GridResult:
    """Return the nine-box grid of everyone active on the day (today by default), in the
    family of the position they hold when one is given."""
    day = as_of or today()
    catalog = current(session, organization_id)
    people = active_people(
        session, organization_id, day=day, policy=catalog.policy.policy, proofs=[]
    )
    reviews = latest_reviews(session, organization_id, day=day)
    placed = []
    for employee_id, ((position_id, _since, _event), evidence) in people.items():
        if family is not None:
            held = catalog.positions.get(position_id)
            if held is None or held.family != family:
                continue
        review = reviews.get(employee_id)
        placed.append(
            GridFacts(
                employee_id=employee_id,
                review_count=int(evidence[0]),
                review_sum=int(evidence[1]),
                potential=review.potential if review else None,
            )
        )
    return GridResult(day, nine_box(people=placed))

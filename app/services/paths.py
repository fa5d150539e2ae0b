"""Observed career paths: the moves people actually made out of a position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from app.domain.history import move_records
from app.domain.mobility import ObservedMove, PathStats, observed_paths
from app.models import CareerEvent, Position
from app.services import history
from app.services.positions import get_position


@dataclass(frozen=True)
class PathsResult:
    from_position: Position
    paths: list[PathStats]
    codes: dict[str, str]


def paths_from(
    session: Session, organization_id: str, from_position_id: str, *, since: date | None
) -> PathsResult:
    """Return the observed moves out of a position (on or after `since`), most frequent first."""
    source = get_position(session, organization_id, from_position_id)
    people = select(CareerEvent.employee_id).where(
        CareerEvent.organization_id == organization_id,
        CareerEvent.position_id == from_position_id,
        CareerEvent.voided_at.is_(None),
    )
    by_person = history.state_events_by_person(
        session, organization_id, people=people.scalar_subquery()
    )
    level_of = history.levels(session, organization_id, history.positions_named(by_person))
    observed = [
        ObservedMove(
            to_position_id=record.to_position_id,
            months_before_move=record.months_in_from_role,
            pay_change_percent=record.pay_change_percent,
            classification=record.classification,
        )
        for facts in by_person.values()
        for record in move_records(events=facts, level_of=level_of)
        if record.from_position_id == from_position_id
        and (since is None or record.occurred_on >= since)
    ]
    stats = observed_paths(moves=observed)
    codes: dict[str, str] = dict(
        session.execute(
            select(Position.id, Position.code).where(
                Position.organization_id == organization_id,
                Position.id.in_([s.to_position_id for s in stats] or [""]),
            )
        ).all()
    )
    return PathsResult(source, stats, codes)

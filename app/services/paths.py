"""Observed career paths: the moves people actually made out of a position.

Read from the stored position holdings (`services.holdings`): one indexed query for the
spells in the position that a move ended, whatever the size of the organization's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from app.domain.mobility import ObservedMove, PathStats, observed_paths
from app.domain.values import whole_months_between
from app.models import Position
from app.services import holdings
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
    observed = [
        ObservedMove(
            to_position_id=spell.next_position_id or "",
            months_before_move=whole_months_between(spell.started_on, spell.ended_on),
            pay_change_percent=spell.pay_change_percent,
            classification=spell.classification,
        )
        for spell in holdings.moves_out_of(session, organization_id, from_position_id, since=since)
        if spell.ended_on is not None
    ]
    stats = observed_paths(moves=observed)
    codes: dict[str, str] = dict(
        session.execute(
            select(col(Position.id), col(Position.code)).where(
                col(Position.organization_id) == organization_id,
                col(Position.id).in_([s.to_position_id for s in stats] or [""]),
            )
        ).all()
    )
    return PathsResult(source, stats, codes)

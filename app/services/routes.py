"""Routes: the chains of positions people actually held from one position to another.

Read from the stored position holdings: one query for every spell of the people who ever
held the first position, then the pure route-finding of `app.domain.routes`.
"""

from __future__ import annotations

from sqlmodel import Session

from app.domain.routes import Route, Stay, routes
from app.services import holdings
from app.services.positions import get_position


def routes_between(
    session: Session,
    organization_id: str,
    *,
    from_position_id: str,
    to_position_id: str,
    max_steps: int,
) -> list[Route]:
    """Return the routes people took from one position to another in at most `max_steps`
    moves, most frequent first; 404 when either position is not the organization's."""
    get_position(session, organization_id, from_position_id)
    get_position(session, organization_id, to_position_id)
    careers = [
        [Stay(*spell) for spell in spells]
        for spells in holdings.careers_through(session, organization_id, from_position_id).values()
    ]
    return routes(
        careers=careers,
        from_position_id=from_position_id,
        to_position_id=to_position_id,
        max_steps=max_steps,
    )

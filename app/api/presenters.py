"""Turn stored rows and domain results into the API's response shapes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import Row

from app.domain.mobility import MoveType, PathStats, PositionFacts
from app.domain.routes import Route
from app.domain.talent import Grid
from app.domain.values import Money, Requirement, cents_to_decimal
from app.models import CareerEvent, Position, SuccessorChange
from app.schemas.common import MoneyPublic
from app.schemas.comparisons import ComparisonPublic, PayComparison, as_float
from app.schemas.employees import Advancement, EmployeePublic
from app.schemas.events import EventPublic
from app.schemas.person_view import OpportunityPublic, WhatIfPublic
from app.schemas.policy import PolicyPublic
from app.schemas.positions import PayBandPublic, PositionPublic, PositionSummary, RequirementPublic
from app.schemas.readiness import (
    CandidatePublic,
    ComponentPublic,
    ExpiringPublic,
    GapPublic,
    NextStepPublic,
    PathPublic,
    ReadinessPublic,
    RoutePublic,
)
from app.schemas.succession import (
    CellPublic,
    Computed,
    CoverageItem,
    CoveragePublic,
    CoverageSummaryPublic,
    GridPublic,
    SuccessorChangePublic,
    SuccessorPublic,
)
from app.services.candidates import Candidate
from app.services.comparisons import ComparisonResult
from app.services.coverage import Coverage
from app.services.employees import EmployeeView
from app.services.opportunities import Opportunity
from app.services.policy import StoredPolicy
from app.services.positions import pay_band, requirements_of
from app.services.readiness import ReadinessResult, WhatIfResult
from app.services.successors import SuccessorView


def requirement_out(req: Requirement) -> RequirementPublic:
    return RequirementPublic(
        kind=req.kind, name=req.name, mandatory=req.mandatory, min_level=req.min_level
    )


def position_summary(p: Position | PositionFacts | Row[Any]) -> PositionSummary:
    return PositionSummary(
        id=p.id, code=p.code, title=p.title, family=p.family, track=p.track, level=p.level
    )


def position_public(p: Position | Row[Any]) -> PositionPublic:
    """Present a stored position: an ORM object or a row of the table."""
    band = pay_band(p)
    return PositionPublic(
        **position_summary(p).model_dump(),
        pay_band=PayBandPublic(
            currency=band.currency,
            min=cents_to_decimal(band.min_cents),
            max=cents_to_decimal(band.max_cents),
            midpoint=cents_to_decimal(band.midpoint_cents),
        )
        if band
        else None,
        requirements=[requirement_out(r) for r in requirements_of(p)],
        min_months_in_role=p.min_months_in_role,
        critical=p.critical,
        created_at=p.created_at,
        updated_at=p.updated_at,
        version=p.version,
    )


def _money(cents: int | None, currency: str | None) -> MoneyPublic | None:
    if cents is None or currency is None:
        return None
    return MoneyPublic(amount=cents_to_decimal(cents), currency=currency)


def _salary(salary: Money | None) -> MoneyPublic | None:
    return _money(salary.cents, salary.currency) if salary else None


def employee_public(view: EmployeeView) -> EmployeePublic:
    e, projection = view.employee, view.projection
    return EmployeePublic(
        id=e.id,
        external_id=e.external_id,
        display_name=e.display_name,
        created_at=e.created_at,
        current_position_id=projection.position_id,
        current_salary=_salary(projection.salary),
        hired_on=projection.hired_on,
        status=projection.status,
        advancement=Advancement(
            promotions=view.count(MoveType.promotion),
            lateral_moves=view.count(MoveType.lateral),
            demotions=view.count(MoveType.demotion),
            trainings=view.counts.get("training_completed", 0),
            certifications=view.counts.get("certification_earned", 0),
            skills=view.counts.get("skill_acquired", 0),
            months_in_current_role=view.months_in_current_role,
        ),
    )


def event_public(ev: CareerEvent | Row[Any]) -> EventPublic:
    """Present a stored event: an ORM object or a row of the table."""
    return EventPublic(
        id=ev.id,
        employee_id=ev.employee_id,
        type=ev.type,
        occurred_on=ev.occurred_on,
        recorded_at=ev.recorded_at,
        position_id=ev.position_id,
        salary=_money(ev.salary_cents, ev.salary_currency),
        rating=ev.rating,
        name=ev.name,
        description=ev.description,
        level=(ev.level or 1) if ev.type == "skill_acquired" else None,
        expires_on=ev.expires_on,
        classification=ev.classification,
        voided_at=ev.voided_at,
        void_reason=ev.void_reason,
        potential=ev.potential,
        risk_of_loss=ev.risk_of_loss,
        impact_of_loss=ev.impact_of_loss,
    )


def comparison_public(result: ComparisonResult) -> ComparisonPublic:
    c = result.comparison
    pay = (
        PayComparison(
            currency=c.pay.currency,
            from_midpoint=cents_to_decimal(c.pay.from_midpoint_cents),
            to_midpoint=cents_to_decimal(c.pay.to_midpoint_cents),
            delta=cents_to_decimal(c.pay.delta_cents),
            delta_percent=as_float(c.pay.delta_percent),
        )
        if c.pay
        else None
    )
    out = ComparisonPublic(
        from_position=position_summary(result.source),
        to_position=position_summary(result.target),
        move_type=c.move_type,
        level_delta=c.level_delta,
        track_change=c.track_change,
        family_change=c.family_change,
        pay=pay,
        new_requirements=[requirement_out(r) for r in c.new_requirements],
        summary=c.summary,
    )
    fit = result.fit
    if fit is None:
        return out
    out.employee_id = result.employee_id
    out.requirements_met = [requirement_out(r) for r in fit.requirements_met]
    out.requirements_missing = [requirement_out(r) for r in fit.requirements_missing]
    out.current_salary = _salary(fit.current_salary)
    out.raise_to_band_min = (
        cents_to_decimal(fit.raise_to_band_min_cents)
        if fit.raise_to_band_min_cents is not None
        else None
    )
    out.compa_ratio_before = as_float(fit.compa_ratio_before)
    out.compa_ratio_after = as_float(fit.compa_ratio_after)
    out.flags = list(fit.flags)
    return out


def readiness_public(result: ReadinessResult | WhatIfResult) -> ReadinessPublic:
    r = result.readiness
    return ReadinessPublic(
        employee_id=result.employee_id,
        target_position_id=result.target_position_id,
        as_of=r.as_of,
        score=float(r.score),
        band=r.band,
        components=[
            ComponentPublic(
                name=c.name, score=float(c.score), weight=float(c.weight), evidence=list(c.evidence)
            )
            for c in r.components
        ],
        gaps=[
            GapPublic(
                component=g.component,
                text=g.text,
                requirement=requirement_out(g.requirement) if g.requirement else None,
                level_held=g.level_held,
                level_needed=g.level_needed,
                expired_on=g.expired_on,
            )
            for g in r.gaps
        ],
        next_steps=[
            NextStepPublic(component=s.component, action=s.action, gain=float(s.gain))
            for s in r.next_steps
        ],
        move_type=r.move_type,
        policy_version=r.policy_version,
        expiring=[ExpiringPublic(name=e.name, expires_on=e.expires_on) for e in r.expiring],
    )


def what_if_public(result: WhatIfResult) -> WhatIfPublic:
    delta = result.delta
    return WhatIfPublic(
        **readiness_public(result).model_dump(),
        baseline_score=as_float(result.baseline_score),
        delta=as_float(delta),
    )


def opportunity_out(o: Opportunity) -> OpportunityPublic:
    p = o.position
    return OpportunityPublic(
        position_id=p.id,
        code=p.code,
        title=p.title,
        family=p.family,
        level=p.level,
        move_type=o.move_type,
        score=float(o.score),
        band=o.band,
        requirements_missing=[requirement_out(r) for r in o.requirements_missing],
        pay_delta_percent=as_float(o.pay_delta_percent),
    )


def policy_public(stored: StoredPolicy) -> PolicyPublic:
    return PolicyPublic(version=stored.policy.version, created_at=stored.created_at, **stored.body)


def candidate_out(c: Candidate) -> CandidatePublic:
    r = c.readiness
    return CandidatePublic(
        employee_id=c.employee.id,
        external_id=c.employee.external_id,
        display_name=c.employee.display_name,
        score=float(r.score),
        band=r.band,
        move_type=r.move_type,
        requirements_missing=[requirement_out(req) for req in r.requirements_missing],
    )


def path_out(p: PathStats, codes: dict[str, str]) -> PathPublic:
    return PathPublic(
        to_position_id=p.to_position_id,
        to_position_code=codes.get(p.to_position_id, ""),
        count=p.count,
        share=float(p.share),
        median_months_before_move=as_float(p.median_months_before_move),
        median_pay_change_percent=as_float(p.median_pay_change_percent),
        classification=p.classification,
    )


def route_out(r: Route) -> RoutePublic:
    return RoutePublic(
        positions=list(r.positions), count=r.count, median_months=float(r.median_months)
    )


def successor_public(view: SuccessorView) -> SuccessorPublic:
    s, computed = view.successor, view.computed
    return SuccessorPublic(
        id=s.id,
        position_id=s.position_id,
        employee_id=s.employee_id,
        rank=s.rank,
        emergency=s.emergency,
        readiness_override=s.readiness_override,
        note=s.note,
        version=s.version,
        created_at=s.created_at,
        updated_at=s.updated_at,
        computed=Computed(score=float(computed.score), band=computed.band) if computed else None,
        effective_band=view.effective_band,
    )


def successor_change_out(change: SuccessorChange) -> SuccessorChangePublic:
    return SuccessorChangePublic(at=change.at, key_id=change.key_id, changes=change.changes)


def grid_out(as_of: date, grid: Grid) -> GridPublic:
    return GridPublic(
        as_of=as_of,
        cells=[
            CellPublic(
                performance=c.performance,
                potential=c.potential,
                count=c.count,
                employee_ids=list(c.employee_ids),
            )
            for c in grid.cells
        ],
        unrated=grid.unrated,
    )


def coverage_out(result: Coverage) -> CoveragePublic:
    return CoveragePublic(
        as_of=result.as_of,
        items=[CoverageItem(**asdict(item)) for item in result.items],
        summary=CoverageSummaryPublic(**asdict(result.summary)),
    )

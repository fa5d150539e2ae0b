"""Demographics (admin) and the three group reports (audit)."""

from decimal import Decimal
from typing import Annotated, Literal, SupportsInt

from fastapi import Query, Response

from app.api.common import api_router, problems, svg, svg_problems
from app.api.fairness_chart import readiness_chart
from app.auth import Admin, Auditor
from app.db import SessionDep
from app.domain.fairness import Category, PayRow, RatedGroup, rounded
from app.domain.readiness import Band
from app.domain.values import cents_to_decimal
from app.schemas.common import Day
from app.schemas.comparisons import as_float
from app.schemas.fairness import (
    DemographicsIn,
    DemographicsPublic,
    PayGroup,
    PayReport,
    PayRowAll,
    PayRowByFamily,
    PayRowByLevel,
    PayRowByPosition,
    PopulationGroup,
    PromotionGroup,
    PromotionReport,
    Quartile,
    QuartileGroup,
    ReadinessGroup,
    ReadinessReport,
)
from app.services import demographics, fairness

router = api_router("", "fairness")

Dimension = Annotated[
    str,
    Query(
        max_length=200,
        pattern=r"^[a-z][a-z0-9_]{0,31}(,[a-z][a-z0-9_]{0,31}){0,2}$",
        description="One to three dimension names, comma-separated; with more than one, the "
        "groups are their intersections.",
        examples=["sex", "sex,race_ethnicity"],
    ),
]


def _category(dimensions: tuple[str, ...], category: Category) -> dict[str, str]:
    return dict(zip(dimensions, category, strict=True))


@router.put(
    "/employees/{employee_id}/demographics",
    response_model=DemographicsPublic,
    summary="Replace a person's demographic categories (admin)",
    responses=problems(400, 403, 404, 413, 415, 422),
)
def put_demographics(
    employee_id: str, body: DemographicsIn, principal: Admin, session: SessionDep
) -> DemographicsPublic:
    row = demographics.replace_demographics(
        session, principal.organization_id, employee_id, body.attributes
    )
    return DemographicsPublic(
        employee_id=employee_id, attributes=row.attributes, updated_at=row.updated_at
    )


@router.get(
    "/employees/{employee_id}/demographics",
    response_model=DemographicsPublic,
    summary="A person's demographic categories (admin)",
    responses=problems(403, 404),
)
def get_demographics(employee_id: str, principal: Admin, session: SessionDep) -> DemographicsPublic:
    row = demographics.get_demographics(session, principal.organization_id, employee_id)
    if row is None:
        return DemographicsPublic(employee_id=employee_id, attributes={}, updated_at=None)
    return DemographicsPublic(
        employee_id=employee_id, attributes=dict(row.attributes), updated_at=row.updated_at
    )


@router.delete(
    "/employees/{employee_id}/demographics",
    status_code=204,
    summary="Clear a person's demographic categories (admin)",
    responses=problems(403, 404),
)
def delete_demographics(employee_id: str, principal: Admin, session: SessionDep) -> Response:
    demographics.delete_demographics(session, principal.organization_id, employee_id)
    return Response(status_code=204)


def _rated(dimensions: tuple[str, ...], g: RatedGroup) -> dict[str, object]:
    return {
        "category": _category(dimensions, g.category),
        "count": g.count,
        "share": float(g.share),
        "excluded": g.excluded,
    }


TargetPosition = Annotated[
    str | None, Query(max_length=100, description="Omit for 'one level up'.")
]
AsOf = Annotated[Day | None, Query(description="Today (UTC) if omitted.")]
SelectedBand = Annotated[Band, Query(description="Selected: this band or a readier one.")]


def _readiness_report(
    session: SessionDep,
    organization_id: str,
    dimension: str,
    target_position_id: str | None,
    as_of: Day | None,
    selected_band: Band,
) -> ReadinessReport:
    dimensions = fairness.parse_dimensions(dimension)
    report = fairness.readiness_report(
        session,
        organization_id,
        dimensions=dimensions,
        target_position_id=target_position_id,
        as_of=as_of,
        selected_band=selected_band,
    )
    groups = [
        ReadinessGroup(
            **_rated(dimensions, g),
            mean_score=as_float(mean_score),
            selected=g.hits[0],
            selection_rate=as_float(g.rates[0]),
            selection_impact_ratio=as_float(g.ratios[0]),
            scoring_rate=as_float(g.rates[1]),
            scoring_impact_ratio=as_float(g.ratios[1]),
            adverse_impact=g.adverse_impact,
        )
        for g, mean_score in report.groups
    ]
    return ReadinessReport(
        dimensions=list(dimensions),
        population=report.population,
        unknown=report.unknown,
        as_of=report.as_of,
        target_position_id=report.target_position_id,
        policy_version=report.policy_version,
        selected_band=report.selected_band,
        median_score=as_float(report.median_score),
        adverse_impact_groups=sum(1 for g in groups if g.adverse_impact),
        groups=groups,
    )


@router.get(
    "/fairness/readiness",
    response_model=ReadinessReport,
    summary="Selection and scoring rates by group over the succession slate (audit)",
    responses=problems(403, 404, 422),
)
def readiness_report(
    dimension: Dimension,
    principal: Auditor,
    session: SessionDep,
    target_position_id: TargetPosition = None,
    as_of: AsOf = None,
    selected_band: SelectedBand = Band.ready_now,
) -> ReadinessReport:
    return _readiness_report(
        session, principal.organization_id, dimension, target_position_id, as_of, selected_band
    )


@router.get(
    "/fairness/readiness.svg",
    response_class=Response,
    summary="The readiness report as a picture: selection rates against four fifths (audit)",
    responses=svg_problems(403, 404, 422),
)
def readiness_report_svg(
    dimension: Dimension,
    principal: Auditor,
    session: SessionDep,
    target_position_id: TargetPosition = None,
    as_of: AsOf = None,
    selected_band: SelectedBand = Band.ready_now,
) -> Response:
    report = _readiness_report(
        session, principal.organization_id, dimension, target_position_id, as_of, selected_band
    )
    return svg(readiness_chart(report))


@router.get(
    "/fairness/promotions",
    response_model=PromotionReport,
    summary="Promotion rates by group in a window, from the classified moves (audit)",
    responses=problems(403, 422),
)
def promotion_report(
    dimension: Dimension,
    principal: Auditor,
    session: SessionDep,
    from_: Annotated[
        Day, Query(alias="from", description="First day; the population is employed on it.")
    ],
    to: Annotated[Day, Query(description="Last day, inclusive.")],
) -> PromotionReport:
    dimensions = fairness.parse_dimensions(dimension)
    report = fairness.promotion_report(
        session, principal.organization_id, dimensions=dimensions, start=from_, end=to
    )
    groups = [
        PromotionGroup(
            **_rated(dimensions, g),
            promoted=g.hits[0],
            promotion_rate=as_float(g.rates[0]),
            impact_ratio=as_float(g.ratios[0]),
            adverse_impact=g.adverse_impact,
        )
        for g in report.groups
    ]
    return PromotionReport(
        dimensions=list(dimensions),
        population=report.population,
        unknown=report.unknown,
        from_=report.start,
        to=report.end,
        adverse_impact_groups=sum(1 for g in groups if g.adverse_impact),
        groups=groups,
    )


def _money(cents: SupportsInt | None) -> Decimal | None:
    return None if cents is None else cents_to_decimal(int(cents))


def _pay_row(
    dimensions: tuple[str, ...], group_by: str, key: object, currency: str, row: PayRow
) -> PayRowByLevel | PayRowByFamily | PayRowByPosition | PayRowAll:
    groups = [
        PayGroup(
            category=_category(dimensions, g.category),
            count=g.count,
            share=float(g.share),
            excluded=g.excluded,
            suppressed=g.suppressed,
            mean_salary=_money(g.mean_cents),
            median_salary=_money(g.median_cents),
            mean_gap_percent=as_float(g.mean_gap_percent),
            median_gap_percent=as_float(g.median_gap_percent),
        )
        for g in row.groups
    ]
    common = {
        "currency": currency,
        "groups": groups,
        "joint_pay_assessment": row.joint_pay_assessment,
    }
    if group_by == "level":
        return PayRowByLevel(level=key, **common)
    if group_by == "family":
        return PayRowByFamily(family=key, **common)
    if group_by == "position":
        return PayRowByPosition(position_id=key, **common)
    return PayRowAll(**common)


@router.get(
    "/fairness/pay",
    response_model=PayReport,
    summary="Mean and median pay gaps by group, with small groups suppressed (audit)",
    responses=problems(403, 422),
)
def pay_report(
    dimension: Dimension,
    principal: Auditor,
    session: SessionDep,
    as_of: Annotated[Day | None, Query(description="Today (UTC) if omitted.")] = None,
    group_by: Annotated[
        Literal["level", "family", "position", "none"],
        Query(description="One row per value and currency; salaries never mix currencies."),
    ] = "level",
    reference: Annotated[
        str | None,
        Query(
            max_length=64,
            description="The reference category (one dimension only); default: the category "
            "with the most people, ties by name.",
        ),
    ] = None,
    min_count: Annotated[
        int, Query(ge=1, le=1000, description="Smaller groups are suppressed.")
    ] = 5,
) -> PayReport:
    dimensions = fairness.parse_dimensions(dimension)
    report = fairness.pay_report(
        session,
        principal.organization_id,
        dimensions=dimensions,
        as_of=as_of,
        group_by=group_by,
        reference=reference,
        min_count=min_count,
    )
    rows = [_pay_row(dimensions, group_by, r.key, r.currency, r.row) for r in report.rows]
    return PayReport(
        dimensions=list(dimensions),
        population=report.population,
        unknown=report.unknown,
        as_of=report.as_of,
        group_by=group_by,
        reference=_category(dimensions, report.reference) if report.reference else None,
        min_count=min_count,
        joint_pay_assessment=any(r.joint_pay_assessment for r in rows),
        groups=[
            PopulationGroup(
                category=_category(dimensions, g.category),
                count=g.count,
                share=float(rounded(g.share, 3)),
                excluded=g.excluded,
            )
            for g in report.groups
        ],
        rows=rows,
        quartiles=[
            Quartile(
                currency=currency,
                quartile=n,
                groups=[
                    QuartileGroup(
                        category=_category(dimensions, q.category),
                        count=q.count,
                        suppressed=q.suppressed,
                    )
                    for q in counts
                ],
            )
            for currency, n, counts in report.quartiles
        ],
    )

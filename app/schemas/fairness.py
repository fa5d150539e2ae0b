"""Demographics and group-report shapes (SPEC 10)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain.readiness import Band
from app.schemas.common import AmountOut, InputModel

CategoryOut = dict[str, str]

_CATEGORY_EXAMPLE: Any = {"sex": "female", "race_ethnicity": "Hispanic or Latino"}


class DemographicsIn(InputModel):
    attributes: dict[str, str] = Field(
        description="The whole set of the person's categories, by dimension: the "
        "organization's own words. A dimension matches ^[a-z][a-z0-9_]{0,31}$, at most 8; "
        "a category is 1-64 characters (trimmed), no control characters.",
        json_schema_extra={
            "maxProperties": 8,
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 64},
        },
    )

    model_config = {"json_schema_extra": {"examples": [{"attributes": _CATEGORY_EXAMPLE}]}}


class DemographicsPublic(BaseModel):
    employee_id: str
    attributes: dict[str, str]
    updated_at: datetime | None = Field(description="Null when nothing is recorded.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "employee_id": "0b7f3c1e-3f7a-4d59-9a63-2f9d7d0c1a11",
                    "attributes": _CATEGORY_EXAMPLE,
                    "updated_at": "2026-12-01T09:30:00Z",
                }
            ]
        }
    }


class GroupBase(BaseModel):
    category: CategoryOut = Field(description="The group's category on each dimension.")
    count: int
    share: float = Field(ge=0, le=1, description="Share of the people with known categories.")
    excluded: bool = Field(description="Under 2% of the known population: no ratios.")


class ReadinessGroup(GroupBase):
    mean_score: float | None
    selected: int = Field(description="People in the selected band or a readier one.")
    selection_rate: float | None
    selection_impact_ratio: float | None
    scoring_rate: float | None = Field(
        description="Share scoring strictly above the median score of the whole population."
    )
    scoring_impact_ratio: float | None
    adverse_impact: bool = Field(description="An impact ratio is under 0.8.")


class ReportBase(BaseModel):
    dimensions: list[str]
    population: int = Field(description="People counted, unknown included.")
    unknown: int = Field(description="People without a value for some named dimension.")


class ReadinessReport(ReportBase):
    as_of: date
    target_position_id: str | None
    policy_version: int
    selected_band: Band
    median_score: float | None
    adverse_impact_groups: int
    groups: list[ReadinessGroup]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "dimensions": ["sex"],
                    "population": 10,
                    "unknown": 1,
                    "as_of": "2026-12-01",
                    "target_position_id": "5d1c2b8e-8f0e-4c3b-9d51-7f3f0f2b6a20",
                    "policy_version": 1,
                    "selected_band": "ready_now",
                    "median_score": 61.5,
                    "adverse_impact_groups": 1,
                    "groups": [
                        {
                            "category": {"sex": "female"},
                            "count": 4,
                            "share": 0.444,
                            "excluded": False,
                            "mean_score": 55.0,
                            "selected": 1,
                            "selection_rate": 0.25,
                            "selection_impact_ratio": 0.417,
                            "scoring_rate": 0.25,
                            "scoring_impact_ratio": 0.417,
                            "adverse_impact": True,
                        },
                        {
                            "category": {"sex": "male"},
                            "count": 5,
                            "share": 0.556,
                            "excluded": False,
                            "mean_score": 70.2,
                            "selected": 3,
                            "selection_rate": 0.6,
                            "selection_impact_ratio": 1.0,
                            "scoring_rate": 0.6,
                            "scoring_impact_ratio": 1.0,
                            "adverse_impact": False,
                        },
                    ],
                }
            ]
        }
    }


class PromotionGroup(GroupBase):
    promoted: int
    promotion_rate: float | None
    impact_ratio: float | None
    adverse_impact: bool = Field(description="The impact ratio is under 0.8.")


class PromotionReport(ReportBase):
    from_: date = Field(alias="from")
    to: date
    adverse_impact_groups: int
    groups: list[PromotionGroup]

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "dimensions": ["sex"],
                    "population": 20,
                    "unknown": 0,
                    "from": "2025-01-01",
                    "to": "2025-12-31",
                    "adverse_impact_groups": 1,
                    "groups": [
                        {
                            "category": {"sex": "female"},
                            "count": 10,
                            "share": 0.5,
                            "excluded": False,
                            "promoted": 1,
                            "promotion_rate": 0.1,
                            "impact_ratio": 0.333,
                            "adverse_impact": True,
                        },
                        {
                            "category": {"sex": "male"},
                            "count": 10,
                            "share": 0.5,
                            "excluded": False,
                            "promoted": 3,
                            "promotion_rate": 0.3,
                            "impact_ratio": 1.0,
                            "adverse_impact": False,
                        },
                    ],
                }
            ]
        },
    )


class PayGroup(GroupBase):
    suppressed: bool = Field(description="Fewer than `min_count` people: no pay figures.")
    mean_salary: AmountOut | None
    median_salary: AmountOut | None
    mean_gap_percent: float | None = Field(
        description="(reference - group) / reference x 100, on mean pay, to 2 decimals."
    )
    median_gap_percent: float | None


_JOINT = Field(description="An unsuppressed group's mean gap is 5% or more either way.")


class PayRowAll(BaseModel):
    """A row of `group_by=none`: everyone paid in one currency."""

    currency: str
    groups: list[PayGroup]
    joint_pay_assessment: bool = _JOINT


class PayRowByLevel(BaseModel):
    level: int
    currency: str
    groups: list[PayGroup]
    joint_pay_assessment: bool = _JOINT


class PayRowByFamily(BaseModel):
    family: str
    currency: str
    groups: list[PayGroup]
    joint_pay_assessment: bool = _JOINT


class PayRowByPosition(BaseModel):
    position_id: str
    currency: str
    groups: list[PayGroup]
    joint_pay_assessment: bool = _JOINT


PayRow = PayRowByLevel | PayRowByFamily | PayRowByPosition | PayRowAll


class QuartileGroup(BaseModel):
    category: CategoryOut
    count: int | None = Field(description="Null when suppressed.")
    suppressed: bool = Field(
        description="Between 1 and `min_count` - 1 people of the group in this quartile."
    )


class Quartile(BaseModel):
    currency: str
    quartile: int = Field(ge=1, le=4, description="1 is the lowest pay.")
    groups: list[QuartileGroup]


class PopulationGroup(GroupBase):
    pass


class PayReport(ReportBase):
    as_of: date
    group_by: str
    reference: CategoryOut | None = Field(description="The category gaps are measured against.")
    min_count: int
    joint_pay_assessment: bool = Field(description="Some row calls for a joint pay assessment.")
    groups: list[PopulationGroup] = Field(description="The whole population's groups.")
    rows: list[PayRow]
    quartiles: list[Quartile]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "dimensions": ["sex"],
                    "population": 12,
                    "unknown": 0,
                    "as_of": "2026-12-01",
                    "group_by": "level",
                    "reference": {"sex": "male"},
                    "min_count": 5,
                    "joint_pay_assessment": True,
                    "groups": [
                        {
                            "category": {"sex": "female"},
                            "count": 6,
                            "share": 0.5,
                            "excluded": False,
                        },
                        {"category": {"sex": "male"}, "count": 6, "share": 0.5, "excluded": False},
                    ],
                    "rows": [
                        {
                            "level": 3,
                            "currency": "USD",
                            "joint_pay_assessment": True,
                            "groups": [
                                {
                                    "category": {"sex": "female"},
                                    "count": 6,
                                    "share": 0.5,
                                    "excluded": False,
                                    "suppressed": False,
                                    "mean_salary": "66000.00",
                                    "median_salary": "65000.00",
                                    "mean_gap_percent": 8.33,
                                    "median_gap_percent": 7.14,
                                },
                                {
                                    "category": {"sex": "male"},
                                    "count": 6,
                                    "share": 0.5,
                                    "excluded": False,
                                    "suppressed": False,
                                    "mean_salary": "72000.00",
                                    "median_salary": "70000.00",
                                    "mean_gap_percent": 0.0,
                                    "median_gap_percent": 0.0,
                                },
                            ],
                        }
                    ],
                    "quartiles": [
                        {
                            "currency": "USD",
                            "quartile": 1,
                            "groups": [
                                {"category": {"sex": "female"}, "count": None, "suppressed": True},
                                {"category": {"sex": "male"}, "count": None, "suppressed": True},
                            ],
                        }
                    ],
                }
            ]
        }
    }

"""The registered-nurse walkthrough's values, as the OpenAPI document's examples.

`app.openapi` puts these into the document: a response whose schema is named here shows
this value; any other is built from its schema, taking a field's value from `FIELDS` when
the walkthrough has one. The values are what the service answers in the README's
walkthrough (ids fixed, so the document does not change from one build to the next).
"""

from __future__ import annotations

import uuid
from typing import Any

from app.schemas.policy import DEFAULT_POLICY_EXAMPLE, PolicyBody

RN_ID = "0193e9a0-5c1a-7d40-8a52-3f1c2b7d9e01"
MGR_ID = "0193e9a0-5c1a-7d40-8a52-3f1c2b7d9e02"
TRIAGE_ID = "0193e9a0-5c1a-7d40-8a52-3f1c2b7d9e03"
ANA_ID = "0193e9a0-6b2e-7f10-9c63-4d2e3c8eaf10"
HIRE_ID = "0193e9a0-7a41-7c22-b174-5e3f4d9fb021"
EVENT_IDS = [
    HIRE_ID,
    "0193e9a0-7a41-7c22-b174-5e3f4d9fb022",  # review, 2025-01-10, rated 4
    "0193e9a0-7a41-7c22-b174-5e3f4d9fb023",  # leadership activity
    "0193e9a0-7a41-7c22-b174-5e3f4d9fb024",  # initiative
    "0193e9a0-7a41-7c22-b174-5e3f4d9fb025",  # training
    "0193e9a0-7a41-7c22-b174-5e3f4d9fb026",  # review, 2026-01-12, rated 5
]
ASSESSMENT_ID = "0193e9a0-8c55-7e31-a285-6f405eac0130"
KEY_ID = "0193e9a0-9d66-7f42-b396-70516fbd1140"
ADMIN_KEY_ID = "0193e9a0-9d66-7f42-b396-70516fbd1141"
RECORDED_AT = "2026-03-01T09:30:00.000000Z"

_CERTIFICATION = {"kind": "certification", "name": "Nurse Executive (NE-BC)", "mandatory": True}
_RN = {
    "id": RN_ID,
    "code": "RN",
    "title": "Registered Nurse",
    "family": "Nursing",
    "track": "individual",
    "level": 3,
}
_MGR = {
    "id": MGR_ID,
    "code": "RN-MGR",
    "title": "Registered Nurse Manager",
    "family": "Nursing",
    "track": "management",
    "level": 4,
}
_SALARY = {"amount": "68000.00", "currency": "USD"}

# Response schemas by name: what the walkthrough's requests answer.
SCHEMAS: dict[str, Any] = {
    "PositionSummary": _MGR,
    "PositionPublic": {
        **_MGR,
        "pay_band": {
            "currency": "USD",
            "min": "75000.00",
            "max": "95000.00",
            "midpoint": "85000.00",
        },
        "requirements": [_CERTIFICATION],
        "min_months_in_role": 18,
        "critical": True,
        "created_at": RECORDED_AT,
        "updated_at": RECORDED_AT,
        "version": 1,
    },
    "EmployeePublic": {
        "id": ANA_ID,
        "external_id": "E-1001",
        "display_name": "Ana Ruiz",
        "created_at": RECORDED_AT,
        "current_position_id": RN_ID,
        "current_salary": _SALARY,
        "hired_on": "2024-01-15",
        "status": "active",
        "advancement": {
            "promotions": 0,
            "lateral_moves": 0,
            "demotions": 0,
            "trainings": 1,
            "certifications": 0,
            "skills": 0,
            "months_in_current_role": 25,
        },
    },
    "EventPublic": {
        "id": HIRE_ID,
        "employee_id": ANA_ID,
        "type": "hire",
        "occurred_on": "2024-01-15",
        "recorded_at": RECORDED_AT,
        "position_id": RN_ID,
        "salary": _SALARY,
        "rating": None,
        "name": None,
        "description": None,
        "classification": None,
        "voided_at": None,
        "void_reason": None,
    },
    "ComparisonPublic": {
        "from_position": _RN,
        "to_position": _MGR,
        "move_type": "promotion",
        "level_delta": 1,
        "track_change": True,
        "family_change": False,
        "pay": {
            "currency": "USD",
            "from_midpoint": "70000.00",
            "to_midpoint": "85000.00",
            "delta": "15000.00",
            "delta_percent": 21.43,
        },
        "new_requirements": [_CERTIFICATION],
        "summary": "Registered Nurse to Registered Nurse Manager is a promotion, 1 level up, "
        "with midpoint pay +15,000.00 USD (+21.43%); it additionally requires certification "
        '"Nurse Executive (NE-BC)".',
        "employee_id": ANA_ID,
        "requirements_met": [],
        "requirements_missing": [_CERTIFICATION],
        "current_salary": _SALARY,
        "raise_to_band_min": "7000.00",
        "compa_ratio_before": 0.971,
        "compa_ratio_after": 0.8,
        "flags": ["missing_mandatory_requirements", "below_target_band"],
    },
    "ReadinessPublic": {
        "employee_id": ANA_ID,
        "target_position_id": MGR_ID,
        "as_of": "2026-03-01",
        "score": 59.0,
        "band": "ready_1_2_years",
        "components": [
            {
                "name": "performance",
                "score": 87.5,
                "weight": 0.35,
                "evidence": [EVENT_IDS[1], EVENT_IDS[5]],
            },
            {
                "name": "leadership",
                "score": 66.7,
                "weight": 0.2,
                "evidence": [EVENT_IDS[2], EVENT_IDS[3]],
            },
            {"name": "development", "score": 25.0, "weight": 0.2, "evidence": [EVENT_IDS[4]]},
            {"name": "requirements", "score": 0.0, "weight": 0.15, "evidence": []},
            {"name": "experience", "score": 100.0, "weight": 0.1, "evidence": [HIRE_ID]},
        ],
        "gaps": [
            {
                "component": "performance",
                "text": "Mean review rating 4.5 over 2 review(s) in the last 24 months; a mean "
                "of 5 (far exceeds) scores 100.",
                "requirement": None,
            },
            {
                "component": "leadership",
                "text": "2 of 3 leadership activities or initiatives in the last 24 months.",
                "requirement": None,
            },
            {
                "component": "development",
                "text": "1 of 4 trainings, certifications or skills in the last 24 months.",
                "requirement": None,
            },
            {
                "component": "requirements",
                "text": 'Missing mandatory certification "Nurse Executive (NE-BC)".',
                "requirement": _CERTIFICATION,
            },
        ],
        "next_steps": [
            {
                "component": "requirements",
                "action": 'Earn the certification "Nurse Executive (NE-BC)".',
                "gain": 20.0,
            },
            {
                "component": "leadership",
                "action": "Take on a leadership activity or initiative, such as leading the "
                "monthly team meeting.",
                "gain": 6.6,
            },
            {
                "component": "development",
                "action": "Complete a training, earn a certification or acquire a skill.",
                "gain": 5.0,
            },
            {
                "component": "performance",
                "action": "Exceed the role's requirements in the next review (rated 5, far "
                "exceeds).",
                "gain": 1.4,
            },
        ],
        "move_type": "promotion",
        "policy_version": 1,
    },
    "CandidatePublic": {
        "employee_id": ANA_ID,
        "external_id": "E-1001",
        "display_name": "Ana Ruiz",
        "score": 59.0,
        "band": "ready_1_2_years",
        "move_type": "promotion",
        "requirements_missing": [_CERTIFICATION],
    },
    "PathPublic": {
        "to_position_id": MGR_ID,
        "to_position_code": "RN-MGR",
        "count": 1,
        "share": 1.0,
        "median_months_before_move": 26.0,
        "median_pay_change_percent": 23.53,
        "classification": "promotion",
    },
    # The default policy as the service answers it: read as a body (thresholds 75.0).
    "PolicyPublic": {
        "version": 1,
        **PolicyBody.model_validate(DEFAULT_POLICY_EXAMPLE).model_dump(mode="json"),
        "created_at": RECORDED_AT,
    },
    # examples/with-errors.ndjson, with the positions of the walkthrough.
    "ImportReport": {
        "lines": 4,
        "created": 2,
        "duplicates": 0,
        "rejected": 2,
        "errors": [
            {"line": 2, "field": "rating", "message": "Input should be less than or equal to 5"},
            {"line": 3, "field": "position_code", "message": "no position with code 'ICU-RN'"},
        ],
    },
    "Health": {"status": "ok"},
    "KeyPublic": {
        "id": KEY_ID,
        "name": "hr-sync",
        "prefix": "cm_rfXWf",
        "scopes": ["read"],
        "created_at": RECORDED_AT,
        "expires_at": "2027-03-01T00:00:00Z",
        "last_used_at": None,
        "revoked_at": None,
    },
    "ReviewPublic": {
        "outcome": "confirmed",
        "band": "ready_1_2_years",
        "reason": "Agreed: the certification comes first",
        "reviewer": "Maria Chen",
        "reviewed_at": RECORDED_AT,
    },
}
SCHEMAS["KeyCreated"] = {
    **SCHEMAS["KeyPublic"],
    "key": "cm_rfXWf_d3878c86247242158548edd56b797fa1_laB7Bk2pP_LR8ZSPWsNsDK4nC6tg1MiRB8HKk1s-CqQ",
}
# Ana's assessment for RN Manager, as recorded on the walkthrough's day.
SCHEMAS["AssessmentPublic"] = {
    "id": ASSESSMENT_ID,
    "employee_id": ANA_ID,
    "target_position_id": MGR_ID,
    "as_of": "2026-03-01",
    "purpose": "promotion_decision",
    "note": "Discussed at the March talent review",
    "created_at": RECORDED_AT,
    "created_by": ADMIN_KEY_ID,
    "policy_version": 1,
    "readiness": SCHEMAS["ReadinessPublic"],
    "explanation": [
        "Performance scores 87.5 of 100 (weight 0.35), from the mean rating of performance "
        "reviews in the scoring window, backed by 2 events.",
        "Leadership scores 66.7 of 100 (weight 0.2), from leadership activities and "
        "initiatives in the scoring window, backed by 2 events.",
        "Development scores 25.0 of 100 (weight 0.2), from trainings, certifications and "
        "skills in the scoring window, backed by 1 event.",
        "Requirements scores 0.0 of 100 (weight 0.15), from the target's mandatory "
        "requirements met, backed by no event.",
        "Experience scores 100.0 of 100 (weight 0.1), from months in the current role, "
        "backed by 1 event.",
        "The total of 59.0 is at least 50.0 and under 75.0, so the band is ready_1_2_years "
        "(ready in one to two years).",
    ],
    "review": None,
}

# Field values for schemas not named above, by field name: the walkthrough's where it has one.
FIELDS: dict[str, Any] = {
    "position_id": MGR_ID,
    "from_position_id": RN_ID,
    "to_position_id": MGR_ID,
    "target_position_id": MGR_ID,
    "current_position_id": RN_ID,
    "employee_id": ANA_ID,
    "event_id": HIRE_ID,
    "code": "RN-MGR",
    "title": "Registered Nurse Manager",
    "family": "Nursing",
    "track": "management",
    "level": 4,
    "currency": "USD",
    "amount": "68000.00",
    "min": "75000.00",
    "max": "95000.00",
    "midpoint": "85000.00",
    "external_id": "E-1001",
    "display_name": "Ana Ruiz",
    "name": "Nurse Executive (NE-BC)",
    "kind": "certification",
    "mandatory": True,
    "min_months_in_role": 18,
    "occurred_on": "2026-02-20",
    "as_of": "2026-03-01",
    "hired_on": "2024-01-15",
    "created_at": RECORDED_AT,
    "updated_at": RECORDED_AT,
    "recorded_at": RECORDED_AT,
    "version": 1,
    "rating": 4,
    "score": 59.0,
    "band": "ready_1_2_years",
    "move_type": "promotion",
    "classification": "promotion",
    "description": "Started a falls-prevention huddle",
    "reason": "Recorded against the wrong person",
    "note": "Discussed at the March talent review",
    "created_by": ADMIN_KEY_ID,
    "reviewer": "Maria Chen",
    "policy_version": 1,
    "next_cursor": None,
    "voided_at": None,
    "void_reason": None,
}


def value_for(name: str, schema: dict[str, Any], *, owner: str = "") -> Any:
    """Return a scalar for a field the walkthrough has no value for, never a placeholder
    (`owner`: the schema the field belongs to, whose `id` is its own)."""
    if name in FIELDS and FIELDS[name] is not None:
        return FIELDS[name]
    kind = schema.get("type")
    if kind == "integer":
        return int(schema.get("minimum", 1)) or 1
    if kind == "number":
        return float(schema.get("minimum", 1.0)) or 1.0
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-03-01"
    if fmt == "date-time":
        return FIELDS["created_at"]
    if name == "id" or name.endswith("_id"):
        of = f"{owner}.id" if name == "id" and owner else name
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"career-mobility:{of}"))
    if name == "version":
        return 1
    return name.replace("_", " ").capitalize() or "Text"

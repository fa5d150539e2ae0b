"""Small builders and readers shared by the API tests: positions, people and events through
the API, each asserting it was created or found; the rows a person's events left in the
database; and the checks every error answer must pass.

Builders come in pairs where tests need both: `make_*` and `add_event` return the created
resource's JSON, `create_*` and `record` only its id. Files whose tests want other defaults
pass them as keyword arguments rather than keeping a copy of a builder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent

PROBLEM_JSON = "application/problem+json"
NOBODY = "00000000-0000-4000-8000-000000000000"

# The advancement of a person with no counted event yet.
NO_ADVANCEMENT = {
    "promotions": 0,
    "lateral_moves": 0,
    "demotions": 0,
    "trainings": 0,
    "certifications": 0,
    "skills": 0,
    "months_in_current_role": None,
}

_codes = count(1)


def created(response: Any) -> dict[str, Any]:
    """Assert the answer is a 201 and return its body."""
    assert response.status_code == 201, response.text
    return dict(response.json())


def ok(response: Any) -> dict[str, Any]:
    """Assert the answer is a 200 and return its body."""
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(key: str) -> dict[str, str]:
    """Return the Authorization header that presents this API key."""
    return {"Authorization": f"Bearer {key}"}


def usd(amount: int | str) -> dict[str, str]:
    """Return a USD amount: whole dollars from an int, or the string as written."""
    return {"amount": f"{amount}.00" if isinstance(amount, int) else amount, "currency": "USD"}


def band(low: int | str = 50000, high: int | str = 70000, currency: str = "USD") -> dict[str, Any]:
    """Return a pay band."""
    return {"currency": currency, "min": low, "max": high}


def position_body(code: str | None = None, level: int = 3, **fields: Any) -> dict[str, Any]:
    """Return a position body (family Nursing, individual track, a fresh code unless given);
    `fields` replace or add fields."""
    code = code if code is not None else f"P-{next(_codes)}"
    body = {
        "code": code,
        "title": f"Title {code}",
        "family": "Nursing",
        "track": "individual",
        "level": level,
    }
    return {**body, **fields}


def nurse_position(**fields: Any) -> dict[str, Any]:
    """Return the registered nurse's position body (RN, level 3, USD 60,000 to 80,000);
    `fields` replace or add fields."""
    nurse = position_body("RN", 3, title="Registered Nurse", pay_band=band(60000, 80000))
    return nurse | fields


def make_position(
    api: TestClient, code: str | None = None, level: int = 3, **fields: Any
) -> dict[str, Any]:
    """Create a position (see `position_body`) and return its JSON."""
    return created(api.post("/v1/positions", json=position_body(code, level, **fields)))


def create_position(api: TestClient, code: str, level: int, **fields: Any) -> str:
    """Create a position (family Nursing, individual track unless given) and return its id."""
    return str(make_position(api, code, level, **fields)["id"])


def make_employee(api: TestClient, external_id: str = "E-1", **fields: Any) -> dict[str, Any]:
    """Create a person and return their JSON."""
    return created(api.post("/v1/employees", json={"external_id": external_id, **fields}))


def create_employee(api: TestClient, external_id: str, **fields: Any) -> str:
    """Create a person and return their id."""
    return str(make_employee(api, external_id, **fields)["id"])


def post_event(api: TestClient, employee_id: str, type_: str, on: str, **fields: Any) -> Any:
    """POST an event and return the raw response, whatever it is."""
    body = {"type": type_, "occurred_on": on, **fields}
    return api.post(f"/v1/employees/{employee_id}/events", json=body)


def add_event(
    api: TestClient, employee_id: str, type_: str, on: str, **fields: Any
) -> dict[str, Any]:
    """Record one event that must be accepted and return its JSON."""
    return created(post_event(api, employee_id, type_, on, **fields))


def record(api: TestClient, employee_id: str, type_: str, on: str, **fields: Any) -> str:
    """Record one event and return its id."""
    return str(add_event(api, employee_id, type_, on, **fields)["id"])


def hire(api: TestClient, external_id: str, position_id: str, on: str = "2020-01-06") -> str:
    """Create a person hired into the position on the day and return their id."""
    person = create_employee(api, external_id)
    record(api, person, "hire", on, position_id=position_id)
    return person


def void(api: TestClient, employee_id: str, event_id: str, reason: str | None = "typo") -> Any:
    """Void an event (the reason in the query, none if None) and return the raw response."""
    params = {"reason": reason} if reason is not None else {}
    return api.delete(f"/v1/employees/{employee_id}/events/{event_id}", params=params)


def void_event(
    api: TestClient, employee_id: str, event_id: str, reason: str = "entered by mistake"
) -> dict[str, Any]:
    """Void an event that must be voidable and return its voided JSON."""
    body = ok(void(api, employee_id, event_id, reason))
    assert body["voided_at"] is not None
    return body


def get_employee(api: TestClient, employee_id: str) -> dict[str, Any]:
    """Return a person's JSON, asserting they are found."""
    return ok(api.get(f"/v1/employees/{employee_id}"))


def list_events(api: TestClient, employee_id: str, **params: Any) -> list[dict[str, Any]]:
    """Return a person's events on one page (asserting there is no next one)."""
    body = ok(api.get(f"/v1/employees/{employee_id}/events", params=params))
    assert body["next_cursor"] is None
    return list(body["items"])


def get_event(api: TestClient, employee_id: str, event_id: str) -> dict[str, Any]:
    """Return one event's JSON, asserting it is found."""
    return ok(api.get(f"/v1/employees/{employee_id}/events/{event_id}"))


def get_readiness(
    api: TestClient, employee_id: str, target: str | None = None, as_of: str | None = None
) -> Any:
    """Ask for a person's readiness (for the target, on the day, when given); return the
    raw response."""
    params = {"target_position_id": target, "as_of": as_of}
    sent = {k: v for k, v in params.items() if v is not None}
    return api.get(f"/v1/employees/{employee_id}/readiness", params=sent)


def readiness(
    api: TestClient, employee_id: str, target: str | None = None, as_of: str | None = None
) -> dict[str, Any]:
    """Return a person's readiness (for the target, on the day, when given)."""
    return ok(get_readiness(api, employee_id, target, as_of))


def stored_events(database: Database, employee_id: str) -> list[CareerEvent]:
    """Return a person's event rows as the database holds them, voided ones included."""
    with database.transaction() as session:
        query = select(CareerEvent).where(CareerEvent.employee_id == employee_id)
        return list(session.exec(query).all())


def utc_today() -> date:
    """Return today's date in UTC, the day the service counts from."""
    return datetime.now(UTC).date()


def assert_problem(
    response: Any, status: int, slug: str, fields: list[str] | None = None
) -> dict[str, Any]:
    """Assert a problem+json answer of this status and type, with a title and a detail and
    no traceback; `fields` are the bad fields its `errors` must name (any order). Return
    its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    assert "Traceback" not in response.text
    body = dict(response.json())
    assert body["type"] == f"/problems/{slug}", body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if fields is not None:
        errors = body["errors"]
        assert sorted({e["field"] for e in errors}) == sorted(fields), errors
        for error in errors:
            assert set(error) >= {"field", "in", "message"}
            assert error["message"]
    return body


def error_fields(problem: dict[str, Any]) -> list[str]:
    """Return the fields a validation problem names, in its order."""
    return [e["field"] for e in problem["errors"]]

"""The committed openapi.json is good enough to generate a working Python client.

`openapi-python-client` generates a package from openapi.json into a temp folder; the test
imports it and uses it against a running server: positions, an employee, an event, and a
readiness score, each parsed into the generated models.

Two media types have no generator support, so the config maps them to raw bytes (the
generator's documented `content_type_overrides`): the NDJSON body of POST /v1/imports and
the SVG of GET /v1/employees/{employee_id}/timeline.svg. With `--fail-on-warning`, any
other part of the document the generator cannot handle fails this test.
"""

from __future__ import annotations

import datetime
import importlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.platform.liveserver import LiveServer

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.json"
PACKAGE = "career_mobility_client"
CONFIG = {
    "package_name_override": PACKAGE,
    "content_type_overrides": {
        "application/x-ndjson": "application/octet-stream",
        "image/svg+xml": "application/octet-stream",
    },
    "post_hooks": [],  # no ruff run over the generated code
}


def generator() -> list[str]:
    script = Path(sys.executable).with_name("openapi-python-client")
    if script.exists():
        return [str(script)]
    found = shutil.which("openapi-python-client")
    if found is None:
        pytest.fail("openapi-python-client is not installed: pip install -e '.[dev]'")
    return [found]


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """Generate the client, put it on sys.path, and take it off again afterwards."""
    workdir = tmp_path_factory.mktemp("generated-client")
    config = workdir / "config.json"
    config.write_text(json.dumps(CONFIG))
    output = workdir / PACKAGE
    result = subprocess.run(
        [
            *generator(),
            "generate",
            "--path",
            str(OPENAPI),
            "--output-path",
            str(output),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"the generator failed:\n{result.stdout}\n{result.stderr}"
    assert (output / "client.py").exists(), result.stdout
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def api(name: str) -> Any:
    """Return a generated endpoint module, e.g. api("positions.create_position")."""
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


@pytest.mark.slow
def test_every_operation_is_generated(generated: ModuleType) -> None:
    document = json.loads(OPENAPI.read_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            tag = snake(operation["tags"][0])
            module = api(f"{tag}.{operation['operationId']}")
            for function in ("sync_detailed", "asyncio_detailed"):
                assert hasattr(module, function), f"{method.upper()} {path}: {function}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "declaration"),
    [
        ("models/event_create.py", "occurred_on: datetime.date"),
        ("models/event_public.py", "occurred_on: datetime.date"),
        ("models/employee_public.py", "hired_on: datetime.date | None"),
        ("models/readiness_public.py", "as_of: datetime.date"),
        ("api/insights/get_readiness.py", "as_of: datetime.date | None | Unset"),
    ],
)
def test_dates_are_generated_as_dates(generated: ModuleType, module: str, declaration: str) -> None:
    # A date schema needs `"format": "date"`; a bare string with a pattern makes generated
    # clients type it as `str`, and a caller passing a `datetime.date` then fails to encode.
    source = (Path(str(generated.__file__)).parent / module).read_text()
    assert declaration in source, f"{module} lost {declaration!r}: is `format: date` gone?"


@pytest.mark.slow
def test_the_generated_client_drives_the_service(
    generated: ModuleType, live_server: LiveServer, admin_key: str
) -> None:
    m = models()
    client = generated.AuthenticatedClient(
        base_url=live_server.base_url, token=admin_key, raise_on_unexpected_status=True
    )
    create_position = api("positions.create_position")
    nurse = create_position.sync(
        client=client,
        body=m.PositionCreate(
            code="GEN-RN",
            title="Registered Nurse",
            family="Nursing",
            track=m.Track.INDIVIDUAL,
            level=3,
            pay_band=m.PayBandIn(currency="USD", min_="60000", max_=80000),
        ),
    )
    assert isinstance(nurse, m.PositionPublic), nurse
    assert (nurse.code, nurse.level, nurse.track) == ("GEN-RN", 3, m.Track.INDIVIDUAL)
    assert isinstance(nurse.pay_band, m.PayBandPublic)
    assert nurse.pay_band.midpoint == "70000.00"
    assert isinstance(nurse.created_at, datetime.datetime)

    manager = create_position.sync(
        client=client,
        body=m.PositionCreate(
            code="GEN-RN-MGR",
            title="Registered Nurse Manager",
            family="Nursing",
            track=m.Track.MANAGEMENT,
            level=4,
            pay_band=m.PayBandIn(currency="USD", min_="75000", max_="95000"),
            requirements=[
                m.RequirementIn(kind=m.RequirementKind.CERTIFICATION, name="Nurse Executive")
            ],
        ),
    )
    assert isinstance(manager, m.PositionPublic), manager

    employee = api("employees.create_employee").sync(
        client=client, body=m.EmployeeCreate(external_id="GEN-1", display_name="Gen Nurse")
    )
    assert isinstance(employee, m.EmployeePublic), employee
    assert (employee.external_id, employee.display_name) == ("GEN-1", "Gen Nurse")
    assert employee.current_position_id is None

    record = api("events.record_event")
    hire = record.sync(
        employee.id,
        client=client,
        body=m.EventCreate(
            type_=m.EventType.HIRE,
            occurred_on=datetime.date(2022, 1, 10),
            position_id=nurse.id,
            salary=m.MoneyIn(amount="62000.00", currency="USD"),
        ),
    )
    assert isinstance(hire, m.EventPublic), hire
    assert (hire.type_, hire.occurred_on) == (m.EventType.HIRE, datetime.date(2022, 1, 10))
    assert hire.position_id == nurse.id
    assert isinstance(hire.salary, m.MoneyPublic) and hire.salary.currency == "USD"
    review = record.sync(
        employee.id,
        client=client,
        body=m.EventCreate(
            type_=m.EventType.PERFORMANCE_REVIEW, occurred_on=datetime.date(2024, 1, 15), rating=4
        ),
    )
    assert isinstance(review, m.EventPublic) and review.rating == 4

    fetched = api("employees.get_employee").sync(employee.id, client=client)
    assert isinstance(fetched, m.EmployeePublic)
    assert fetched.current_position_id == nurse.id
    assert fetched.hired_on == datetime.date(2022, 1, 10)

    as_of = datetime.date(2025, 6, 30)
    readiness = api("insights.get_readiness").sync(
        employee.id, client=client, target_position_id=manager.id, as_of=as_of
    )
    assert isinstance(readiness, m.ReadinessPublic), readiness
    assert (readiness.employee_id, readiness.target_position_id) == (employee.id, manager.id)
    assert readiness.as_of == as_of
    assert readiness.move_type == m.MoveType.PROMOTION
    assert isinstance(readiness.band, m.Band)
    assert 0 <= readiness.score <= 100
    assert readiness.components and all(
        isinstance(c, m.ComponentPublic) for c in readiness.components
    )
    missing = [g for g in readiness.gaps if isinstance(g.requirement, m.RequirementPublic)]
    assert [g.requirement.name for g in missing] == ["Nurse Executive"]

    # What the client parsed is exactly what the server sent.
    with live_server.client(admin_key) as raw:
        sent = raw.get(
            f"/v1/employees/{employee.id}/readiness",
            params={"target_position_id": manager.id, "as_of": as_of.isoformat()},
        ).json()
    assert readiness.to_dict() == sent


@pytest.mark.slow
def test_errors_parse_as_problems(
    generated: ModuleType, live_server: LiveServer, admin_key: str
) -> None:
    m = models()
    client = generated.AuthenticatedClient(base_url=live_server.base_url, token=admin_key)
    missing = api("positions.get_position").sync_detailed(
        "00000000-0000-4000-8000-000000000000", client=client
    )
    assert missing.status_code == 404
    assert isinstance(missing.parsed, m.Problem)
    assert (missing.parsed.status, missing.parsed.type_) == (404, "/problems/not-found")

    anonymous = generated.AuthenticatedClient(base_url=live_server.base_url, token="cm_nope")
    refused = api("positions.list_positions").sync_detailed(client=anonymous)
    assert refused.status_code == 401 and isinstance(refused.parsed, m.Problem)
    assert refused.headers["www-authenticate"].startswith("Bearer")

    invalid = api("positions.create_position").sync_detailed(
        client=client,
        body=m.PositionCreate(
            code="BAD", title="Bad", family="X", track=m.Track.INDIVIDUAL, level=0
        ),
    )
    assert invalid.status_code == 422 and isinstance(invalid.parsed, m.Problem)
    assert isinstance(invalid.parsed.errors, list)
    assert [e.field for e in invalid.parsed.errors] == ["level"]

"""Response hygiene: `nosniff` everywhere, `no-store` on personal data, HEAD probes, and a
client that hangs up mid-body is neither a traceback in the log nor a 500 in the metrics."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from app.security import carries_personal_data
from tests.factories import nurse_position
from tests.platform.conftest import InProcess
from tests.platform.liveserver import LiveServer


@pytest.fixture
def world(in_process: InProcess, sqlite_url: str, org_key: Callable[..., tuple[str, str]]) -> Any:
    with in_process(sqlite_url) as client:
        _, key = org_key(client)
        client.headers["Authorization"] = f"Bearer {key}"
        rn = client.post("/v1/positions", json=nurse_position()).json()["id"]
        person = client.post("/v1/employees", json={"external_id": "E-1"}).json()["id"]
        hired = client.post(
            f"/v1/employees/{person}/events",
            json={"type": "hire", "occurred_on": "2024-01-02", "position_id": rn},
        )
        assert hired.status_code == 201, hired.text
        yield client, rn, person


PRIVATE = [
    "/v1/employees",
    "/v1/employees/{person}",
    "/v1/employees/{person}/events",
    "/v1/employees/{person}/readiness?target_position_id={rn}",
    "/v1/employees/{person}/timeline.svg",
    "/v1/comparisons?from_position_id={rn}&to_position_id={rn}&employee_id={person}",
    "/v1/positions/{rn}/candidates",
    "/v1/keys",
    "/v1/employees/00000000-0000-4000-8000-000000000000",
]
SHAREABLE = [
    "/v1/positions",
    "/v1/positions/{rn}",
    "/v1/scoring-policy",
    "/v1/comparisons?from_position_id={rn}&to_position_id={rn}",
    "/v1/mobility/paths?from_position_id={rn}",
    "/healthz",
    "/v1/readyz",
    "/metrics",
]


def test_every_answer_says_nosniff_and_personal_data_is_no_store(world: Any) -> None:
    client, rn, person = world
    for template in PRIVATE:
        response = client.get(template.format(rn=rn, person=person))
        assert response.status_code in (200, 404), (template, response.text)
        assert response.headers["x-content-type-options"] == "nosniff", template
        assert response.headers["cache-control"] == "no-store", template
    for template in SHAREABLE:
        response = client.get(template.format(rn=rn, person=person))
        assert response.status_code == 200, (template, response.text)
        assert response.headers["x-content-type-options"] == "nosniff", template
        assert "no-store" not in response.headers.get("cache-control", ""), template
    # Errors too: no key, an unknown route, a bad body.
    for response in (
        client.get("/v1/employees", headers={"Authorization": ""}),
        client.get("/v1/nowhere"),
        client.post("/v1/employees", content=b"{", headers={"Content-Type": "application/json"}),
    ):
        assert response.status_code in (400, 401, 404)
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]


def test_the_personal_data_rule_is_private_by_default() -> None:
    assert carries_personal_data("/v1/succession/nominations", b"")
    assert carries_personal_data("/v1/reports/fairness", b"")
    assert carries_personal_data("/v1/positions/x/candidates", b"limit=5")
    assert not carries_personal_data("/v1/positions/x", b"")
    assert not carries_personal_data("/docs", b"")


def test_probes_answer_head(in_process: InProcess, sqlite_url: str) -> None:
    with in_process(sqlite_url) as client:
        for path in ("/healthz", "/readyz", "/v1/healthz", "/v1/readyz"):
            response = client.head(path)
            assert response.status_code == 200, path
            assert response.content == b""
            assert response.headers["x-content-type-options"] == "nosniff"


def _metric_lines(text: str, status: str) -> list[str]:
    return [
        line
        for line in text.splitlines()
        if line.startswith("http_requests_total{") and f'status="{status}"' in line
    ]


def test_a_client_hanging_up_mid_body_is_no_traceback_and_no_500(
    live_server: LiveServer, admin_key: str
) -> None:
    host, port = re.match(r"http://([^:]+):(\d+)", live_server.base_url).groups()  # type: ignore[union-attr]
    for path in ("/v1/employees", "/v1/imports"):
        kind = "application/x-ndjson" if path.endswith("imports") else "application/json"
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {admin_key}\r\nContent-Type: {kind}\r\n"
                "Content-Length: 1000\r\n\r\n".encode()
                + b'{"external_id": "E-'
            )
            time.sleep(0.3)
        # The server notices the hang-up and finishes the request.
    deadline = time.monotonic() + 10
    with live_server.client(admin_key) as client:
        while time.monotonic() < deadline:
            metrics = client.get("/metrics").text
            if any('route="/v1/imports"' in line for line in _metric_lines(metrics, "400")):
                break
            time.sleep(0.1)
        counted = "\n".join(_metric_lines(metrics, "400"))
        assert 'route="/v1/employees"' in counted and 'route="/v1/imports"' in counted
        assert _metric_lines(metrics, "500") == []
        assert client.get("/v1/employees").json()["items"] == []
    log = live_server.log()
    assert "Traceback" not in log
    assert "unhandled error" not in log

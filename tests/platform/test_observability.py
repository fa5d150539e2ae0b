"""Probes, Prometheus metrics, request IDs and the access log.

Most checks run the app in process on a SQLite file of their own; the `slow` ones read
what a real `career-mobility serve` process writes to its stderr.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.migrate import head_revision, upgrade
from app.observability import ConsoleFormatter, JsonFormatter
from tests.factories import bearer, nurse_position
from tests.platform.liveserver import LiveServer, free_port, running_server, server_env

InProcess = Callable[..., contextlib.AbstractContextManager[TestClient]]
OrgKey = Callable[[TestClient], tuple[str, str]]
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
POSITION = nurse_position()
ACCESS_FIELDS = {"method", "route", "status", "duration_ms", "request_id", "organization_id"}


def sample(text: str, name: str, **labels: str) -> float:
    """Return the value of one sample of a Prometheus exposition (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def label_values(text: str) -> set[str]:
    return {
        value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        for value in s.labels.values()
    }


class Records(logging.Handler):
    """Keeps the access log's records for a test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(JsonFormatter().format(r)) for r in self.records]


@pytest.fixture
def access_records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("app.access")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


# --- probes ----------------------------------------------------------------------------------


def test_probes_answer_when_the_schema_is_at_head(in_process: InProcess, sqlite_url: str) -> None:
    with in_process(sqlite_url) as client:
        for prefix in ("", "/v1"):
            assert client.get(f"{prefix}/healthz").json() == {"status": "ok"}
            ready = client.get(f"{prefix}/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json() == {
                "status": "ready",
                "database": "reachable",
                "schema_revision": head_revision(),
                "expected_revision": head_revision(),
            }


def test_readyz_is_503_while_the_schema_is_behind_and_recovers_after_migrate(
    in_process: InProcess, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    with in_process(url) as client:
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.headers["retry-after"].isdigit()
        assert behind.json() == {
            "status": "schema_behind",
            "database": "reachable",
            "schema_revision": None,
            "expected_revision": head_revision(),
        }
        assert client.get("/healthz").status_code == 200  # alive, just not ready
        upgrade(url)
        assert client.get("/readyz").status_code == 200


def test_readyz_is_503_while_sqlite_is_unreachable_and_recovers(
    in_process: InProcess, tmp_path: Path
) -> None:
    folder = tmp_path / "not-yet"  # SQLite cannot create a file in a missing folder
    url = f"sqlite:///{folder / 'service.db'}"
    with in_process(url) as client:
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.headers["retry-after"].isdigit()
        assert down.json()["status"] == "unavailable"
        assert down.json()["database"] == "unreachable"
        assert client.get("/healthz").status_code == 200
        folder.mkdir()
        upgrade(url)
        assert client.get("/readyz").json()["status"] == "ready"


def test_readyz_is_503_while_postgresql_is_unreachable(in_process: InProcess) -> None:
    # A loopback port nothing listens on: the connection is refused at once.
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    with in_process(url, db_connect_timeout=1) as client:
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["database"] == "unreachable"
        assert client.get("/healthz").status_code == 200


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template_and_status(
    in_process: InProcess, sqlite_url: str, org_key: OrgKey
) -> None:
    template = "/v1/positions/{position_id}"
    with in_process(sqlite_url) as client:
        _, key = org_key(client)
        before = client.get("/metrics").text
        created = client.post("/v1/positions", json=POSITION, headers=bearer(key))
        assert created.status_code == 201, created.text
        position_id = created.json()["id"]
        missing = str(uuid.uuid4())
        assert client.get(f"/v1/positions/{position_id}", headers=bearer(key)).status_code == 200
        assert client.get(f"/v1/positions/{missing}", headers=bearer(key)).status_code == 404
        stray = f"/no-such-page-{uuid.uuid4().hex}"
        assert client.get(stray).status_code == 404
        # IDs that look like other segments of the path still map to the template.
        for odd in ("v1", "positions"):
            assert client.get(f"/v1/positions/{odd}", headers=bearer(key)).status_code == 404
        client.get("/v1/healthz")
        scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    after = scraped.text

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    count = "http_requests_total"
    assert delta(count, method="POST", route="/v1/positions", status="201") == 1
    assert delta(count, method="GET", route=template, status="200") == 1
    assert delta(count, method="GET", route=template, status="404") == 3
    assert delta(count, method="GET", route="/v1/healthz", status="200") == 1
    assert delta(count, method="GET", route="unmatched", status="404") == 1
    latency = "http_request_duration_seconds"
    assert delta(f"{latency}_count", method="GET", route=template) == 4
    assert delta(f"{latency}_bucket", method="GET", route=template, le="+Inf") == 4
    assert delta(f"{latency}_bucket", method="GET", route=template, le="10.0") == 4
    assert delta(f"{latency}_sum", method="GET", route=template) > 0
    values = label_values(after)
    assert not any(position_id in v or missing in v or "no-such-page" in v for v in values), (
        "a raw path or ID became a label value"
    )


def test_metrics_label_static_files_by_mount_and_odd_methods_as_other(
    in_process: InProcess, sqlite_url: str
) -> None:
    with in_process(sqlite_url) as client:
        before = client.get("/metrics").text
        assert client.get("/docs-static/favicon.png").status_code == 200
        client.request("BREW", "/healthz")
        after = client.get("/metrics").text
    count = "http_requests_total"
    static = {"method": "GET", "route": "/docs-static/{path}", "status": "200"}
    assert sample(after, count, **static) - sample(before, count, **static) == 1
    assert sample(after, count, method="OTHER", route="/healthz") > 0
    assert "BREW" not in label_values(after)
    assert "favicon.png" not in " ".join(label_values(after))


def test_metrics_export_connection_pool_figures(in_process: InProcess, sqlite_url: str) -> None:
    with in_process(sqlite_url) as client:
        database = client.app.state.database  # type: ignore[attr-defined]
        idle = client.get("/metrics").text
        with database.reader.connect():
            busy = client.get("/metrics").text
        again = client.get("/metrics").text
    for engine in ("reader", "writer"):
        for name in ("db_pool_size", "db_pool_checked_out", "db_pool_overflow"):
            assert f'{name}{{engine="{engine}"}}' in idle, (name, engine)
    assert sample(idle, "db_pool_checked_out", engine="reader") == 0
    assert sample(busy, "db_pool_checked_out", engine="reader") == 1
    assert sample(again, "db_pool_checked_out", engine="reader") == 0


# --- request IDs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [None, "", "has space", "x" * 129, "semi;colon", "ünïcode".encode()],
    ids=["absent", "empty", "space", "too-long", "semicolon", "non-ascii"],
)
def test_request_id_is_generated_when_absent_or_not_sane(
    in_process: InProcess, sqlite_url: str, sent: str | bytes | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    with in_process(sqlite_url) as client:
        first = client.get("/healthz", headers=headers).headers["x-request-id"]
        second = client.get("/healthz", headers=headers).headers["x-request-id"]
    assert HEX_ID.match(first) and HEX_ID.match(second)
    assert first != second


@pytest.mark.parametrize(
    "sent", ["abc-123", "4bf92f3577b34da6a3ce929d0e0e4736", "req:2025.06.30_x", "x" * 128]
)
def test_a_sane_request_id_is_echoed_back(
    in_process: InProcess, sqlite_url: str, sent: str
) -> None:
    with in_process(sqlite_url) as client:
        ok = client.get("/healthz", headers={"X-Request-ID": sent})
        denied = client.get("/v1/positions", headers={"X-Request-ID": sent})
    assert ok.headers["x-request-id"] == sent
    assert denied.status_code == 401
    assert denied.headers["x-request-id"] == sent


# --- the access log --------------------------------------------------------------------------


def test_one_access_line_per_request_with_template_org_and_no_secrets(
    in_process: InProcess, sqlite_url: str, org_key: OrgKey, access_records: Records
) -> None:
    secret_title = f"Title-{uuid.uuid4().hex}"
    with in_process(sqlite_url) as client:
        org_id, key = org_key(client)
        access_records.records.clear()
        created = client.post(
            "/v1/positions",
            json={**POSITION, "title": secret_title},
            headers={**bearer(key), "X-Request-ID": "trace-1"},
        )
        assert created.status_code == 201
        position_id = created.json()["id"]
        fetched = client.get(f"/v1/positions/{position_id}", headers=bearer(key))
        forged = f"{key[:-4]}AAAA"
        refused = client.get("/v1/positions", headers=bearer(forged))
        assert refused.status_code == 401
        probe = client.get("/healthz")
    lines = access_records.lines()
    assert len(lines) == 4, lines
    for line in lines:
        assert ACCESS_FIELDS <= set(line), line
        assert line["logger"] == "app.access"
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    post, get, bad, health = lines
    assert (post["method"], post["route"], post["status"]) == ("POST", "/v1/positions", 201)
    assert post["request_id"] == "trace-1" == created.headers["x-request-id"]
    assert post["organization_id"] == org_id
    assert (get["route"], get["status"], get["organization_id"]) == (
        "/v1/positions/{position_id}",
        200,
        org_id,
    )
    assert get["request_id"] == fetched.headers["x-request-id"]
    assert (bad["status"], bad["organization_id"]) == (401, None)
    assert (health["route"], health["status"], health["organization_id"]) == ("/healthz", 200, None)
    assert health["request_id"] == probe.headers["x-request-id"]
    text = "\n".join(JsonFormatter().format(r) for r in access_records.records)
    for secret in (key, forged, key.rsplit("_", 1)[-1], secret_title):
        assert secret not in text


def test_console_format_keeps_the_access_fields() -> None:
    record = logging.LogRecord("app.access", logging.INFO, __file__, 1, "request", None, None)
    record.__dict__.update(method="GET", route="/healthz", status=200, request_id="abc")
    line = ConsoleFormatter().format(record)
    assert "INFO" in line and "app.access request" in line
    assert "route=/healthz" in line and "status=200" in line and "request_id=abc" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


# --- a real process --------------------------------------------------------------------------


def access_lines(log: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    return [line for line in lines if line.get("logger") == "app.access"]


@pytest.mark.slow
def test_a_served_process_logs_one_json_line_per_request(
    live_server: LiveServer, admin_key: str
) -> None:
    already = len(access_lines(live_server.log()))
    with live_server.client(admin_key) as client:
        created = client.post("/v1/positions", json=POSITION, headers={"X-Request-ID": "e2e-1"})
        assert created.status_code == 201, created.text
        assert created.headers["x-request-id"] == "e2e-1"
        position_id = created.json()["id"]
        assert client.get(f"/v1/positions/{position_id}").status_code == 200
        metrics = client.get("/metrics", headers={"X-Request-ID": "e2e-3"}).text
    log = live_server.log_once('"request_id": "e2e-3"')
    # Every line the process wrote, uvicorn's own included, is one JSON object.
    for raw in log.splitlines():
        if raw.strip():
            assert isinstance(json.loads(raw), dict), raw
    assert "color_message" not in log
    lines = access_lines(log)[already:]
    routes = [(line["method"], line["route"], line["status"]) for line in lines]
    assert routes == [
        ("POST", "/v1/positions", 201),
        ("GET", "/v1/positions/{position_id}", 200),
        ("GET", "/metrics", 200),
    ]
    assert lines[0]["request_id"] == "e2e-1"
    assert lines[0]["organization_id"] == lines[1]["organization_id"] is not None
    assert admin_key not in log
    assert sample(metrics, "http_requests_total", route="/v1/positions/{position_id}") >= 1
    assert position_id not in " ".join(label_values(metrics))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("settings", "shows_access"),
    [({"LOG_FORMAT": "console", "LOG_LEVEL": "info"}, True), ({"LOG_LEVEL": "WARNING"}, False)],
    ids=["console-info", "json-warning"],
)
def test_log_format_and_level_come_from_the_environment(
    tmp_path: Path, settings: dict[str, str], shows_access: bool
) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'service.db'}", **settings)
    with running_server(tmp_path / "run", env) as server:
        response = httpx.get(f"{server.base_url}/healthz", headers={"X-Request-ID": "lvl-1"})
        assert response.status_code == 200
        # Wait for the access line where it is expected; where it is not, give it time to
        # appear wrongly.
        log = server.log_once("lvl-1", timeout=15 if shows_access else 1)
    access = [line for line in log.splitlines() if "lvl-1" in line]
    if settings.get("LOG_FORMAT") == "console":
        assert access, log
        assert "route=/healthz" in access[0] and "status=200" in access[0]
        assert not any(line.startswith("{") for line in log.splitlines()), log
        assert "color_message" not in log and "\x1b[" not in log, log
    else:
        assert access == [] and shows_access is False, log
        for line in log.splitlines():
            assert json.loads(line)["level"] not in ("debug", "info"), line


def test_route_templates_name_parameters_of_a_router_prefix(access_records: Records) -> None:
    # A router included under a prefix with its own parameter, and included twice.
    from fastapi import APIRouter, FastAPI

    from app.observability import RequestContextMiddleware

    router = APIRouter()

    @router.get("/items/{item_id}")
    def get_item(item_id: str) -> dict[str, str]:
        return {"item": item_id}

    app = FastAPI()
    app.include_router(router, prefix="/orgs/{org_id}")
    app.include_router(router, prefix="/v2")
    app.add_middleware(RequestContextMiddleware)
    with TestClient(app) as client:
        assert client.get("/orgs/items/items/items").status_code == 200
        assert client.get("/v2/items/v2").status_code == 200
        assert client.post("/v2/items/x").status_code == 405
    routes = [(r.__dict__["route"], r.__dict__["status"]) for r in access_records.records]
    assert routes == [
        ("/orgs/{org_id}/items/{item_id}", 200),
        ("/v2/items/{item_id}", 200),
        ("/v2/items/{item_id}", 405),
    ]

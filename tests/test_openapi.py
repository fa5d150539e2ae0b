"""The committed openapi.json is the contract other services code against: it must be
exactly what the app serves, and every operation must be documented well enough to use."""

import json
import re
from pathlib import Path

from app.main import create_app
from app.openapi import document

ROOT = Path(__file__).resolve().parent.parent


def test_committed_openapi_matches_what_the_app_serves() -> None:
    committed = (ROOT / "openapi.json").read_text()
    assert committed == document(), "openapi.json is stale: run `make openapi` and commit it"


def test_every_operation_has_an_id_a_summary_and_documented_errors() -> None:
    schema = create_app().openapi()
    seen_ids = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation["operationId"] not in seen_ids, where
            seen_ids.add(operation["operationId"])
            assert operation.get("summary"), where
            responses = operation["responses"]
            success = [s for s in responses if s.startswith("2")]
            assert success, where
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), where
                for status in ("401", "403"):
                    content = responses[status]["content"]
                    assert list(content) == ["application/problem+json"], where
            if "{" in path and operation.get("security"):
                assert "404" in responses, where


def test_every_json_request_body_has_an_example() -> None:
    schema = create_app().openapi()
    components = schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if not body:
                continue
            content = body["content"]
            if "application/json" not in content:
                assert any("example" in c for c in content.values()), f"{method} {path}"
                continue
            refs = re.findall(r"#/components/schemas/(\w+)", json.dumps(content))
            assert refs, f"{method.upper()} {path}"
            for name in refs:
                assert "examples" in components[name], f"{method.upper()} {path} ({name})"

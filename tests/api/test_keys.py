"""Keys over their lifetime (SPEC 13): issue, list, read, revoke, expire, last use, and the
command line's `orgs list` and `keys create/list/revoke`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app import auth
from app.auth import LAST_USE, Scope
from app.db import Database
from app.models import ApiKey, utcnow
from app.services.keys import issue_key
from tests.factories import bearer

PUBLIC_FIELDS = {
    "id",
    "name",
    "prefix",
    "scopes",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
}


def new_key(client: TestClient, admin: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/keys", json={"scopes": ["read"], **body}, headers=bearer(admin))
    assert response.status_code == 201, response.text
    return response.json()


def stored_key(database: Database, organization_id: str, **fields: Any) -> str:
    """Issue a key straight through the service (to make one the API would refuse)."""
    with database.transaction() as session:
        _, key = issue_key(session, organization_id, frozenset({Scope.read}), **fields)
    return key


def assert_401(response: Any, description: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer")
    if description is not None:
        assert 'error="invalid_token"' in challenge
        assert f'error_description="{description}"' in challenge


# --- issue, list, read ---------------------------------------------------------------------


def test_a_new_key_is_shown_once_with_its_prefix_and_works_for_its_scopes(
    client: TestClient, org: Any
) -> None:
    created = new_key(client, org.admin, scopes=["read", "write"], name="etl")

    assert set(created) == PUBLIC_FIELDS | {"key"}
    assert created["prefix"] == created["key"][:8]
    assert created["scopes"] == ["read", "write"]
    assert created["name"] == "etl"
    assert (created["expires_at"], created["last_used_at"], created["revoked_at"]) == (
        None,
        None,
        None,
    )
    key = created["key"]
    assert client.get("/v1/positions", headers=bearer(key)).status_code == 200
    assert client.get("/v1/keys", headers=bearer(key)).status_code == 403
    LAST_USE.flush()  # the last use is written off the request path

    listed = client.get("/v1/keys", headers=org.headers()).json()["items"]
    one = client.get(f"/v1/keys/{created['id']}", headers=org.headers())
    assert one.status_code == 200
    # The same record, less the key, and now with a last use.
    assert one.json()["last_used_at"] is not None
    same = {k: v for k, v in created.items() if k not in ("key", "last_used_at")}
    assert {k: v for k, v in one.json().items() if k != "last_used_at"} == same
    for shown in [*listed, one.json()]:
        assert set(shown) == PUBLIC_FIELDS
    assert key not in one.text and auth.hash_key(key) not in one.text
    # Oldest first: the organization's own admin key, its write and read keys, then this one.
    assert [k["id"] for k in listed][-1] == created["id"]
    assert [k["created_at"] for k in listed] == sorted(k["created_at"] for k in listed)


def test_prefixes_tell_keys_of_one_organization_apart(client: TestClient, org: Any) -> None:
    prefixes = {new_key(client, org.admin)["prefix"] for _ in range(5)}
    assert len(prefixes) == 5
    assert all(p.startswith("cm_") and len(p) == 8 for p in prefixes)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["root"]}, "scopes.0"),
        ({"scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"scopes": ["read"], "expires_at": "2099-01-01T00:00:00"}, "expires_at"),
        ({"scopes": ["read"], "name": "bad\u0007name"}, "name"),
        ({"scopes": ["read"], "key": "cm_mine"}, "key"),
    ],
)
def test_a_bad_key_request_is_a_422_naming_the_field_and_issues_nothing(
    client: TestClient, org: Any, body: dict[str, Any], field: str
) -> None:
    before = [k["id"] for k in client.get("/v1/keys", headers=org.headers()).json()["items"]]
    response = client.post("/v1/keys", json=body, headers=org.headers())
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    after = client.get("/v1/keys", headers=org.headers()).json()["items"]
    assert [k["id"] for k in after] == before


def test_only_admin_keys_manage_keys_and_another_organizations_key_is_a_404(
    client: TestClient, org: Any, make_org: Callable[[str], Any]
) -> None:
    other = make_org("Other Co")
    theirs = client.get("/v1/keys", headers=other.headers()).json()["items"][0]["id"]
    for scope in ("read", "write"):
        assert client.get("/v1/keys", headers=org.headers(scope)).status_code == 403
        assert client.post("/v1/keys", json={"scopes": ["read"]}, headers=org.headers(scope))
    assert client.get(f"/v1/keys/{theirs}", headers=org.headers()).status_code == 404
    assert client.delete(f"/v1/keys/{theirs}", headers=org.headers()).status_code == 404
    assert client.get(f"/v1/keys/{theirs}", headers=other.headers()).status_code == 200


# --- revocation ----------------------------------------------------------------------------


def test_a_revoked_key_is_a_401_at_once_and_a_second_revocation_a_409(
    client: TestClient, org: Any
) -> None:
    created = new_key(client, org.admin)
    key = created["key"]
    assert client.get("/v1/positions", headers=bearer(key)).status_code == 200  # now cached

    revoked = client.delete(f"/v1/keys/{created['id']}", headers=org.headers())
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert revoked.json()["id"] == created["id"]

    assert_401(client.get("/v1/positions", headers=bearer(key)), "the key was revoked")
    again = client.delete(f"/v1/keys/{created['id']}", headers=org.headers())
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/conflict"
    assert client.get(f"/v1/keys/{created['id']}", headers=org.headers()).json()["revoked_at"]


def test_the_last_admin_key_cannot_be_revoked_but_one_of_two_can(
    client: TestClient, org: Any
) -> None:
    own = client.get("/v1/keys", headers=org.headers()).json()["items"][0]
    assert own["scopes"] == ["admin"]

    alone = client.delete(f"/v1/keys/{own['id']}", headers=org.headers())
    assert alone.status_code == 409, alone.text
    assert "last admin key" in alone.json()["detail"]
    assert client.get("/v1/positions", headers=org.headers()).status_code == 200

    second = new_key(client, org.admin, scopes=["admin"])
    assert client.delete(f"/v1/keys/{own['id']}", headers=bearer(second["key"])).status_code == 200
    last = client.delete(f"/v1/keys/{second['id']}", headers=bearer(second["key"]))
    assert last.status_code == 409
    assert client.get("/v1/keys", headers=bearer(second["key"])).status_code == 200


def test_an_expired_admin_key_does_not_count_as_the_one_left(
    client: TestClient, org: Any, database: Database
) -> None:
    with database.transaction() as session:
        issue_key(
            session,
            org.id,
            frozenset({Scope.admin}),
            expires_at=utcnow() - timedelta(days=1),
        )
    own = client.get("/v1/keys", headers=org.headers()).json()["items"][0]
    assert client.delete(f"/v1/keys/{own['id']}", headers=org.headers()).status_code == 409


# --- expiry --------------------------------------------------------------------------------


def test_an_expired_key_is_a_401_with_the_invalid_token_challenge(
    client: TestClient, org: Any, database: Database
) -> None:
    key = stored_key(database, org.id, expires_at=utcnow() - timedelta(seconds=1))
    response = client.get("/v1/positions", headers=bearer(key))
    assert_401(response, "the key has expired")
    assert "expired" in response.json()["detail"]


def test_a_key_cached_while_valid_is_refused_once_it_expires(
    client: TestClient, org: Any, database: Database
) -> None:
    key = stored_key(database, org.id, expires_at=utcnow() + timedelta(seconds=1))
    assert client.get("/v1/positions", headers=bearer(key)).status_code == 200
    time.sleep(1.1)
    assert_401(client.get("/v1/positions", headers=bearer(key)), "the key has expired")


def test_a_key_with_a_future_expiry_works_and_says_when(client: TestClient, org: Any) -> None:
    when = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    created = new_key(client, org.admin, expires_at=when.isoformat())
    assert datetime.fromisoformat(created["expires_at"]) == when
    assert client.get("/v1/positions", headers=bearer(created["key"])).status_code == 200


# --- last use ------------------------------------------------------------------------------


def test_last_used_at_is_kept_to_the_minute_with_one_write_a_minute(
    client: TestClient, org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = new_key(client, org.admin)
    writes: list[tuple[str, str]] = []
    real = auth._write_last_use

    def counting(database: Database, ident: tuple[str, str], when: datetime) -> None:
        writes.append(ident)
        real(database, ident, when)

    monkeypatch.setattr(auth, "_write_last_use", counting)
    before = utcnow().replace(second=0, microsecond=0)
    for _ in range(5):
        assert client.get("/v1/positions", headers=bearer(created["key"])).status_code == 200
    LAST_USE.flush()

    assert writes == [(org.id, created["id"])]
    shown = client.get(f"/v1/keys/{created['id']}", headers=org.headers()).json()
    used = datetime.fromisoformat(shown["last_used_at"])
    assert used >= before and used.second == 0 and used.microsecond == 0


# --- the command line ----------------------------------------------------------------------


def test_the_command_line_lists_creates_with_expiry_and_revokes(
    cli: Callable[..., tuple[int, str, str]], org: Any, client: TestClient, database: Database
) -> None:
    code, out, _ = cli("orgs", "list")
    assert code == 0
    assert org.id in out and org.name in out

    code, out, _ = cli("keys", "create", "--org", org.name, "--scopes", "read", "--expires-in", "7")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert key.startswith("cm_") and " " not in key
    assert client.get("/v1/positions", headers=bearer(key)).status_code == 200

    with database.transaction(write=False) as session:
        row = session.exec(select(ApiKey).where(ApiKey.prefix == key[:8])).one()
    assert row.expires_at is not None
    assert timedelta(days=6, hours=23) < row.expires_at - utcnow() <= timedelta(days=7)

    code, out, _ = cli("keys", "list", "--org", org.name)
    assert code == 0
    assert row.id in out and key[:8] in out and key not in out

    code, out, _ = cli("keys", "revoke", "--org", org.name, row.id)
    assert code == 0 and "Revoked" in out
    code, _, err = cli("keys", "revoke", "--org", org.name, row.id)
    assert code == 1 and "revoked already" in err
    time.sleep(auth.KEY_CACHE_SECONDS + 0.1)
    assert_401(client.get("/v1/positions", headers=bearer(key)), "the key was revoked")

    code, _, err = cli("keys", "create", "--org", org.name, "--expires-in", "0")
    assert code == 1 and "--expires-in" in err


def test_orgs_create_prints_the_key_alone_on_its_last_line_and_refuses_a_long_name(
    cli: Callable[..., tuple[int, str, str]], client: TestClient
) -> None:
    code, out, _ = cli("orgs", "create", "Zeta Care")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert client.get("/v1/keys", headers=bearer(key)).status_code == 200

    code, out, err = cli("orgs", "create", "x" * 201)
    assert code == 1
    assert "at most 200 characters" in err
    assert "INSERT" not in err and "x" * 201 not in err
    code, _, err = cli("orgs", "create", "bad\u0001name")
    assert code == 1 and "control characters" in err
    code, out, _ = cli("orgs", "list")
    assert "x" * 201 not in out

"""The parts of the request path (app/routing/) one at a time, and the FastAPI behaviour
they rely on beyond its documented API: if an upgrade changes any of it, these fail first,
by name, instead of the service misbehaving quietly.

Pinned: `APIRoute.dependant` (a tree of nodes with `.call` and `.dependencies`),
`APIRoute.body_field` (None when the route takes no body), the handler a router's
`route_class` builds in `get_route_handler` serving the route once the router is included
under a prefix (FastAPI 0.16x keeps the router's own route objects; older versions rebuilt
them through the same class), a keyword parameter annotated `Request` getting the request,
and Starlette caching `Request.body()` for the route after the wrapper read it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from app.auth import Authorize, Reader, Scope
from app.routing import ApiRoute
from app.routing.authenticate import required_scope
from app.routing.conditional import matches
from app.routing.lanes import heavy, is_heavy
from app.routing.run import one_step


class Body(BaseModel):
    name: str


def _app(route_class: type[APIRoute]) -> tuple[FastAPI, APIRouter]:
    router = APIRouter(prefix="/things", route_class=route_class)

    @router.get("/{thing_id}")
    def read(thing_id: str, principal: Reader) -> dict[str, str]:
        return {"id": thing_id}

    @router.post("")
    def write(body: Body, principal: Annotated[object, Depends(Authorize(Scope.write))]) -> Body:
        return body

    app = FastAPI()
    app.include_router(router, prefix="/v1")
    return app, router


def _routes(router: APIRouter) -> dict[str, APIRoute]:
    return {f"{sorted(r.methods)[0]} {r.path}": r for r in router.routes if isinstance(r, APIRoute)}


def test_fastapi_exposes_the_dependency_tree_and_body_field_the_parts_read() -> None:
    routes = _routes(_app(APIRoute)[1])
    get, post = routes["GET /things/{thing_id}"], routes["POST /things"]

    assert required_scope(get.dependant) is Scope.read
    assert required_scope(post.dependant) is Scope.write
    assert all(
        hasattr(d, "call") and hasattr(d, "dependencies") for d in get.dependant.dependencies
    )
    assert get.body_field is None
    assert post.body_field is not None


def test_the_route_class_handler_serves_the_route_once_included_under_a_prefix() -> None:
    class Recording(APIRoute):
        def get_route_handler(self):  # type: ignore[no-untyped-def]
            inner = super().get_route_handler()

            async def handler(request: Request):  # type: ignore[no-untyped-def]
                request.state.principal = None  # what the authenticate part leaves
                response = await inner(request)
                response.headers["x-wrapped"] = "yes"
                return response

            return handler

    app, router = _app(Recording)

    assert all(type(r) is Recording for r in router.routes)
    with TestClient(app) as client:
        assert client.post("/v1/things", json={"name": "a"}).headers["x-wrapped"] == "yes"
        assert client.get("/v1/things/t1").headers["x-wrapped"] == "yes"


def test_a_request_keyword_gets_the_request_and_the_body_read_before_is_the_routes() -> None:
    seen: list[object] = []

    def endpoint(body: Body) -> Body:
        seen.append(body)
        return body

    stand_in = one_step(
        endpoint, response_model=Body, status_code=201, read_only=False, heavy_read=False
    )

    class Reading(APIRoute):
        def get_route_handler(self):  # type: ignore[no-untyped-def]
            inner = super().get_route_handler()

            async def handler(request: Request):  # type: ignore[no-untyped-def]
                await request.body()  # as the admit part does, before the route
                request.state.turn_deadline = float("inf")
                return await inner(request)

            return handler

    from app.config import Settings

    app = FastAPI()
    app.state.settings = Settings(database_url="postgresql+psycopg://u@h/db", _env_file=None)  # type: ignore[call-arg]
    app.router.route_class = Reading
    app.post("/x", status_code=201)(stand_in)
    with TestClient(app) as client:
        answer = client.post("/x", json={"name": "ok"})

    assert answer.status_code == 201 and answer.json() == {"name": "ok"}
    assert seen == [Body(name="ok")]


def test_the_service_routes_run_through_every_part() -> None:
    names = [c.__name__ for c in ApiRoute.__mro__]
    parts = [
        "ProblemRoute",
        "AuthenticatedRoute",
        "AdmittedRoute",
        "LanedRoute",
        "ConditionalRoute",
        "TransactionRoute",
        "OneStepRoute",
        "APIRoute",
    ]
    assert [n for n in names if n in parts] == parts


def test_heavy_reads_are_named_by_their_path_or_marked() -> None:
    def plain() -> None: ...

    assert is_heavy("/v1/mobility/paths", plain)
    assert is_heavy("/v1/positions/{position_id}/candidates", plain)
    assert not is_heavy("/v1/employees/{employee_id}/readiness", plain)
    assert not is_heavy("/v1/positions/{paths}", plain)  # a parameter's name is no segment
    assert is_heavy("/v1/anything", heavy(lambda: None))


tags = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=12).map(lambda t: f'"{t}"')


@given(etag=tags, others=st.lists(tags, max_size=3), weak=st.booleans())
def test_if_none_match_names_a_tag_weakly_or_by_star(
    etag: str, others: list[str], weak: bool
) -> None:
    listed = [*others, f"W/{etag}" if weak else etag]
    assert matches(", ".join(listed), etag)
    assert matches("*", etag)
    assert matches(", ".join(others), etag) == (etag in others)
    assert not matches(None, etag) and not matches("", etag)

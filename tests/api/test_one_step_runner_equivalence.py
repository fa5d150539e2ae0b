"""The one-step runner twin (`app/routing/run.py`) against FastAPI's own serialization.

For speed, `OneStepRoute` runs a `def` route and encodes its answer itself instead of
handing the return value to FastAPI (CONTRIBUTING.md lists it with the other fast twins).
For every response model of every route the runner serves, these tests generate answers
(the model itself, or its dump as a plain dict or as JSON-shaped data, as a route might
return them), serve each from two one-route apps, one through the runner and one through
FastAPI's plain `APIRoute`, and require the same status, headers and body bytes, with any
headers and status a route sets through its `response: Response` parameter.

What makes them equal beyond the encoder: the route options the runner does not read
(`response_model_include`, `exclude`, `exclude_unset`, `exclude_defaults`, `exclude_none`,
`by_alias`, `response_class`) are at FastAPI's defaults on every such route, which the
first test pins. The twin would differ for a status that allows no body (204, 304) set on
that `response` parameter: FastAPI drops the body, the runner keeps it; no route sets one.
The runner is driven here on its thread-pool path; the inline path (light reads on SQLite)
calls the same encoding step. This module keeps its annotations as strings
(`from __future__ import annotations`), as a router module may: the runner still finds the
`response: Response` parameter, as FastAPI does.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import annotated_types
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.config import Settings
from app.main import DOCUMENT_ORDER
from app.routing.run import OneStepRoute
from app.schemas.policy import Weights

# The options FastAPI's serialization reads that the runner does not: at their defaults,
# the runner's encoding is FastAPI's.
UNREAD_OPTIONS = {
    "response_model_include": None,
    "response_model_exclude": None,
    "response_model_exclude_unset": False,
    "response_model_exclude_defaults": False,
    "response_model_exclude_none": False,
    "response_model_by_alias": True,
}
# What routes set on their `response` parameter: these headers, and no status at all.
ROUTE_HEADERS = ("ETag", "Location", "Cache-Control", "Idempotent-Replayed")


def _served_by_the_runner() -> list[APIRoute]:
    """Every route of the service whose endpoint is the runner's stand-in."""
    routes = [r for m in DOCUMENT_ORDER for r in m.router.routes if isinstance(r, APIRoute)]
    return [r for r in routes if "_one_step_request" in inspect.signature(r.endpoint).parameters]


RUNNER_ROUTES = _served_by_the_runner()
# One route of each response model and status: the encoding depends on nothing else.
CASES = {(repr(r.response_model), r.status_code): r for r in RUNNER_ROUTES}


# Values for an annotation, honouring the bounds pydantic keeps beside it; a value that
# still fails the model's own validators is thrown away.
def _bounded_number(kind: type, metadata: list[Any]) -> st.SearchStrategy[Any]:
    low = high = None
    for m in metadata:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            low = m.ge if isinstance(m, annotated_types.Ge) else m.gt
        if isinstance(m, annotated_types.Le | annotated_types.Lt):
            high = m.le if isinstance(m, annotated_types.Le) else m.lt
    if kind is int:
        return st.integers(min_value=low, max_value=high)
    if kind is Decimal:  # money: within the 10^12 the service takes in
        return st.decimals(
            min_value=-(10**12) if low is None else low,
            max_value=10**12 if high is None else high,
            places=2,
            allow_nan=False,
            allow_infinity=False,
        )
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def _sized(metadata: list[Any]) -> dict[str, int]:
    sizes: dict[str, int] = {"max_size": 3}
    for m in metadata:
        if isinstance(m, annotated_types.MinLen):
            sizes["min_size"] = m.min_length
        if isinstance(m, annotated_types.MaxLen):
            sizes["max_size"] = min(m.max_length, max(3, sizes.get("min_size", 0)))
    return sizes


SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    bool: st.booleans(),
    date: st.dates(),
    datetime: st.datetimes(timezones=st.sampled_from([UTC])),
    UUID: st.uuids(),
    Any: st.none() | st.integers() | st.text(max_size=8),
    type(None): st.none(),
}


def values_of(annotation: Any, metadata: list[Any] | None = None) -> st.SearchStrategy[Any]:
    """Return a strategy for values of the annotation (a response model, or a field's type)."""
    metadata = list(metadata or [])
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return values_of(args[0], metadata + list(annotation.__metadata__))
    if annotation in BY_HAND:
        return BY_HAND[annotation]()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _instances(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([values_of(a, metadata) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (list, tuple, set, frozenset):
        sizes = _sized(metadata)
        return st.lists(values_of(args[0]), **sizes).map(origin)
    if origin is dict:
        return st.dictionaries(st.text(max_size=6), values_of(args[1]), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    if annotation in (int, float, Decimal):
        return _bounded_number(annotation, metadata)
    if annotation is str:
        return st.text(**{"max_size": 12, **_sized(metadata)})
    return SCALARS[annotation]


def _weights() -> st.SearchStrategy[Weights]:
    """Weights in thousandths that sum to 1, as the model requires (drawn field by field,
    five weights almost never do)."""
    cuts = st.lists(st.integers(0, 1000), min_size=4, max_size=4).map(sorted)
    shares = cuts.map(lambda c: [b - a for a, b in zip([0, *c], [*c, 1000], strict=True)])
    names = list(Weights.model_fields)
    return shares.map(lambda s: Weights(**{n: v / 1000 for n, v in zip(names, s, strict=True)}))


# Models whose own validators tie their fields together, drawn whole.
BY_HAND: dict[type[BaseModel], Any] = {Weights: _weights}


def _validated(model: type[BaseModel], data: dict[str, Any]) -> BaseModel | None:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _instances(model: type[BaseModel]) -> st.SearchStrategy[BaseModel]:
    fields = {
        (f.alias or name): values_of(f.annotation, f.metadata)
        for name, f in model.model_fields.items()
    }
    built = st.fixed_dictionaries(fields).map(lambda data: _validated(model, data))
    return built.filter(lambda value: value is not None)  # type: ignore[return-value]


def _as_returned(value: Any, form: str, adapter: TypeAdapter[Any]) -> Any:
    """The answer as a route might return it: the value itself, or a dict or list of it."""
    if form == "value":
        return value
    return adapter.dump_python(value, mode="json" if form == "json" else "python", by_alias=True)


class _Ready(APIRoute):
    """Leaves on the request what the parts outside the runner would (lanes, transaction)."""

    def get_route_handler(self):  # type: ignore[no-untyped-def]
        inner = super().get_route_handler()

        async def handler(request: Request):  # type: ignore[no-untyped-def]
            request.state.turn_deadline = float("inf")
            return await inner(request)

        return handler


class _Runner(_Ready, OneStepRoute):
    pass


class Answer:
    """What the one route of both apps answers with next."""

    value: Any = None
    headers: dict[str, str] = {}


def _app(route: APIRoute, route_class: type[APIRoute]) -> FastAPI:
    def answer(response: Response) -> Any:
        for name, text in Answer.headers.items():
            response.headers[name] = text
        return Answer.value

    router = APIRouter(route_class=route_class)
    router.add_api_route(
        "/answer",
        answer,
        methods=["POST"],
        response_model=route.response_model,
        status_code=route.status_code,
    )
    app = FastAPI()
    app.state.settings = Settings(
        database_url="postgresql+psycopg://u@h/db",
        _env_file=None,  # type: ignore[call-arg]
    )
    app.include_router(router)
    return app


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[tuple[str, int | None], tuple[TestClient, TestClient]]]:
    opened = {
        key: (TestClient(_app(route, _Runner)), TestClient(_app(route, APIRoute)))
        for key, route in CASES.items()
    }
    yield opened
    for runner, plain in opened.values():
        runner.close()
        plain.close()


def test_the_runner_serves_the_routes_with_every_option_it_ignores_at_its_default() -> None:
    assert len(RUNNER_ROUTES) > 40
    for route in RUNNER_ROUTES:
        options = {name: getattr(route, name) for name in UNREAD_OPTIONS}
        assert options == UNREAD_OPTIONS, route.path
        if route.response_model is not None:  # without one, the route returns a Response
            assert type(route.response_class).__name__ == "DefaultPlaceholder", route.path


HEADERS = st.dictionaries(
    st.sampled_from(ROUTE_HEADERS),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20),
    max_size=2,
)


@pytest.mark.parametrize("case", list(CASES), ids=[f"{m}-{s}" for m, s in CASES])
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
    ],
)
@given(data=st.data(), headers=HEADERS, form=st.sampled_from(["value", "python", "json"]))
def test_the_runner_answers_as_fastapi_would(
    clients: dict[tuple[str, int | None], tuple[TestClient, TestClient]],
    case: tuple[str, int | None],
    data: st.DataObject,
    headers: dict[str, str],
    form: str,
) -> None:
    route = CASES[case]
    runner, plain = clients[case]
    if route.response_model is None:
        # A route with no model returns its own Response; both pass it through untouched.
        body = data.draw(st.binary(max_size=64))
        Answer.value = Response(body, status_code=200, media_type="image/svg+xml")
    else:
        adapter: TypeAdapter[Any] = TypeAdapter(route.response_model)
        returned = _as_returned(data.draw(values_of(route.response_model)), form, adapter)
        # A dump the model does not take back (a number that must not come as a string)
        # is not an answer a route gives.
        try:
            adapter.validate_python(returned)
        except ValidationError:
            assume(False)
        Answer.value = returned
    Answer.headers = headers

    ours, theirs = runner.post("/answer"), plain.post("/answer")

    assert ours.status_code == theirs.status_code
    assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert ours.content == theirs.content

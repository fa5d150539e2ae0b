"""Liveness, readiness and metrics: no authentication, for probes and scrapers."""

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app.db import get_database
from app.migrate import current_revision, head_revision
from app.observability import metrics_response

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    expected_revision: str | None


def _check() -> Ready:
    expected = head_revision()
    try:
        revision = current_revision(get_database().reader)
    except Exception:  # noqa: BLE001 - any failure to reach the database means not ready
        return Ready(
            status="unavailable",
            database="unreachable",
            schema_revision=None,
            expected_revision=expected,
        )
    status = "ready" if revision == expected else "schema_behind"
    return Ready(
        status=status, database="reachable", schema_revision=revision, expected_revision=expected
    )


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    summary="Readiness: database reachable and schema at head",
    responses={503: {"model": Ready, "description": "Not ready: database down or schema behind."}},
)
async def readyz(request: Request, response: Response) -> Ready:
    ready = await run_in_threadpool(_check)
    if ready.status != "ready":
        response.status_code = 503
        response.headers["Retry-After"] = str(request.app.state.settings.retry_after_seconds)
    return ready


# Probes that only look at the status (load balancers, `curl -I`) send HEAD: the same
# answer without the body.
@router.head("/healthz", include_in_schema=False)
async def healthz_head() -> Response:
    return Response(status_code=200, media_type="application/json")


@router.head("/readyz", include_in_schema=False)
async def readyz_head(request: Request) -> Response:
    ready = await run_in_threadpool(_check)
    if ready.status == "ready":
        return Response(status_code=200, media_type="application/json")
    retry = str(request.app.state.settings.retry_after_seconds)
    return Response(status_code=503, media_type="application/json", headers={"Retry-After": retry})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
def metrics() -> Response:
    return metrics_response()

"""Bulk import of whole histories as NDJSON, streamed and committed in batches."""

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import IO

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.common import api_router, problems
from app.auth import Writer
from app.db import get_database
from app.errors import UnsupportedMediaType
from app.routing import keep_claimed
from app.schemas.imports import ImportReport
from app.services import idempotency
from app.services.imports import Importer, LineSplitter

router = api_router("/imports", "imports")

NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)
EXAMPLE = (
    '{"employee_external_id": "E-1001", "type": "hire", "occurred_on": "2023-04-03", '
    '"position_code": "RN", "salary": {"amount": "68000.00", "currency": "USD"}}\n'
    '{"employee_external_id": "E-1001", "type": "certification_earned", '
    '"occurred_on": "2024-05-10", "name": "Nurse Executive (NE-BC)"}\n'
)
SPOOL_IN_MEMORY = 8 * 1024 * 1024


@router.post(
    "",
    response_model=ImportReport,
    summary="Import career events from NDJSON (one JSON object per line)",
    responses=problems(403, 409, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": EXAMPLE,
                }
            },
        }
    },
)
async def import_events(request: Request, principal: Writer, response: Response) -> ImportReport:
    """Lines are committed in batches; bad lines are reported and skipped; a line seen before
    (same `event_key`, or same content) is counted as a duplicate and adds nothing.

    With an `Idempotency-Key` the body is spooled (to disk past 8 MiB) to fingerprint it
    first, and a retry replays the first report."""
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media not in NDJSON_TYPES:
        raise UnsupportedMediaType("Send the lines as `Content-Type: application/x-ndjson`.")
    importer = Importer(get_database(), principal.organization_id)
    key = request.headers.get("idempotency-key")
    if key is None:
        await _stream_into(importer, request.stream())
        return _report(importer)
    claim = idempotency.Claim(
        organization_id=principal.organization_id,
        method="POST",
        path=request.url.path,
        key=idempotency.check_key(key),
    )
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        digest = hashlib.sha256()
        async for chunk in request.stream():
            digest.update(chunk)
            spool.write(chunk)
        lease = request.app.state.settings.idempotency_lease_seconds
        replay = await run_in_threadpool(
            idempotency.claim_fingerprint,
            get_database(),
            claim=claim,
            fingerprint=digest.hexdigest(),
            lease_seconds=lease,
        )
        if replay is not None:
            response.headers["Idempotent-Replayed"] = "true"
            return ImportReport.model_validate_json(replay.body)
        # The route wrapper stores the report for replay (or frees the key on a 5xx).
        request.state.idempotency_claim = claim
        spool.seek(0)
        async with keep_claimed(claim, lease):  # a retry meanwhile is a 409, however long
            await _stream_into(importer, _chunks(spool))
    return _report(importer)


async def _chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await run_in_threadpool(spool.read, 1024 * 1024):
        yield chunk


async def _stream_into(importer: Importer, chunks: AsyncIterator[bytes]) -> None:
    number = 0
    splitter = LineSplitter()
    async for chunk in chunks:
        lines = []
        for raw in splitter.feed(chunk):
            number += 1
            lines.append((number, None if raw is None else raw.decode("utf-8", "replace")))
        if lines:
            await run_in_threadpool(_feed, importer, lines)
    last = [
        (number + 1, None if raw is None else raw.decode("utf-8", "replace"))
        for raw in splitter.finish()
    ]
    if last:
        await run_in_threadpool(_feed, importer, last)
    await run_in_threadpool(importer.flush)


def _feed(importer: Importer, lines: list[tuple[int, str | None]]) -> None:
    for number, text in lines:
        importer.feed(number, text)


def _report(importer: Importer) -> ImportReport:
    return ImportReport.model_validate(asdict(importer.report))

"""Bulk import of whole histories as NDJSON, streamed and committed in batches."""

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from app.api.common import problems, router
from app.auth import Writer
from app.db import get_database
from app.schemas.imports import ImportError_, ImportReport
from app.services.imports import Importer

api = router("/imports", "imports")

EXAMPLE = (
    '{"employee_external_id": "E-1001", "type": "hire", "occurred_on": "2023-04-03", '
    '"position_code": "RN", "salary": "68000.00"}\n'
    '{"employee_external_id": "E-1001", "type": "certification_earned", '
    '"occurred_on": "2024-05-10", "name": "Nurse Executive (NE-BC)"}\n'
)


@api.post(
    "",
    response_model=ImportReport,
    summary="Import career events from NDJSON (one JSON object per line)",
    responses=problems(403, 413, 415),
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
async def import_events(request: Request, principal: Writer) -> ImportReport:
    """Lines are committed in batches; bad lines are reported and skipped; a line seen before
    (same `event_key`, or same content) is counted as a duplicate and adds nothing."""
    importer = Importer(get_database(), principal.organization_id)
    number = 0
    pending = b""
    async for chunk in request.stream():
        pending += chunk
        *complete, pending = pending.split(b"\n")
        lines = []
        for raw in complete:
            number += 1
            lines.append((number, raw.decode("utf-8", errors="replace")))
        if lines:
            await run_in_threadpool(_feed, importer, lines)
    if pending:
        number += 1
        await run_in_threadpool(_feed, importer, [(number, pending.decode("utf-8", "replace"))])
    await run_in_threadpool(importer.flush)
    report = importer.report
    return ImportReport(
        lines=report.lines,
        created=report.created,
        duplicates=report.duplicates,
        rejected=report.rejected,
        errors=[ImportError_(**e) for e in report.errors],
    )


def _feed(importer: Importer, lines: list[tuple[int, str]]) -> None:
    for number, text in lines:
        importer.feed(number, text)

"""Schemathesis hooks for the contract run: how to send an NDJSON body.

`POST /v1/imports` takes `application/x-ndjson`, which Schemathesis cannot serialize on
its own; the schema describes the body as a binary string, so the generated value is sent
as it is (text as UTF-8, lone surrogates included, to keep the input hostile).
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(_ctx: Any, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogatepass")
    return str(value).encode()

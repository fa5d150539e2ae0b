"""Answers built from a person's history, kept per process under a tag of everything they
depend on.

A tag is a hash of the versions read in the request's first statement (the organization's
catalog version, the person's history version: `app.services.catalog.with_history`) and the
request's own inputs (target, day). The same tag means the same answer, so it is the
answer's `ETag` too: a caller that holds it gets a 304 without the answer being built, and
another caller gets the stored bytes. Nothing is ever served without the versions read in
the same request, so a change committed through any replica is seen at once everywhere.

The store is bounded in bytes, least recently used first out. An erased person's answers
can no longer be reached (the person's version reads as missing); the process that erases
also drops them at once (`forget`), the others as they age out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

MAX_BYTES = 32 * 1024 * 1024

Key = tuple[str, str, str]  # organization, person ("" for none), tag


def tag_of(*parts: object) -> str:
    """Return a strong ETag made of the parts (versions, then the request's inputs)."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return '"' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"'


class Answers:
    """Encoded answers by (organization, person, tag), at most `max_bytes` of them."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, organization_id: str, employee_id: str | None, tag: str) -> bytes | None:
        """Return the answer stored under the tag, or None."""
        key = (organization_id, employee_id or "", tag)
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, organization_id: str, employee_id: str | None, tag: str, body: bytes) -> None:
        """Store an answer built from committed data under its tag."""
        key = (organization_id, employee_id or "", tag)
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._entries[key] = body
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    def forget(self, organization_id: str, employee_id: str) -> None:
        """Drop every answer about one person (erasure)."""
        with self._lock:
            for key in [k for k in self._entries if k[:2] == (organization_id, employee_id)]:
                self._bytes -= len(self._entries.pop(key))

    def clear(self) -> None:
        """Forget every answer (tests)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


ANSWERS = Answers()

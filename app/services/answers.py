"""Answers built from a person's history, kept per process under a tag of everything they
depend on.

A tag is a hash of the versions read in the request's first statement (the organization's
catalog version, the person's history version: `app.services.catalog.with_history`) and the
request's own inputs (target, day). The same tag means the same answer, so it is the
answer's `ETag` too: a caller that holds it gets a 304 without the answer being built, and
another caller gets the stored bytes. Nothing is ever served without the versions read in
the same request, so a change committed through any replica is seen at once everywhere.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

MAX_ANSWERS = 20_000


def tag_of(*parts: object) -> str:
    """Return a strong ETag made of the parts (versions, then the request's inputs)."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return '"' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"'


class Answers:
    """Encoded answers by (organization, tag), least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ANSWERS) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, organization_id: str, tag: str) -> bytes | None:
        """Return the answer stored under the tag, or None."""
        key = (organization_id, tag)
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, organization_id: str, tag: str, body: bytes) -> None:
        """Store an answer built from committed data under its tag."""
        with self._lock:
            self._entries[(organization_id, tag)] = body
            self._entries.move_to_end((organization_id, tag))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer (tests)."""
        with self._lock:
            self._entries.clear()


ANSWERS = Answers()

"""Fixtures of the real-server tests live in `servers.py`; this makes them visible here."""

from tests.concurrency.servers import launch, postgres_url, store_url

__all__ = ["launch", "postgres_url", "store_url"]

"""Count the SQL statements one request runs, in-process, on a benchmark database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from app.config import Settings
from app.db import Database, set_database


def statements_per_request(url: str, key: str, paths: dict[str, str]) -> dict[str, int] | str:
    """Return, for each labelled GET path, how many statements its request executed."""
    try:
        from fastapi.testclient import TestClient
    except ImportError as exc:  # httpx is a dev dependency
        return f"skipped: {exc}"
    from app.main import create_app
    from app.services.answers import ANSWERS

    settings = Settings(database_url=url, log_level="WARNING", _env_file=None)  # type: ignore[call-arg]
    database = Database.from_settings(settings)
    set_database(database)
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engines = {id(e): e for e in (database.reader, database.writer)}.values()
    try:
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        out = {}
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {key}"
            for label, path in paths.items():
                client.get(path)  # warm: first-use lookups are not the point
                ANSWERS.clear()  # but the answer is built: a stored one would need only one
                seen.clear()
                answer = client.get(path)
                if answer.status_code != 200:
                    return f"failed: {label}: {answer.status_code} {answer.text[:200]}"
                out[label] = len(seen)
        return out
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
        database.dispose()
        set_database(None)

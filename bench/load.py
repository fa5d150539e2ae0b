"""Fresh benchmark databases, and a fast loader for the synthetic history.

The organization and its positions are created through the service's own code
(`app.services`), as the CLI and the API create them. The history itself is bulk-inserted
with SQLAlchemy Core, because the import endpoint is one of the things being measured and
is far too slow today to load 200,000 events within the benchmark's time budget. The rows
are the ones the service would have written: arrival numbers (`seq`), folded names, cents,
the dedupe key, each move's classification from the domain replay itself, and the
position holdings (`app.domain.holding.spells`) the service keeps beside them; a history
the replay finds a problem in is refused, so the generator cannot slip in an invalid one.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import Database
from app.domain.history import EventFacts, EventType, replay
from app.domain.holding import spells
from app.domain.values import Money, decimal_to_cents, fold_name
from app.migrate import upgrade
from app.models import CareerEvent, Employee, Position, PositionHolding, utcnow
from app.schemas.positions import PositionCreate
from app.services import holdings
from app.services.organizations import create_key_for, create_organization
from app.services.positions import create_position
from bench.generate import ALL_POSITIONS

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BATCH = 5000


def postgres_admin_url() -> str:
    """Return the URL of a PostgreSQL database the benchmark may create databases from."""
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)


def postgres_available() -> str | None:
    """Return None when PostgreSQL answers, else why it does not."""
    try:
        engine = create_engine(postgres_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


_templates: dict[str, str] = {}
# PostgreSQL databases are named per run: several runs may share one server.
RUN_SUFFIX = f"_{os.getpid()}"


def _template(store: str, workdir: Path) -> str:
    """Return a migrated template of the store, made once a run (migrations take seconds)."""
    if store not in _templates:
        if store == "sqlite":
            path = workdir / "template.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            upgrade(f"sqlite:///{path}")
            _templates[store] = str(path)
        else:
            name = f"cm_bench_template{RUN_SUFFIX}"
            _create_postgres(name, template=None)
            admin_url = make_url(postgres_admin_url())
            upgrade(admin_url.set(database=name).render_as_string(hide_password=False))
            _templates[store] = name
    return _templates[store]


def _create_postgres(name: str, *, template: str | None) -> None:
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()


def fresh_database(store: str, name: str, workdir: Path) -> str:
    """Return the URL of a new, empty, migrated database (an older one of the name is dropped)."""
    template = _template(store, workdir)
    if store == "sqlite":
        path = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    name += RUN_SUFFIX
    _create_postgres(name, template=template)
    admin_url = make_url(postgres_admin_url())
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_templates() -> None:
    """Remove the templates this run made."""
    for store, template in list(_templates.items()):
        if store == "sqlite":
            Path(template).unlink(missing_ok=True)
        else:
            admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
            admin.dispose()
        del _templates[store]


def drop_database(store: str, url: str) -> None:
    """Remove a benchmark database."""
    parsed = make_url(url)
    if store == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Org:
    """One organization of a benchmark database."""

    url: str
    name: str
    organization_id: str
    key: str
    positions: dict[str, str]
    employees: dict[str, str]


def database_for(url: str) -> Database:
    """Return the service's own engines for a URL, settings read from nowhere else."""
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    return Database.from_settings(settings)


def prepare(url: str, name: str) -> Org:
    """Create an organization, a key that writes and audits, and the 200 positions (the 50
    people hold and their 150 variants), as the service does."""
    database = database_for(url)
    try:
        with database.transaction() as session:
            org, _admin = create_organization(session, name)
            key = create_key_for(session, name, "write,audit")
            positions = {}
            for spec in ALL_POSITIONS:
                body = PositionCreate.model_validate(spec.create_body())
                positions[spec.code] = create_position(session, org.id, body).id
    finally:
        database.dispose()
    return Org(url, name, org.id, key, positions, {})


def _people(path: Path) -> Iterator[list[dict[str, Any]]]:
    """Yield each person's lines of a history file (they are contiguous in it)."""
    current: list[dict[str, Any]] = []
    with path.open("rb") as handle:
        for raw in handle:
            line = json.loads(raw)
            if current and line["employee_external_id"] != current[0]["employee_external_id"]:
                yield current
                current = []
            current.append(line)
    if current:
        yield current


def _rows(
    org: Org, lines: list[dict[str, Any]], level_of: dict[str, int], now: Any
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    external_id = lines[0]["employee_external_id"]
    employee_id = org.employees[external_id]
    events = []
    for seq, line in enumerate(lines, start=1):
        salary = line.get("salary")
        cents = decimal_to_cents(Decimal(str(salary["amount"]))) if salary else None
        name = line.get("name")
        position = line.get("position_code")
        events.append(
            {
                "organization_id": org.organization_id,
                "id": str(uuid.uuid4()),
                "employee_id": employee_id,
                "seq": seq,
                "type": line["type"],
                "occurred_on": date.fromisoformat(line["occurred_on"]),
                "recorded_at": now,
                "position_id": org.positions[position] if position else None,
                "salary_cents": cents,
                "salary_currency": salary["currency"] if salary else None,
                "rating": line.get("rating"),
                "name": name,
                "name_key": fold_name(name) if name is not None else None,
                "description": line.get("description"),
                "level": line.get("level"),
                "expires_on": date.fromisoformat(line["expires_on"])
                if line.get("expires_on")
                else None,
                "classification": None,
                "voided_at": None,
                "void_reason": None,
                "event_key": line.get("event_key"),
                "potential": line.get("potential"),
                "risk_of_loss": line.get("risk_of_loss"),
                "impact_of_loss": line.get("impact_of_loss"),
            }
        )
    facts = [
        EventFacts(
            id=e["id"],
            type=EventType(e["type"]),
            occurred_on=e["occurred_on"],
            seq=e["seq"],
            position_id=e["position_id"],
            salary=Money(e["salary_cents"], e["salary_currency"])
            if e["salary_cents"] is not None
            else None,
        )
        for e in events
        if EventType(e["type"]) in _STATE
    ]
    projection = replay(events=facts, level_of=level_of)
    if projection.problems:
        raise ValueError(f"generated history of {external_id} is invalid: {projection.problems[0]}")
    for event in events:
        kind = projection.classifications.get(event["id"])
        if kind is not None:
            event["classification"] = kind.value
    employee = {
        "organization_id": org.organization_id,
        "id": employee_id,
        "external_id": external_id,
        "display_name": lines[0].get("employee_display_name"),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "event_seq": len(lines),
    }
    held = holdings.rows_of(
        org.organization_id, employee_id, spells(events=facts, level_of=level_of)
    )
    return employee, events, held


_STATE = {
    EventType.hire,
    EventType.position_change,
    EventType.promotion,
    EventType.lateral_move,
    EventType.demotion,
    EventType.salary_change,
    EventType.exit,
}


# Every column of each table, in its order: the loader writes whole rows, voids included.
_EVENT_COLUMNS = tuple(CareerEvent.__table__.columns.keys())
_EMPLOYEE_COLUMNS = tuple(Employee.__table__.columns.keys())
_HOLDING_COLUMNS = tuple(PositionHolding.__table__.columns.keys())


def _sqlite_value(value: Any) -> Any:
    # The text SQLAlchemy's SQLite dialect stores for these types (UTC, naive).
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Writer:
    """Writes rows through the driver itself: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw = raw
        self.dialect = dialect

    def write(self, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            cursor = self.raw.cursor()
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(tuple(row[c] for c in columns))
            cursor.close()
            return
        marks = ", ".join("?" for _ in columns)
        self.raw.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(_sqlite_value(row[c]) for c in columns) for row in rows],
        )


def bulk_load(org: Org, history: Path) -> int:
    """Insert every person and event of a history file into the org; return the events.

    People first, in their own transaction, then the events: on PostgreSQL the people are
    analyzed in between, or every foreign-key check of the events would plan a sequential
    scan of a table the planner still believes empty (quadratic at 10,000 people).
    """
    engine = create_engine(org.url)
    with engine.connect() as conn:
        level_of = dict(
            conn.execute(
                select(Position.id, Position.level).where(
                    Position.organization_id == org.organization_id
                )
            ).all()
        )
    base = utcnow()
    employees = []
    for index, lines in enumerate(_people(history)):
        external_id = lines[0]["employee_external_id"]
        org.employees[external_id] = str(uuid.uuid4())
        # Distinct creation times keep "oldest first" listings in file order.
        now = base + timedelta(microseconds=index)
        employees.append(
            {
                "organization_id": org.organization_id,
                "id": org.employees[external_id],
                "external_id": external_id,
                "display_name": lines[0].get("employee_display_name"),
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "event_seq": len(lines),
            }
        )
    postgres = engine.dialect.name == "postgresql"
    _write_all(engine, "employee", _EMPLOYEE_COLUMNS, [employees])
    if postgres:
        _analyze(engine)

    held: list[dict[str, Any]] = []

    def batches() -> Iterator[list[dict[str, Any]]]:
        events: list[dict[str, Any]] = []
        for lines in _people(history):
            _employee, rows, spells_of_person = _rows(org, lines, level_of, base)
            events.extend(rows)
            held.extend(spells_of_person)
            if len(events) >= BATCH:
                yield events
                events = []
        if events:
            yield events

    total = _write_all(engine, "career_event", _EVENT_COLUMNS, batches())
    # The position holdings the service keeps beside the events (app.services.holdings).
    _write_all(engine, "position_holding", _HOLDING_COLUMNS, [held])
    if postgres:
        # Autovacuum would analyze within a minute of a load this size; do it now, so the
        # planner's statistics do not depend on when the benchmark starts.
        _analyze(engine)
    engine.dispose()
    return total


def _write_all(
    engine: Any, table: str, columns: tuple[str, ...], batches: Iterable[list[dict[str, Any]]]
) -> int:
    """Write batches of rows in one transaction of a fresh connection; return the rows."""
    raw = engine.raw_connection()
    writer = _Writer(raw.driver_connection, engine.dialect.name)
    total = 0
    try:
        if engine.dialect.name == "sqlite":
            raw.driver_connection.execute("BEGIN")
        for rows in batches:
            writer.write(table, columns, rows)
            total += len(rows)
        raw.driver_connection.commit()
    finally:
        raw.close()
    return total


def _analyze(engine: Any) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))

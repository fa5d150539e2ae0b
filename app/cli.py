"""The `career-mobility` command line: serve, migrate, organizations and keys."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.config import get_settings
from app.errors import ApiError


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.migrate import upgrade

    settings = get_settings()
    if settings.migrate_on_start:
        upgrade(settings.database_url)
    workers = args.workers or int(os.environ.get("WEB_CONCURRENCY", settings.web_concurrency))
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from app.migrate import downgrade, upgrade

    url = get_settings().database_url
    if args.downgrade:
        downgrade(url, args.downgrade)
        print(f"Schema downgraded to {args.downgrade}.")
    else:
        upgrade(url, args.revision)
        print(f"Schema upgraded to {args.revision}.")
    return 0


def _orgs_create(args: argparse.Namespace) -> int:
    from app.db import get_database
    from app.migrate import upgrade
    from app.services.organizations import create_organization

    upgrade(get_settings().database_url)
    with get_database().transaction() as session:
        org, key = create_organization(session, args.name)
    print(f"Created organization {org.name!r} ({org.id}) with the default scoring policy.")
    print("Its admin key, shown only this once (scopes: admin, write, read):")
    print(key)
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    from app.db import get_database
    from app.migrate import upgrade
    from app.services.organizations import create_key_for

    upgrade(get_settings().database_url)
    with get_database().transaction() as session:
        key = create_key_for(session, args.org, args.scopes)
    print(f"New key for {args.org!r} with scopes {args.scopes}, shown only this once:")
    print(key)
    return 0


def _import(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    from app.db import get_database
    from app.migrate import upgrade
    from app.services.imports import Importer, LineSplitter
    from app.services.organizations import find_organization

    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    upgrade(get_settings().database_url)
    database = get_database()
    with database.transaction(write=False) as session:
        organization_id = find_organization(session, args.org).id
    importer = Importer(database, organization_id)
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]importing"),
        BarColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[lines]:,} lines  {task.fields[rate]:,.0f} lines/s"),
        TextColumn("created {task.fields[created]:,}  duplicates {task.fields[duplicates]:,}"),
        TextColumn("[red]errors {task.fields[errors]:,}"),
        TimeElapsedColumn(),
    )
    with (
        path.open("rb") as handle,
        Progress(*columns, console=console, disable=args.quiet) as progress,
    ):
        task = progress.add_task(
            "import",
            total=path.stat().st_size,
            lines=0,
            rate=0.0,
            created=0,
            duplicates=0,
            errors=0,
        )
        splitter = LineSplitter()
        number = 0
        while chunk := handle.read(1024 * 1024):
            for raw in splitter.feed(chunk):
                number += 1
                importer.feed(number, None if raw is None else raw.decode("utf-8", "replace"))
            _progress(progress, task, importer, handle.tell())
        for raw in splitter.finish():
            importer.feed(number + 1, None if raw is None else raw.decode("utf-8", "replace"))
        importer.flush()
        _progress(progress, task, importer, handle.tell())
    report = importer.report
    print(
        json.dumps(
            {
                "lines": report.lines,
                "created": report.created,
                "duplicates": report.duplicates,
                "rejected": report.rejected,
                "errors": report.errors,
            },
            indent=2,
        )
    )
    return 2 if report.rejected else 0


def _progress(progress: Any, task: Any, importer: Any, position: int) -> None:
    elapsed = progress.tasks[0].elapsed or 0.0
    report = importer.report
    progress.update(
        task,
        completed=position,
        lines=report.lines,
        rate=report.lines / elapsed if elapsed else 0.0,
        created=report.created,
        duplicates=report.duplicates,
        errors=report.rejected,
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="career-mobility",
        description="Career Mobility Service. DATABASE_URL picks the store (SQLite by default).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="upgrade the schema to head, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--workers", type=int, default=None, help="worker processes (default WEB_CONCURRENCY or 1)"
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the schema (to head by default)")
    migrate.add_argument("--revision", default="head", help="target revision (default head)")
    migrate.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION instead")
    migrate.set_defaults(run=_migrate)

    orgs = commands.add_parser("orgs", help="organizations (tenants)")
    orgs_commands = orgs.add_subparsers(dest="orgs_command", required=True)
    orgs_create = orgs_commands.add_parser("create", help="create one; prints an admin key once")
    orgs_create.add_argument("name")
    orgs_create.set_defaults(run=_orgs_create)

    keys = commands.add_parser("keys", help="API keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_create = keys_commands.add_parser("create", help="create a key; prints it once")
    keys_create.add_argument("--org", required=True, help="organization name")
    keys_create.add_argument(
        "--scopes", default="read", help="comma-separated: read, write, admin (default read)"
    )
    keys_create.set_defaults(run=_keys_create)

    imp = commands.add_parser(
        "import",
        help="import career events from an NDJSON file; exit 0 all landed, 2 some lines "
        "rejected, 1 could not run",
    )
    imp.add_argument("file", help="NDJSON file, one event per line (see README)")
    imp.add_argument("--org", required=True, help="organization name")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(run=_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ApiError, ValueError, OSError) as exc:
        message = exc.detail if isinstance(exc, ApiError) else str(exc)
        print(f"career-mobility: {message}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"career-mobility: database error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""The `career-mobility` command line: serve, migrate, organizations and keys."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.config import get_settings
from app.errors import ApiError


class PortTaken(Exception):
    """The port `serve` was asked to listen on is in use."""


def check_port(host: str, port: int) -> None:
    """Raise PortTaken when nothing can listen on host:port (as uvicorn binds: SO_REUSEADDR,
    so a port left in TIME_WAIT by a stopped server counts as free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            suggestion = port + 1 if port < 65535 else 8000
            raise PortTaken(
                f"port {port} on {host} is already in use ({exc.strerror}); another server "
                f"may be running there. Pick another port: `make run PORT={suggestion}` or "
                f"`career-mobility serve --port {suggestion}`."
            ) from None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.migrate import upgrade

    check_port(args.host, args.port)
    if args.check_port:
        return 0
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
    print("Its admin key, shown only this once (scopes: admin, with write, audit and read):")
    print(key)
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from app.db import get_database
    from app.migrate import upgrade
    from app.models import utcnow
    from app.services.organizations import create_key_for

    expires_at = None
    if args.expires_in is not None:
        if args.expires_in < 1:
            raise ValueError("--expires-in takes a whole number of days, at least 1")
        expires_at = utcnow() + timedelta(days=args.expires_in)
    upgrade(get_settings().database_url)
    with get_database().transaction() as session:
        key = create_key_for(session, args.org, args.scopes, expires_at=expires_at)
    until = f", expiring {expires_at.isoformat(timespec='seconds')}" if expires_at else ""
    print(f"New key for {args.org!r} with scopes {args.scopes}{until}, shown only this once:")
    print(key)
    return 0


def _when(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "-"


def _orgs_list(args: argparse.Namespace) -> int:
    from app.db import get_database
    from app.migrate import upgrade
    from app.services.organizations import list_organizations

    upgrade(get_settings().database_url)
    with get_database().transaction(write=False) as session:
        rows = list_organizations(session)
    print(f"{'ID':36}  {'CREATED':25}  {'KEYS':>4}  NAME")
    for org, live_keys in rows:
        print(f"{org.id:36}  {_when(org.created_at):25}  {live_keys:>4}  {org.name}")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    from app.db import get_database
    from app.migrate import upgrade
    from app.services.keys import list_keys
    from app.services.organizations import find_organization

    upgrade(get_settings().database_url)
    with get_database().transaction(write=False) as session:
        org = find_organization(session, args.org)
        rows, cursor = list_keys(session, org.id, limit=500, cursor=None)
        while cursor is not None:
            more, cursor = list_keys(session, org.id, limit=500, cursor=cursor)
            rows.extend(more)
    print(
        f"{'ID':36}  {'PREFIX':8}  {'SCOPES':18}  {'CREATED':25}  {'EXPIRES':25}  "
        f"{'LAST USED':25}  {'REVOKED':25}  NAME"
    )
    for row in rows:
        print(
            f"{row.id:36}  {row.prefix:8}  {row.scopes:18}  {_when(row.created_at):25}  "
            f"{_when(row.expires_at):25}  {_when(row.last_used_at):25}  "
            f"{_when(row.revoked_at):25}  {row.name or ''}"
        )
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    from app.db import get_database
    from app.migrate import upgrade
    from app.services.keys import revoke_key
    from app.services.organizations import find_organization

    upgrade(get_settings().database_url)
    with get_database().transaction() as session:
        org = find_organization(session, args.org)
        row = revoke_key(session, org.id, args.id)
    print(
        f"Revoked key {row.id} ({row.prefix}...) of {args.org!r} at {_when(row.revoked_at)}; "
        "every replica refuses it within 5 seconds."
    )
    return 0


def _import(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from app.db import get_database
    from app.migrate import upgrade
    from app.services.imports import Importer
    from app.services.organizations import find_organization

    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    upgrade(get_settings().database_url)
    database = get_database()
    with database.transaction(write=False) as reading:
        organization_id = find_organization(reading, args.org).id
    # A dry run writes every batch into one session and rolls it back at the end.
    session = database.session(write=True) if args.dry_run else None
    try:
        importer = Importer(database, organization_id, session=session)
        _feed_file(path, importer, quiet=args.quiet)
        if session is not None:
            pending = importer.people_without_hire(session)
        else:
            with database.transaction(write=False) as reading:
                pending = importer.people_without_hire(reading)
    finally:
        if session is not None:
            session.rollback()
            session.close()
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
    if pending:
        lines = ", ".join(f"{name} (line {importer.rejected_hires[name]})" for name in pending)
        print(
            f"career-mobility: warning: {len(pending)} "
            f"{'person has' if len(pending) == 1 else 'people have'} no hire because "
            f"their hire line was rejected: {lines}. They stay `pending` until a hire is "
            "recorded for them.",
            file=sys.stderr,
        )
    if args.dry_run:
        print(
            "career-mobility: dry run: nothing was written; `created` counts the events "
            "this file would add.",
            file=sys.stderr,
        )
    return 2 if report.rejected else 0


def _feed_file(path: Any, importer: Any, *, quiet: bool) -> None:
    """Feed every line of the file to the importer, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    from app.services.imports import LineSplitter

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
        Progress(*columns, console=console, disable=quiet) as progress,
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


def _port(text: str) -> int:
    """Return a TCP port number; argparse reports anything else as a usage error."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r} (1..65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="career-mobility",
        description="Career Mobility Service. DATABASE_URL picks the store (SQLite by default).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="upgrade the schema to head, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=_port,
        default=os.environ.get("PORT", "8000"),
        help="port (default: the PORT environment variable, else 8000)",
    )
    serve.add_argument(
        "--workers", type=int, default=None, help="worker processes (default WEB_CONCURRENCY or 1)"
    )
    serve.add_argument(
        "--check-port",
        action="store_true",
        help="only check that the port is free (exit 0) or say it is taken (exit 1)",
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
    orgs_list = orgs_commands.add_parser("list", help="list organizations and their live keys")
    orgs_list.set_defaults(run=_orgs_list)

    keys = commands.add_parser("keys", help="API keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_create = keys_commands.add_parser("create", help="create a key; prints it once")
    keys_create.add_argument("--org", required=True, help="organization name")
    keys_create.add_argument(
        "--scopes", default="read", help="comma-separated: read, write, audit, admin (default read)"
    )
    keys_create.add_argument(
        "--expires-in", type=int, metavar="DAYS", help="the key stops working after DAYS days"
    )
    keys_create.set_defaults(run=_keys_create)
    keys_list = keys_commands.add_parser("list", help="list an organization's keys (no secrets)")
    keys_list.add_argument("--org", required=True, help="organization name")
    keys_list.set_defaults(run=_keys_list)
    keys_revoke = keys_commands.add_parser(
        "revoke", help="revoke a key: refused on every replica within 5 seconds"
    )
    keys_revoke.add_argument("--org", required=True, help="organization name")
    keys_revoke.add_argument("id", help="the key's id (from `keys list`)")
    keys_revoke.set_defaults(run=_keys_revoke)

    imp = commands.add_parser(
        "import",
        help="import career events from an NDJSON file; exit 0 all landed, 2 some lines "
        "rejected, 1 could not run",
    )
    imp.add_argument("file", help="NDJSON file, one event per line (see README)")
    imp.add_argument("--org", required=True, help="organization name")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="check the whole file and report what would land, writing nothing",
    )
    imp.set_defaults(run=_import)
    _help_when_bare(parser)
    return parser


def _help_when_bare(parser: argparse.ArgumentParser) -> None:
    """Make a bare command, or a bare group such as `orgs`, print its help (exit 0) instead
    of argparse's "the following arguments are required" error."""
    # argparse keeps its actions in `_actions`, and a group's subcommands in the `choices`
    # of a `_SubParsersAction`: tests/platform/test_cli.py pins both.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.required = False
            parser.set_defaults(run=_printing_help(parser))
            for sub in action.choices.values():
                _help_when_bare(sub)


def _printing_help(parser: argparse.ArgumentParser) -> Any:
    def run(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 0

    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except PortTaken as exc:
        print(f"career-mobility: {exc}", file=sys.stderr)
        return 1
    except (ApiError, ValueError, OSError) as exc:
        message = exc.detail if isinstance(exc, ApiError) else str(exc)
        print(f"career-mobility: {message}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        # The driver's first line only: SQLAlchemy's own text quotes the statement and its
        # parameters, which may hold personal data.
        cause = (str(getattr(exc, "orig", None) or type(exc).__name__).splitlines() or [""])[0]
        print(f"career-mobility: database error: {type(exc).__name__}: {cause}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

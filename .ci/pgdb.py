"""Create or drop a throwaway PostgreSQL database for a test run.

usage: python .ci/pgdb.py create|drop NAME   (server from PG_ADMIN_URL, default local trust)

`create` fails loudly when the server cannot be reached: CI must not skip PostgreSQL.
"""

import os
import sys

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def main() -> int:
    action, name = sys.argv[1], sys.argv[2]
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"bad database name {name!r}")
    engine = create_engine(
        ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    with engine.connect() as conn:
        if action == "create":
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        elif action == "drop":
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            # The suite's per-test databases and template are named after the run's database.
            rows = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": f"{name}\\_%"},
            ).all()
            for (other,) in rows:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)'))
        else:
            raise SystemExit(f"unknown action {action!r}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Each service's command line: serve, migrate, makemigrations."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from .config import ServiceSettings
from .migrations import alembic_config, upgrade


def run_cli(
    *,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: str,
    migrations_dir: Path,
    argv: list[str] | None = None,
) -> None:
    """Parse `argv` and serve the app, migrate its database, or autogenerate a migration."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API and the event consumer")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="bring the database to the latest migration")
    make = sub.add_parser("makemigrations", help="autogenerate a migration from the tables")
    make.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    settings = settings_factory()
    if args.command == "migrate":
        upgrade(script_location=migrations_dir, database_url=settings.database_url)
    elif args.command == "makemigrations":
        from alembic import command

        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/autogen.db"
            upgrade(script_location=migrations_dir, database_url=url)
            cfg = alembic_config(script_location=migrations_dir, database_url=url)
            command.revision(cfg, message=args.message, autogenerate=True)
    else:
        import uvicorn

        uvicorn.run(
            app_factory,
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers,
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )

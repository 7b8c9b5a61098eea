"""Each service's command line: serve, migrate, makemigrations."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from .config import ServiceSettings
from .migrations import alembic_config, upgrade

S = TypeVar("S")


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
    settings = load_settings(settings_factory)
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


def load_settings(settings_factory: Callable[[], S]) -> S:
    """Build the settings, or exit 2 naming each bad setting without echoing its value.

    pydantic's own message repeats the input, which may be a secret (a PIN, a password).
    """
    try:
        return settings_factory()
    except ValidationError as exc:
        lines = [f"invalid settings ({exc.title}):"]
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in error["loc"]) or "(settings)"
            lines.append(f"  {where}: {error['msg']}")
        print("\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None

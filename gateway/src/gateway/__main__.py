"""`python -m gateway serve|migrate|seed-demo|keygen|makemigrations -m MSG`."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from servicekit.cli import load_settings
from servicekit.db import create_engine, make_sessionmaker
from servicekit.migrations import alembic_config, upgrade
from servicekit.uow import UnitOfWork

from .adapters.keys import generate_key_pair
from .bootstrap import MIGRATIONS
from .config import Settings, get_settings
from .service_layer.users import seed_demo


async def _seed(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    try:
        async with UnitOfWork(make_sessionmaker(engine), source="lexseal/gateway") as uow:
            return await seed_demo(uow)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run the gateway's command line."""
    parser = argparse.ArgumentParser(prog="gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gateway")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="bring the database to the latest migration")
    sub.add_parser("seed-demo", help="create the demo users (development only, idempotent)")
    make = sub.add_parser("makemigrations", help="autogenerate a migration from the tables")
    make.add_argument("-m", "--message", required=True)
    keygen = sub.add_parser(
        "keygen", help="create the JWT key pair once (deployments: an init container/job)"
    )
    keygen.add_argument("--out", type=Path, required=True, help="directory of the private key")
    keygen.add_argument("--public-out", type=Path, help="directory of the public key")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        # needs no settings: it runs before anything else exists
        print(generate_key_pair(args.out, public_dir=args.public_out))
        return
    settings = load_settings(get_settings)
    if args.command == "migrate":
        upgrade(script_location=MIGRATIONS, database_url=settings.database_url)
    elif args.command == "seed-demo":
        if settings.environment == "production":
            raise SystemExit("seed-demo refuses to run in production")
        upgrade(script_location=MIGRATIONS, database_url=settings.database_url)
        created = asyncio.run(_seed(settings))
        print(f"demo users created: {', '.join(created) or 'none (already present)'}")
    elif args.command == "makemigrations":
        from alembic import command

        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/autogen.db"
            upgrade(script_location=MIGRATIONS, database_url=url)
            cfg = alembic_config(script_location=MIGRATIONS, database_url=url)
            command.revision(cfg, message=args.message, autogenerate=True)
    else:
        import uvicorn

        uvicorn.run(
            "gateway.bootstrap:create_asgi",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers,
            loop="uvloop",
            http="httptools",
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )


if __name__ == "__main__":
    main()

"""`python -m signing serve|migrate|makemigrations` and the operator commands (see main)."""

from __future__ import annotations

import argparse
import sys

from servicekit.cli import run_cli

from .bootstrap import MIGRATIONS
from .config import get_settings
from .entrypoints.ca_cli import REVOKE, ROLLOVER, add_ca_parsers, run_ca_command
from .entrypoints.cli import ENROL, add_enrol_parser, run_enrol

# servicekit's commands, parsed by servicekit's run_cli: listed here so that the help names
# them beside this service's own command.
_KIT_COMMANDS = {
    "serve": "run the HTTP API and the event consumer",
    "migrate": "bring the database to the latest migration",
    "makemigrations": "autogenerate a migration from the tables",
}


def main(argv: list[str] | None = None) -> None:
    """Run the signing service's command line."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="The lexseal signing service.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in _KIT_COMMANDS.items():
        sub.add_parser(name, help=text, add_help=False)
    add_enrol_parser(sub)
    add_ca_parsers(sub)
    command, _ = parser.parse_known_args(argv)
    if command.command == ENROL:
        raise SystemExit(run_enrol(parser.parse_args(argv), get_settings))
    if command.command in (REVOKE, ROLLOVER):
        raise SystemExit(run_ca_command(parser.parse_args(argv), get_settings))
    run_cli(
        settings_factory=get_settings,
        app_factory="signing.bootstrap:create_app",
        migrations_dir=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    main()

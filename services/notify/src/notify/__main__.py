"""`python -m notify serve|migrate|makemigrations`."""

from __future__ import annotations

from servicekit.cli import run_cli

from .bootstrap import MIGRATIONS
from .config import get_settings


def main() -> None:
    """Run the notify service's command line."""
    run_cli(
        settings_factory=get_settings,
        app_factory="notify.bootstrap:create_app",
        migrations_dir=MIGRATIONS,
    )


if __name__ == "__main__":
    main()

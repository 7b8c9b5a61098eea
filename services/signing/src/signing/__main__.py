"""`python -m signing serve|migrate|makemigrations`."""

from __future__ import annotations

from servicekit.cli import run_cli

from .bootstrap import MIGRATIONS
from .config import get_settings


def main() -> None:
    """Run the signing service's command line."""
    run_cli(
        settings_factory=get_settings,
        app_factory="signing.bootstrap:create_app",
        migrations_dir=MIGRATIONS,
    )


if __name__ == "__main__":
    main()

"""`make run`: start the whole lexseal system with demo users and say where to open it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from system import System, run_until_signal

DEMO_USERS = "lawyer1, lawyer2 (lawyer) · risk1 (risk control) · clerk1 (letters) · admin"


def main() -> int:
    """Run every process until Ctrl-C, then stop them all."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("LEXSEAL_DATA_DIR", "var"))
    parser.add_argument(
        "--amqp-url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    )
    args = parser.parse_args()
    system = System(data_dir=Path(args.data_dir), amqp_url=args.amqp_url)
    return run_until_signal(
        system,
        "lexseal",
        starting="migrating databases, starting the gateway and the five services …",
        banner=lambda: (
            f"\nlexseal is running — open {system.gateway_url}\n"
            f"  demo users: {DEMO_USERS}; password: demo-password\n"
            f"  API docs: {system.gateway_url}/docs · health: {system.gateway_url}/healthz\n"
            f"  logs: {system.data_dir / 'log'}/<service>.log · Ctrl-C stops everything\n"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())

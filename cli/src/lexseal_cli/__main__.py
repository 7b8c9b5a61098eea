"""`lexseal demo --gateway URL --out DIR`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .client import ApiError


def main(argv: list[str] | None = None) -> int:
    """Run the lexseal command line."""
    parser = argparse.ArgumentParser(prog="lexseal")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run one complete lifecycle through the gateway")
    demo.add_argument("--gateway", default="http://127.0.0.1:8000")
    demo.add_argument("--out", type=Path, default=Path("out/demo"))
    args = parser.parse_args(argv)
    from .demo import run_demo

    try:
        run_demo(gateway=args.gateway, out=args.out)
    except (ApiError, TimeoutError, RuntimeError) as exc:
        print(f"lexseal demo failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

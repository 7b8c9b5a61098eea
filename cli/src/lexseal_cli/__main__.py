"""`lexseal demo --gateway URL --out DIR [--until invited|verified]`, `lexseal evidence verify`,
`lexseal dlq list|show|replay`, `lexseal partner bus-user NAME`."""

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
    demo.add_argument(
        "--until",
        choices=("invited", "verified"),
        help="stop once the signer is invited (or also verified, in the sandbox) and write the"
        " signer's invitation_url to summary.json, to walk the signer's part by hand",
    )
    evidence = sub.add_parser("evidence", help="evidence packages (出证)")
    evidence_sub = evidence.add_subparsers(dest="action", required=True)
    verify = evidence_sub.add_parser(
        "verify",
        help="check an evidence.zip on its own (no running system needed)",
        description="Check the manifest hashes, the audit trail's platform signature and the "
        "signed PDF's signatures against the CA root in the package (or --root), and "
        "evidence.json against the PDF. Exit status: 0 verified, 1 not verified, 2 unreadable.",
    )
    verify.add_argument("package", type=Path)
    from .dlq import add_parser as add_dlq

    add_dlq(sub)
    from .bus_users import add_parser as add_partner

    add_partner(sub)
    verify.add_argument(
        "--root",
        type=Path,
        help="the platform's root certificate obtained independently (PEM, e.g. from "
        "/api/verify/ca.pem); by default the package's own root.pem, whose fingerprint is printed",
    )
    args = parser.parse_args(argv)
    if args.command == "partner":
        from .bus_users import run_partner

        return run_partner(args, out=sys.stdout, err=sys.stderr)
    if args.command == "dlq":
        from .dlq import run_dlq

        return run_dlq(args, out=sys.stdout, err=sys.stderr)
    if args.command == "evidence":
        from .evidence import run_verify

        return run_verify(args.package, root=args.root, out=sys.stdout, err=sys.stderr)
    from .demo import run_demo

    try:
        run_demo(gateway=args.gateway, out=args.out, until=args.until)
    except (ApiError, TimeoutError, RuntimeError) as exc:
        print(f"lexseal demo failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

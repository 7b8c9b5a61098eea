"""The gateway as it was before token revocation: the benchmark's baseline, never deployed.

Runs `python -m gateway serve ...` with the per-request token-version check replaced by a
no-op, so `bench_proxy.py` can measure what the check costs on the same machine, same run.
"""

from __future__ import annotations

import sys

from gateway.domain.verify import Verified
from gateway.entrypoints import deps, proxy


async def _not_checked(versions: object, verified: Verified) -> None:
    return None


proxy.check_not_revoked = _not_checked  # type: ignore[assignment]
deps.check_not_revoked = _not_checked  # type: ignore[assignment]

if __name__ == "__main__":
    from gateway.__main__ import main

    main(sys.argv[1:])

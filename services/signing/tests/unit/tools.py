"""The signing tests' own helper (openssl on the CA's CRLs) and the CA's revocation server.

The revocation server is lexseal_ca.testing's, re-exported for the tests here; documents and the
validators (poppler, zbar, NSS, pyHanko CLI) come from pades.testing.
"""

from __future__ import annotations

from pathlib import Path

from lexseal_ca.testing import RevocationServer, revocation_server
from pades.testing import run
from servicekit.testing import need_tools

__all__ = ["RevocationServer", "assert_openssl_verifies_crl", "revocation_server"]


def assert_openssl_verifies_crl(crl_der: bytes, ca_pem: Path, workdir: Path) -> None:
    """Check with openssl that a DER CRL is signed by the CA certificate in ``ca_pem``."""
    need_tools("openssl")
    crl = workdir / f"{ca_pem.stem}.crl"
    crl.write_bytes(crl_der)
    args = ("openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", ca_pem, "-noout")
    verified = run(*args)
    assert verified.returncode == 0 and "verify OK" in verified.stderr, verified.stderr

"""Helpers that drive the external validators (poppler, qpdf, zbar, pyHanko CLI).

The CA's revocation server is lexseal_ca.testing's, re-exported for the tests here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lexseal_ca.testing import RevocationServer, revocation_server
from PIL import Image, ImageChops, ImageOps
from servicekit.testing import missing_tool

__all__ = [
    "PYHANKO_CLI",
    "RevocationServer",
    "assert_openssl_verifies_crl",
    "colour_box",
    "decode_qr_codes",
    "ink_box",
    "need",
    "nss_db_trusting",
    "revocation_server",
    "run",
]

PYHANKO_CLI = Path(sys.executable).with_name("pyhanko")  # the CLI of the venv running the tests


def need(*tools: str) -> None:
    """Skip the calling test when a command-line tool is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        missing_tool(f"missing tools: {', '.join(missing)}")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command and capture its text output."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, check=False
    )


def assert_openssl_verifies_crl(crl_der: bytes, ca_pem: Path, workdir: Path) -> None:
    """Check with openssl that a DER CRL is signed by the CA certificate in ``ca_pem``."""
    need("openssl")
    crl = workdir / f"{ca_pem.stem}.crl"
    crl.write_bytes(crl_der)
    args = ("openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", ca_pem, "-noout")
    verified = run(*args)
    assert verified.returncode == 0 and "verify OK" in verified.stderr, verified.stderr


def decode_qr_codes(pdf: Path, out_dir: Path) -> list[str]:
    """Render each page at 150 dpi and return what zbar decodes, page by page."""
    run("pdftoppm", "-r", "150", "-png", pdf, out_dir / "page")
    results = []
    for png in sorted(out_dir.glob("page*.png")):
        results.append(run("zbarimg", "--raw", "-q", png).stdout.strip())
    return results


def nss_db_trusting(root_pem: Path, directory: Path) -> Path:
    """Create an NSS database that trusts ``root_pem`` for signatures (pdfsig)."""
    directory.mkdir(parents=True, exist_ok=True)
    run("certutil", "-N", "-d", f"sql:{directory}", "--empty-password")
    result = run(
        "certutil",
        "-A",
        "-d",
        f"sql:{directory}",
        "-n",
        "lexseal-root",
        "-t",
        ",C,",
        "-i",
        root_pem,
    )
    assert result.returncode == 0, result.stderr
    return directory


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Return the bounding box (pixels) of everything dark on a rendered page."""
    return ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 64 else 0).getbbox()


def colour_box(image: Image.Image, colour: str) -> tuple[int, int, int, int] | None:
    """Return the bounding box (pixels) of the pure "red" or "blue" on a rendered page."""
    r, g, b = image.convert("RGB").split()
    high = {"red": r, "blue": b}[colour].point(lambda v: 255 if v > 200 else 0)
    others = {"red": (g, b), "blue": (r, g)}[colour]
    low = [band.point(lambda v: 255 if v < 80 else 0) for band in others]
    return ImageChops.multiply(high, ImageChops.multiply(*low)).getbbox()

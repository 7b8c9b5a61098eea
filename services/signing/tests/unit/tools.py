"""Helpers that drive the external validators (poppler, qpdf, zbar, pyHanko CLI)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lexseal_ca.pki import CRL_PATH, OCSP_PATH, ROOT_CRL_PATH, crl_path
from PIL import Image, ImageChops, ImageOps
from servicekit.testing import missing_tool

if TYPE_CHECKING:
    from lexseal_ca.pki import CertificateAuthority

PYHANKO_CLI = Path(sys.executable).with_name("pyhanko")  # the CLI of the venv running the tests


class RevocationServer(ThreadingHTTPServer):
    """Serves a CA's CRLs and OCSP on 127.0.0.1 as the gateway would; set ``ca`` to answer."""

    ca: CertificateAuthority | None = None
    # Requests served, so a test can show a validator worked offline.
    hits = 0

    @property
    def base_url(self) -> str:
        """Return the base URL to open the CA with (its certificates name it)."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class RevocationHandler(BaseHTTPRequestHandler):
    """Answer the CRL distribution points (later issuing CAs' too) and OCSP (GET, POST)."""

    server: RevocationServer

    def do_GET(self) -> None:
        ca = self.server.ca
        self.server.hits += 1
        for g in ca.generations if ca is not None else ():
            if g.generation > 1 and self.path == crl_path(g.generation):
                self._answer(ca.crl_der(g.generation), "application/pkix-crl")
                return
        if ca is not None and self.path.startswith(OCSP_PATH + "/"):
            request = base64.b64decode(unquote(self.path[len(OCSP_PATH) + 1 :]))
            self._answer(ca.ocsp_answer(request), "application/ocsp-response")
            return
        if ca is None or self.path not in (CRL_PATH, ROOT_CRL_PATH):
            self.send_error(404)
            return
        body = ca.crl_der() if self.path == CRL_PATH else ca.root_crl_der()
        self._answer(body, "application/pkix-crl")

    def do_POST(self) -> None:
        ca = self.server.ca
        self.server.hits += 1
        if ca is None or self.path != OCSP_PATH:
            self.send_error(404)
            return
        request = self.rfile.read(int(self.headers.get("content-length", 0)))
        self._answer(ca.ocsp_answer(request), "application/ocsp-response")

    def _answer(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def revocation_server() -> Iterator[RevocationServer]:
    """Run a RevocationServer on a free port for the block's duration."""
    server = RevocationServer(("127.0.0.1", 0), RevocationHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


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

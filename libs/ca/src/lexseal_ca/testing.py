"""For tests: serve a CA's CRLs and OCSP on 127.0.0.1 as the gateway would."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from .pki import CRL_PATH, OCSP_PATH, ROOT_CRL_PATH, CertificateAuthority, crl_path


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
        if ca is None:
            self.send_error(404)
            return
        for g in ca.generations:
            if g.generation > 1 and self.path == crl_path(g.generation):
                self._answer(ca.crl_der(g.generation), "application/pkix-crl")
                return
        if self.path.startswith(OCSP_PATH + "/"):
            request = base64.b64decode(unquote(self.path[len(OCSP_PATH) + 1 :]))
            self._answer(ca.ocsp_answer(request), "application/ocsp-response")
            return
        if self.path not in (CRL_PATH, ROOT_CRL_PATH):
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

"""`lexseal demo` as a partner system: an API key, a webhook receiver, the signed PDF by API.

The receiver is a local HTTP listener on 127.0.0.1: notify reaches it only where
NOTIFY_WEBHOOK_ALLOW_LOOPBACK_TARGETS is set (development; production refuses it). Every
delivery is checked with the official Standard Webhooks library before it is believed, and
with lexseal_client's helper, which must agree (so the client's helper cannot rot); the
partner's calls go through lexseal_client with its API key.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lexseal_client import Client, Scope, WebhookEvent, verify_webhook
from lexseal_client import WebhookVerificationError as ClientVerificationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .client import wait_for

SCOPES: list[Scope] = ["documents:read", "webhooks:manage"]
EVENT_TYPES = ["signing.*"]


class Receiver:
    """A partner's webhook endpoint: keeps the deliveries whose signature verifies."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.events: list[dict[str, Any]] = []
        self.rejected = 0
        self.disagreements = 0  # deliveries standardwebhooks verified and lexseal_client did not
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                ok = receiver.accept(body, {k.lower(): v for k, v in self.headers.items()})
                self.send_response(204 if ok else 401)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Return the URL the partner registers."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/lexseal-webhook"

    def accept(self, body: bytes, headers: dict[str, str]) -> bool:
        """Verify one delivery with standardwebhooks; keep its event if it is genuine."""
        if self.secret is None:
            return False
        try:
            event = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self._lock:
                self.rejected += 1
            return False
        try:
            parsed: WebhookEvent | None = verify_webhook(body, headers, self.secret)
        except ClientVerificationError:
            parsed = None
        with self._lock:
            if parsed is None or parsed.id != headers.get("webhook-id"):
                # the official library believed it and lexseal_client did not: the helper rotted
                self.disagreements += 1
            if all(e.get("id") != event.get("id") for e in self.events):
                self.events.append(event)
        return True

    def first(self, event_type: str) -> dict[str, Any] | None:
        """Return the first received event of `event_type`, if any."""
        with self._lock:
            return next((e for e in self.events if e.get("type") == event_type), None)

    def types(self) -> list[str]:
        """Return the event types received, in order, each once."""
        with self._lock:
            return list(dict.fromkeys(str(e.get("type")) for e in self.events))

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Partner:
    """The partner system: its API key (from the admin), its receiver and its subscription."""

    def __init__(self, *, base_url: str, admin: Client, receiver: Receiver) -> None:
        created = admin.create_api_key("lexseal demo partner", SCOPES)
        self.key_id = created.id
        self.http = Client(base_url, api_key=created.key)
        self.receiver = receiver
        sub = self.http.create_webhook(
            receiver.url, EVENT_TYPES, description="lexseal demo partner"
        )
        self.subscription_id = sub.id
        receiver.secret = sub.secret

    def signed_pdf(self, envelope_id: str) -> tuple[bytes, str]:
        """Wait for `signing.completed` of the envelope; download the PDF its payload names."""

        def completed() -> dict[str, Any] | None:
            event = self.receiver.first("signing.completed")
            if event is not None and event["data"]["envelope_id"] == envelope_id:
                return event
            return None

        event = wait_for("the partner's signing.completed webhook", completed, timeout=90)
        if self.receiver.disagreements:
            raise RuntimeError("lexseal_client's verify_webhook refused a genuine delivery")
        url = str(event["data"]["document"]["url"])
        if "/internal/" in url:
            raise RuntimeError(f"the partner was sent an internal URL: {url}")
        data = self.http.download(url)
        if hashlib.sha256(data).hexdigest() != event["data"]["document"]["sha256"]:
            raise RuntimeError("the downloaded PDF does not have the hash the event names")
        return data, url

    def close(self) -> None:
        """Close the partner's client."""
        self.http.close()


def summary(receiver: Receiver, pdf: bytes) -> dict[str, Any]:
    """Return the `partner` entry of summary.json."""
    return {"events": receiver.types(), "signed_pdf_sha256": hashlib.sha256(pdf).hexdigest()}

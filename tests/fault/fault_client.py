"""The load's HTTP client: retries as a real web client does, and a ledger of what succeeded.

A request is retried when it surely was not applied (the connection was refused, the gateway
could not connect upstream, 429) and, when the outcome is unknown (connection lost mid-request,
503 from a service that died meanwhile), only if repeating it is safe: GET and PUT, state
changes (a 409 is then checked against the state the first attempt wanted), and creating POSTs
when the server honours an `Idempotency-Key`. An unknown outcome that cannot be retried safely
is counted as `uncertain` and its flow ends there, as a user would stop and look.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "demo-password"
RETRY_AFTER_CAP = 2.0


@dataclass
class Ledger:
    """Every write that got a 2xx, what could not be known, and what failed outright."""

    ok: list[tuple[str, str]] = field(default_factory=list)  # (kind, object key)
    uncertain: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def succeeded(self, kind: str, key: str) -> None:
        with self.lock:
            self.ok.append((kind, key))

    def unknown(self, what: str) -> None:
        with self.lock:
            self.uncertain.append(what)

    def failed(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)

    def retried(self) -> None:
        with self.lock:
            self.retries += 1


class Gone(Exception):
    """The request did not succeed and will not be retried (see the ledger)."""


class Api:
    """One user's session with the gateway."""

    def __init__(
        self,
        base_url: str,
        user: str,
        *,
        ledger: Ledger,
        stop: threading.Event,
        idempotency: Callable[[], bool],
        deadline_s: float = 120,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.user = user
        self.ledger = ledger
        self.stop = stop  # set when the suite is ending: give up instead of retrying
        self.idempotency = idempotency
        self.deadline_s = deadline_s
        self.token = ""
        self.login()

    def login(self) -> None:
        body = self._send(
            "POST",
            "/api/auth/login",
            json={"username": self.user, "password": PASSWORD},
            safe=True,
            auth=False,
        ).json()
        self.token = str(body["access_token"])

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **kw: Any) -> Any:
        """GET a JSON document, retrying until it answers."""
        return self._send("GET", path, safe=True, **kw).json()

    def create(self, kind: str, key: str, path: str, **kw: Any) -> Any:
        """POST that creates something; recorded under (kind, key) when it succeeds."""
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        resp = self._send("POST", path, headers=headers, creates=True, what=f"{kind} {key}", **kw)
        self.ledger.succeeded(kind, key)
        return resp.json()

    def put(self, kind: str, key: str, path: str, **kw: Any) -> Any:
        """PUT (repeatable by nature); recorded under (kind, key) when it succeeds."""
        resp = self._send("PUT", path, safe=True, what=f"{kind} {key}", **kw)
        self.ledger.succeeded(kind, key)
        return resp.json()

    def transition(
        self, kind: str, key: str, path: str, *, reached: Callable[[], bool], **kw: Any
    ) -> Any:
        """POST a state change; a 409 after a lost answer counts when `reached()` holds."""
        resp = self._send("POST", path, reached=reached, what=f"{kind} {key}", **kw)
        self.ledger.succeeded(kind, key)
        return resp.json() if resp.content else None

    # ---- the retry loop ----

    def _send(
        self,
        method: str,
        path: str,
        *,
        safe: bool = False,
        creates: bool = False,
        auth: bool = True,
        reached: Callable[[], bool] | None = None,
        what: str = "",
        **kw: Any,
    ) -> httpx.Response:
        what = what or f"{method} {path}"
        headers = dict(kw.pop("headers", {}) or {})
        deadline = time.monotonic() + self.deadline_s
        retried = False  # a state change found done on a retry was done by an earlier try
        delay = 0.2
        while True:
            if auth:
                headers["Authorization"] = f"Bearer {self.token}"
            outcome_unknown = False
            try:
                resp = self.http.request(method, path, headers=headers, **kw)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                resp = None  # never reached the gateway
            except httpx.TransportError:
                resp, outcome_unknown = None, True
            if resp is not None:
                if resp.status_code < 300:
                    return resp
                if resp.status_code == 409 and retried and reached is not None and reached():
                    return resp  # the lost first attempt did it
                if resp.status_code == 401 and auth and path != "/api/auth/login":
                    self.login()  # a gateway restart keeps its key; a token may still expire
                    continue
                if resp.status_code not in (429, 502, 503, 504):
                    self.ledger.failed(f"{what}: {resp.status_code} {resp.text[:300]}")
                    raise Gone(what)
                outcome_unknown = resp.status_code != 429 and "cannot connect" not in resp.text
            if outcome_unknown and creates and not self.idempotency():
                self.ledger.unknown(f"{what}: outcome unknown, not retried (no idempotency)")
                raise Gone(what)
            if self.stop.is_set() or time.monotonic() > deadline:
                self.ledger.failed(f"{what}: still failing after {self.deadline_s:.0f}s")
                raise Gone(what)
            self.ledger.retried()
            retried = True
            wait = delay
            if resp is not None and resp.headers.get("retry-after", "").isdigit():
                wait = min(float(resp.headers["retry-after"]), RETRY_AFTER_CAP)
            time.sleep(wait)
            delay = min(delay * 2, 2.0)

"""What the client raises: the gateway's error body, read once."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(RuntimeError):
    """The gateway answered with an error status; carries lexseal's error body.

    `code` is the stable machine code (`insufficient_scope`, `webhook_not_found`, ...),
    `details` its structured details, `request_id` the id to quote to the operators.
    """

    def __init__(self, method: str, url: str, response: httpx.Response) -> None:
        self.method = method
        self.url = url
        self.status = response.status_code
        self.body = response.text
        self.request_id = response.headers.get("x-request-id")
        error = _error(response)
        self.code: str | None = _str(error.get("code"))
        self.message: str | None = _str(error.get("message"))
        details = error.get("details")
        self.details: dict[str, Any] = details if isinstance(details, dict) else {}
        super().__init__(f"{method} {url} → {self.status}: {self.body[:800]}")


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def error_code(response: httpx.Response) -> str | None:
    """Return the lexseal error code of an answer, if it carries one."""
    return _str(_error(response).get("code"))

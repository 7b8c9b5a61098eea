"""One delivery as the queue consumer holds it, and what decides its fate."""

from __future__ import annotations

from dataclasses import dataclass

from aiormq import spec
from aiormq.abc import AbstractChannel as AmqpChannel
from aiormq.abc import DeliveredMessage
from lexseal_events import CloudEvent
from sqlalchemy.exc import DBAPIError

from .consumer import NotReady
from .errors import TRANSIENT_SQLSTATE_CLASSES, Unavailable

ATTEMPT_HEADER = "x-lexseal-attempt"


@dataclass(slots=True)
class Delivery:
    """A delivery with the generation of the channel it came on."""

    generation: int
    channel: AmqpChannel
    message: DeliveredMessage
    event: CloudEvent

    @property
    def attempt(self) -> int:
        """Return which attempt this delivery is (1 unless it came back from a delay queue)."""
        headers = self.message.header.properties.headers or {}
        try:
            return max(1, int(headers.get(ATTEMPT_HEADER, 1)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 1


def not_ready(exc: BaseException) -> bool:
    """Tell whether a failure is a dependency that is not ready (it passes by itself)."""
    if isinstance(exc, NotReady | Unavailable):
        return True
    if isinstance(exc, DBAPIError):  # the database restarting, out of connections, ...
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        return bool(exc.connection_invalidated) or sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES
    return False


def describe(exc: BaseException | None) -> str:
    """Return an exception as one short line: its type and message."""
    if exc is None:
        return "closed"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def retry_properties(props: spec.Basic.Properties, *, attempt: int) -> spec.Basic.Properties:
    """Return the properties of a retry copy: the original's, with its attempt number."""
    headers = dict(props.headers or {})
    headers[ATTEMPT_HEADER] = attempt
    # the last trip through a delay queue is no news: keep the header from growing
    for key in ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason"):
        headers.pop(key, None)
    return spec.Basic.Properties(
        content_type=props.content_type,
        delivery_mode=2,  # persistent
        message_id=props.message_id,
        correlation_id=props.correlation_id,
        message_type=props.message_type,
        timestamp=props.timestamp,
        headers=headers,
    )

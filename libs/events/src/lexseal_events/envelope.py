"""The CloudEvents 1.0 envelope every lexseal event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION = "1.0"


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


class Payload(BaseModel):
    """Base of every event's `data`: unknown fields are kept so additive changes never break."""

    model_config = ConfigDict(extra="allow", frozen=True)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 JSON envelope; subclasses pin `type` and `data`."""

    model_config = ConfigDict(frozen=True)

    VERSION: ClassVar[int] = 1

    specversion: str = SPEC_VERSION
    id: str = Field(default_factory=_new_id)
    type: str
    source: str
    subject: str
    time: datetime = Field(default_factory=_now)
    datacontenttype: str = "application/json"
    dataschema: str = ""
    correlationid: str = ""
    data: Any

    def model_post_init(self, context: Any, /) -> None:
        if not self.dataschema:
            object.__setattr__(
                self, "dataschema", f"urn:lexseal:events:{self.type}:v{self.VERSION}"
            )

    @property
    def routing_key(self) -> str:
        """Return the routing key this event is published under (its type)."""
        return self.type

    def to_json(self) -> bytes:
        """Serialise the whole envelope as JSON bytes."""
        return self.model_dump_json().encode()

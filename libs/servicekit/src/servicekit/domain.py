"""What a service's domain may take from the kit: errors, actors, roles, and a recorder of
changes.

No web framework and no database here: a domain module imports this and stays pure.

- `DomainError` is the one error base of every service. A rule that refuses raises one (or one
  of its kinds: `NotFound`, `Forbidden`, `Conflict`, `Invalid`, ...) with a stable code, an HTTP
  status and a message in Chinese and English; the kit renders it in the caller's language.
- `Recorder` is mixed into an aggregate (a table row or a small domain object): while it
  changes it records the events it causes and the audit facts it leaves. The unit of work
  collects them from every aggregate it holds and writes them, with the outbox, at commit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from lexseal_events import CloudEvent

from .context import current_correlation_id


class DomainError(Exception):
    """A refusal the user sees: HTTP status, stable code, message in zh and en, details.

    Declare a kind once and raise it bare, or raise a kind with this case's words::

        class RoundWithdrawn(Conflict):
            code = "round_withdrawn"
            message_en = "The application was withdrawn"
            message_zh = "申请已撤回，无法审核"

        raise RoundWithdrawn()
        raise Conflict("This round is not claimed", "该申请尚未被领取", code="round_not_claimed")
    """

    status_code = 400
    code = "bad_request"
    message_zh = "请求有误"
    message_en = "Bad request"
    retry_after: int | None = None  # seconds; sent as Retry-After (RFC 9110) when set

    def __init__(
        self,
        message_en: str | None = None,
        message_zh: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: Any = None,
        retry_after: int | None = None,
    ) -> None:
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        if message_en:
            self.message_en = message_en
        if message_zh:
            self.message_zh = message_zh
        self.details = details
        if retry_after is not None:
            self.retry_after = retry_after
        super().__init__(f"{self.code}: {self.message_en}")

    def message(self, lang: str) -> str:
        """Return the message in the caller's language ('en', else Chinese)."""
        return self.message_en if lang == "en" else self.message_zh


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message_zh = "对象不存在"
    message_en = "Not found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    message_zh = "无权执行此操作"
    message_en = "You are not allowed to do this"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"
    message_zh = "请先登录"
    message_en = "Authentication required"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    message_zh = "当前状态不允许此操作"
    message_en = "This action is not allowed in the current state"


class Invalid(DomainError):
    status_code = 422
    code = "validation_error"
    message_zh = "输入有误"
    message_en = "Invalid input"


class Unavailable(DomainError):
    status_code = 503
    retry_after = 5  # a dependency that is down is usually back within seconds
    code = "unavailable"
    message_zh = "服务暂不可用，请稍后重试"
    message_en = "Service temporarily unavailable, please retry"


@dataclass(frozen=True)
class Actor:
    """Who causes a change, as recorded in the audit log."""

    id: str
    name: str = ""
    ip: str | None = None
    user_agent: str | None = None


SYSTEM = Actor(id="system", name="system")


class Role(StrEnum):
    """A role a user or API key holds; its value is what the gateway stores and tokens carry."""

    LAWYER = "lawyer"
    RISK_CONTROL = "risk_control"
    LETTER_ADMIN = "letter_admin"
    ADMIN = "admin"
    PARTNER = "partner"


@dataclass(frozen=True)
class AuditFact:
    """Who changed which object how, with its state before and after."""

    actor: Actor
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None
    # The request's or the applied event's correlation id when the fact was recorded (a
    # batch collects later, under another event's id); None: the one current at collection.
    correlation_id: str | None = None


Recorded = CloudEvent | AuditFact
# Where a mapped aggregate that recorded something is kept (in its session's `info`) until the
# unit of work collects: a session holds an unchanged loaded row only weakly, so a row a use
# case recorded on and then let go of would be collected by the garbage collector, and what
# it recorded lost with it.
KEPT_RECORDERS = "servicekit.kept_recorders"
# One clock for every recorder: the unit of work writes what it collects in recording order.
_sequence = itertools.count()
_NOT_GIVEN: Any = object()


class Recorder:
    """Mixin for an aggregate: record the events and audit facts of a change.

    The unit of work collects every recorder it holds (for the database unit of work: each
    object of its session) at commit and writes what they recorded; after a rollback what
    they recorded is gone. Storage is made on first use, so a mapped row loaded from the
    database records like one built in code.

    A subclass names its audit object type (`audit_type`) and may say what its audit
    snapshot is (`audit_snapshot()`); its id is `audit_id()` (by default its `id`).
    """

    audit_type: ClassVar[str] = ""

    def audit_id(self) -> str:
        """Return the object id the audit log files this aggregate's facts under."""
        return str(getattr(self, "id"))  # noqa: B009 - every aggregate has one; mixins declare none

    def audit_snapshot(self) -> Any:
        """Return the state the audit log keeps before and after a change (None: nothing)."""
        return None

    def _recorded(self) -> list[tuple[int, Recorded]]:
        found = self.__dict__.get("_recorder_items")
        if found is None:
            found = []
            object.__setattr__(self, "_recorder_items", found)
        items: list[tuple[int, Recorded]] = found
        self._keep_alive()
        return items

    def _keep_alive(self) -> None:
        # SQLAlchemy's instance state names the session a mapped row belongs to; a row not
        # (yet) in a session is held by whoever will add it, and session.new holds it then.
        state = self.__dict__.get("_sa_instance_state")
        session = getattr(state, "session", None) if state is not None else None
        if session is not None:
            session.info.setdefault(KEPT_RECORDERS, {})[id(self)] = self

    def record_event(self, event: CloudEvent) -> None:
        """Record an event this change causes; it is published after the commit."""
        correlation_id = current_correlation_id()
        if not event.correlationid and correlation_id:
            event = event.model_copy(update={"correlationid": correlation_id})
        self._recorded().append((next(_sequence), event))

    def record_audit(
        self, *, actor: Actor, action: str, before: Any = None, after: Any = _NOT_GIVEN
    ) -> None:
        """Record an audit fact about this aggregate; `after` is its snapshot now unless given."""
        fact = AuditFact(
            actor=actor,
            action=action,
            object_type=self.audit_type,
            object_id=self.audit_id(),
            before=before,
            after=self.audit_snapshot() if after is _NOT_GIVEN else after,
            correlation_id=current_correlation_id(),
        )
        self._recorded().append((next(_sequence), fact))

    def pull_recorded(self) -> list[tuple[int, Recorded]]:
        """Return what was recorded since the last pull (with its sequence), and forget it."""
        found = self.__dict__.get("_recorder_items")
        if not found:
            return []
        items: list[tuple[int, Recorded]] = list(found)
        found.clear()
        return items


def sequenced(item: Recorded) -> tuple[int, Recorded]:
    """Return `item` stamped with the recorders' clock (for things recorded on the unit of work)."""
    return next(_sequence), item

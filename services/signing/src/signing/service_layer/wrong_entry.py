"""A wrong code or amount typed by a signer: counted, audited and committed, then refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from servicekit.domain import DomainError
from servicekit.uow import Actor, UnitOfWork

from ..domain.attempts import AttemptLimit, Challenge
from .invitations import SignerSession


async def refuse_wrong_entry(
    uow: UnitOfWork,
    s: SignerSession,
    challenge: Challenge,
    *,
    limit: AttemptLimit,
    actor: Actor,
    action: str,
    voided: Callable[[], DomainError],
    wrong: Callable[[int], DomainError],
) -> NoReturn:
    """Count the wrong entry (the last voids the code), keep it, and refuse with what is left.

    The count is committed before the refusal: a wrong entry is never undone by the error.
    """
    left = limit.wrong(challenge)
    s.envelope.record_audit(
        actor=actor, action=action, after={"signer_id": s.signer.signer_id, "attempts_left": left}
    )
    await uow.commit()
    raise voided() if left == 0 else wrong(left)

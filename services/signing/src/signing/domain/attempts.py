"""How many wrong entries a signer gets, in one place: the SMS code and the deposit amount
void at their limit, the identity check locks after too many failures in a window. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from . import errors
from .states import ChallengeStatus


class Challenge(Protocol):
    """What the limit reads and changes of a code the signer types (a row)."""

    attempts: int
    status: ChallengeStatus


@dataclass(frozen=True)
class AttemptLimit:
    """A code that is void after `max_wrong` wrong entries."""

    max_wrong: int

    def left(self, challenge: Challenge) -> int:
        """Return the entries the signer still has (0: the code is void)."""
        return max(self.max_wrong - challenge.attempts, 0)

    def wrong(self, challenge: Challenge) -> int:
        """Count one wrong entry; the last one fails the code. Return the entries left."""
        challenge.attempts += 1
        left = self.left(challenge)
        if left == 0:
            challenge.status = ChallengeStatus.FAILED
        return left


@dataclass(frozen=True)
class WindowLimit:
    """A check that locks after `max_failures` failures within `window`, until they age out."""

    max_failures: int
    window: timedelta

    def ensure_allowed(self, failures: list[datetime], *, now: datetime) -> None:
        """Refuse the check while `max_failures` of `failures` fall within the window."""
        recent = sorted(t for t in failures if t > now - self.window)
        if len(recent) >= self.max_failures:
            wait = recent[-self.max_failures] + self.window - now
            raise errors.TooManyRequests(
                "Too many wrong entries; try again later",
                "信息输错次数过多，请稍后再试",
                code="identity_attempts_exceeded",
                details={"limit": self.max_failures},
                retry_after=max(1, int(wait.total_seconds()) + 1),
            )


INTENT_CODE = AttemptLimit(5)  # the fifth wrong SMS code voids it
DEPOSIT = AttemptLimit(3)  # the third wrong amount voids it
# wrong name/ID (or company) entries per signer before the check locks for a while
ID_CHECK = WindowLimit(5, timedelta(minutes=15))

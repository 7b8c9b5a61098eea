"""Where the gateway keeps attempt counters and users' token versions.

All sit behind a small async interface so a store shared by every gateway replica (Redis)
can replace the in-memory one without touching the use cases. Keys name an account
(`login:<username>`), never anything the client sends in a header.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

from ..domain.ratelimit import Clock, FailureWindow


class AttemptStore(Protocol):
    """Counts failed attempts per key and says how long a key stays locked."""

    async def retry_after(self, key: str) -> int:
        """Return the seconds `key` stays locked, 0 when it may try now."""
        ...

    async def fail(self, key: str) -> None:
        """Record one failed attempt for `key`."""
        ...

    async def reset(self, key: str) -> None:
        """Forget `key`'s failures (after a success)."""
        ...


class MemoryAttemptStore:
    """An AttemptStore for one gateway process: a sliding failure window per key."""

    def __init__(self, *, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        self.window = FailureWindow(limit=limit, window=window, clock=clock)

    async def retry_after(self, key: str) -> int:
        """Return the seconds `key` stays locked, 0 when it may try now."""
        return self.window.retry_after(key) if self.window.blocked(key) else 0

    async def fail(self, key: str) -> None:
        """Record one failed attempt for `key`."""
        self.window.fail(key)

    async def reset(self, key: str) -> None:
        """Forget `key`'s failures."""
        self.window.reset(key)


class Revocations(Protocol):
    """Revoked API keys (by their SHA-256), seen by every replica before its caches expire."""

    async def revoke(self, credential_id: str) -> None:
        """Mark ``credential_id`` revoked for every replica."""
        ...

    async def revoked(self, credential_id: str) -> bool:
        """Tell whether ``credential_id`` was revoked."""
        ...


# Reads a user's current token version from the database: None when the user is gone or
# deactivated, so every token naming them is refused.
VersionLoader = Callable[[str], Awaitable[int | None]]


class TokenVersionStore(Protocol):
    """The current token version of each user; a token carrying an older one is revoked."""

    async def current(self, user_id: str) -> int | None:
        """Return the user's token version (None: no token of theirs is valid)."""
        ...

    async def changed(self, user_id: str, version: int | None) -> None:
        """Record that the user's version changed (role change, deactivation, logout)."""
        ...


class MemoryTokenVersions:
    """Token versions cached for `ttl` seconds per user, loaded from the database on a miss.

    A change made through this gateway applies at once (`changed`); one made elsewhere (another
    replica) applies within `ttl`, which bounds what revocation costs on the hot path: one
    database read per active user per `ttl`.
    """

    def __init__(
        self,
        *,
        load: VersionLoader,
        ttl: float = 2.0,
        max_users: int = 100_000,
        clock: Clock = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._max = max_users
        self._clock = clock
        self._cache: OrderedDict[str, tuple[int | None, float]] = OrderedDict()
        # one database read per user at a time: when a busy user's entry expires, every
        # request in flight for them misses at once, and all of them wait for that read
        self._loading: dict[str, asyncio.Future[int | None]] = {}

    async def current(self, user_id: str) -> int | None:
        """Return the user's token version (None: no token of theirs is valid)."""
        hit = self._cache.get(user_id)
        now = self._clock()
        if hit is not None and hit[1] > now:
            return hit[0]
        task = self._loading.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._load(user_id))
            self._loading[user_id] = task
            task.add_done_callback(lambda done: self._loaded(user_id, done, now))
        # shielded: a caller that goes away does not cancel the read the others wait for
        return await asyncio.shield(task)

    def _loaded(self, user_id: str, task: asyncio.Future[int | None], now: float) -> None:
        if self._loading.get(user_id) is not task:
            return  # changed() meanwhile: the newer version is already remembered
        del self._loading[user_id]
        if not task.cancelled() and task.exception() is None:
            self._remember(user_id, task.result(), now)

    async def changed(self, user_id: str, version: int | None) -> None:
        """Record the user's new version at once (a read on its way is not kept)."""
        self._loading.pop(user_id, None)
        self._remember(user_id, version, self._clock())

    def _remember(self, user_id: str, version: int | None, now: float) -> None:
        self._cache.pop(user_id, None)
        self._cache[user_id] = (version, now + self._ttl)
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)

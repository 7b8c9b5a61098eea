"""Idempotency-Key on creating routes: a retried request takes effect once and gets the same answer.

A client sends `Idempotency-Key: <unique per user action>` with a POST. The first request with
a key claims it (a row in the service's own `idempotency_keys` table, keyed by caller and key)
in the transaction of its effect, and stores its answer in that same transaction: the use
case's `uow.commit()` is held until the route has built the answer (`UnitOfWork.hold_commits`).
So either the effect and the stored answer commit together, or neither does.

- the same key and the same request again: the stored answer, replayed (`Idempotent-Replayed:
  true`), nothing applied again;
- the same key with another body or on another route: 422 `idempotency_key_reused`;
- the same key at the same time: the later requests wait on the claimed row until the first
  commits (then get its answer) or fails (then one of them goes ahead): one effect.

Only a successful answer is stored: a request that fails leaves the key unused (what its use
case committed before failing, e.g. a counted wrong attempt, stays committed). Keys are kept
for at least `RETENTION`; a caller's older ones go when that caller next stores one. Answers may
carry secrets (an invitation link, a webhook's signing secret), so they are stored encrypted
with a key derived from the service's internal secret.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select

from .auth import Principal, optional_user
from .db import dialect_insert, utcnow
from .errors import AppError
from .tables import IDEMPOTENCY
from .uow import UnitOfWork

T = TypeVar("T")
log = logging.getLogger("servicekit.idempotency")

RETENTION = timedelta(hours=24)
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DESCRIPTION = (
    "Makes the request safe to retry: one new value per user action (e.g. a UUID). A retry "
    "with the same key and the same request is applied once and answered with the first "
    "response (header `Idempotent-Replayed: true`); the same key with another request is "
    "refused with 422 `idempotency_key_reused`."
)


class IdempotencyKeyReused(AppError):
    status_code = 422
    code = "idempotency_key_reused"
    message_en = "This Idempotency-Key was already used for a different request"
    message_zh = "该幂等键已用于另一个请求"


class _Replay(Exception):
    """The key was already used for this very request: answer with what it answered."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


def _sealer(secret: str) -> Fernet:
    key = hashlib.sha256(b"lexseal-idempotent-answers:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def fingerprint(*parts: bytes | str) -> str:
    """Return the hash that identifies a request's content."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


@dataclass
class IdempotentRequest:
    """The request's key (if any) and what identifies it; `run` applies it at most once."""

    request: Request
    key: str | None
    principal: str
    route: str
    status_code: int
    _claimed_hash: str | None = field(default=None, init=False)

    async def run(
        self,
        uow: UnitOfWork,
        act: Callable[[], Awaitable[T]],
        *,
        claim_first: bool = True,
    ) -> T | Response:
        """Apply `act` once per key; return its result, or the stored answer of the first try.

        `claim_first=False` is for a route whose body is streamed: `act` calls `identify` (or
        `claim`) once it has read enough to fingerprint the request. Identified only, the key
        is checked when the answer is stored: a retry of a request that already took effect
        runs again, then finds the first answer, drops its own effect and replays that.
        """
        if self.key is None:
            return await act()
        uow.hold_commits()
        try:
            if claim_first:
                await self.claim(uow, self.fingerprint(await self.request.body()))
            result = await act()
            answer = JSONResponse(jsonable_encoder(result), status_code=self.status_code)
            await self._record(uow, answer)
            await uow.commit_held()
        except _Replay as replay:
            await uow.rollback()
            return replay.response
        except Exception:
            if uow.commit_wanted:
                await self._keep_failed_effect(uow)
            raise
        return answer

    async def _keep_failed_effect(self, uow: UnitOfWork) -> None:
        # The use case committed, then failed (e.g. it counted a wrong code, then refused
        # it): what it committed stays committed, as without a key, and the key stays unused.
        try:
            if self._claimed_hash is not None:
                await uow.session.execute(
                    delete(IDEMPOTENCY).where(
                        IDEMPOTENCY.c.principal == self.principal,
                        IDEMPOTENCY.c.key == self.key,
                        IDEMPOTENCY.c.status_code.is_(None),
                    )
                )
            await uow.commit_held()
        except Exception:  # the transaction itself is broken: nothing of it can be kept
            log.warning("a failed idempotent request's own commit failed", exc_info=True)
            await uow.rollback()

    def fingerprint(self, *content: bytes | str) -> str:
        """Return the hash of this request: its path and query, and `content` (the body)."""
        url = self.request.url
        return fingerprint(url.path, url.query, *content)

    def identify(self, request_hash: str) -> None:
        """Name this request by its content's hash without claiming the key yet."""
        self._claimed_hash = request_hash

    async def claim(self, uow: UnitOfWork, request_hash: str) -> None:
        """Claim the key for this request, or raise to replay / refuse its earlier use."""
        if self.key is None:
            return
        self._claimed_hash = request_hash
        values = self._values(request_hash)
        stmt = dialect_insert(uow.session)(IDEMPOTENCY).values(**values)
        # Waits while another transaction holds a claim on the key, until it ends.
        stmt = stmt.on_conflict_do_nothing(index_elements=["principal", "key"])
        claimed = (await uow.session.execute(stmt.returning(IDEMPOTENCY.c.key))).first()
        if claimed is None:
            await self._answer_earlier_use(uow, request_hash)

    async def _record(self, uow: UnitOfWork, answer: Response) -> None:
        request_hash = self._claimed_hash or self.fingerprint()
        values = self._values(request_hash) | {
            "status_code": answer.status_code,
            "response": self._sealer().encrypt(bytes(answer.body)).decode(),
        }
        insert = dialect_insert(uow.session)(IDEMPOTENCY).values(**values)
        # Our own claim (still without an answer) is completed; a claim the use case rolled
        # back may meanwhile have been taken and committed by a concurrent request: then
        # this one's effect is dropped and that request's answer given instead.
        stmt = insert.on_conflict_do_update(
            index_elements=["principal", "key"],
            set_={"status_code": values["status_code"], "response": values["response"]},
            where=IDEMPOTENCY.c.status_code.is_(None),
        ).returning(IDEMPOTENCY.c.key)
        if (await uow.session.execute(stmt)).first() is None:
            await self._answer_earlier_use(uow, request_hash)
        expired = IDEMPOTENCY.c.created_at < utcnow() - RETENTION
        await uow.session.execute(
            delete(IDEMPOTENCY).where(IDEMPOTENCY.c.principal == self.principal, expired)
        )

    async def _answer_earlier_use(self, uow: UnitOfWork, request_hash: str) -> None:
        stmt = select(
            IDEMPOTENCY.c.route,
            IDEMPOTENCY.c.request_hash,
            IDEMPOTENCY.c.status_code,
            IDEMPOTENCY.c.response,
        ).where(IDEMPOTENCY.c.principal == self.principal, IDEMPOTENCY.c.key == self.key)
        row = (await uow.session.execute(stmt)).first()
        if row is None or row.status_code is None:  # pragma: no cover - claims commit answered
            raise AppError(
                "The first request with this Idempotency-Key has not finished; retry shortly",
                "使用该幂等键的首个请求尚未完成，请稍后重试",
                code="idempotency_key_in_use",
                status_code=409,
                retry_after=1,
            )
        if row.route != self.route or row.request_hash != request_hash:
            raise IdempotencyKeyReused(details={"route": row.route})
        try:
            content = self._sealer().decrypt((row.response or "").encode())
        except InvalidToken as exc:  # the internal secret changed since
            raise AppError(
                "The first answer to this Idempotency-Key can no longer be read; use a new key",
                "无法读取该幂等键的首次应答，请使用新的幂等键",
                code="idempotency_answer_unreadable",
                status_code=409,
            ) from exc
        raise _Replay(
            Response(
                content=content,
                status_code=row.status_code,
                media_type="application/json",
                headers={REPLAYED_HEADER: "true"},
            )
        )

    def _sealer(self) -> Fernet:
        secret: str = self.request.app.state.settings.internal_secret
        return _sealer(secret)

    def _values(self, request_hash: str) -> dict[str, object]:
        return {
            "principal": self.principal,
            "key": self.key,
            "route": self.route,
            "request_hash": request_hash,
            "status_code": None,
            "response": None,
            "created_at": utcnow(),
        }


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description=DESCRIPTION,
    ),
]


def keyed_request(request: Request, key: str | None, principal: str) -> IdempotentRequest:
    """Return the request's key scoped to `principal` (whose keys never meet another's)."""
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    return IdempotentRequest(
        request=request,
        key=key,
        principal=principal,
        route=f"{request.method} {template}",
        status_code=getattr(route, "status_code", None) or 200,
    )


async def idempotent_request(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_user)],
    key: IdempotencyKey = None,
) -> IdempotentRequest:
    """Return the request's Idempotency-Key and what identifies the request."""
    return keyed_request(request, key, principal.id if principal is not None else "anonymous")


Idempotent = Annotated[IdempotentRequest, Depends(idempotent_request)]

"""Fast token checks on the hot path: a pre-parsed key and a cache of tokens already verified."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import NamedTuple

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import TokenExpired, TokenInvalid


class Verified(NamedTuple):
    """What the hot path needs of a good token: whose it is and which token version it has."""

    subject: str
    version: int


def token_version(claims: dict[str, object]) -> int:
    """Return a token's `ver` claim (0 for tokens minted before versions existed)."""
    ver = claims.get("ver", 0)
    return ver if isinstance(ver, int) and not isinstance(ver, bool) else -1


class CachedVerifier:
    """Verify EdDSA tokens like servicekit's TokenVerifier, remembering good ones until expiry."""

    def __init__(
        self, *, public_key: Ed25519PublicKey, issuer: str, audience: str, max_entries: int = 50_000
    ) -> None:
        # a parsed key object: PyJWT would otherwise re-parse a PEM string on every call
        self._key = public_key
        self._issuer = issuer
        self._audience = audience
        self._max = max_entries
        self._good: OrderedDict[str, tuple[float, Verified]] = OrderedDict()

    def check(self, token: str, *, now: float | None = None) -> Verified:
        """Return whose `token` is; raise TokenInvalid or TokenExpired if not valid now."""
        t = time.time() if now is None else now
        hit = self._good.get(token)
        if hit is not None:
            if hit[0] > t:
                return hit[1]
            del self._good[token]
            raise TokenExpired()
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["EdDSA"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired() from exc
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        verified = Verified(str(claims["sub"]), token_version(claims))
        self._good[token] = (float(claims["exp"]), verified)
        if len(self._good) > self._max:
            self._good.popitem(last=False)
        return verified

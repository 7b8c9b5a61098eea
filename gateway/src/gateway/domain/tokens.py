"""Access tokens: EdDSA JWTs with exactly the claims servicekit's TokenVerifier reads."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from servicekit.domain import Role

ISSUER = "lexseal-gateway"
AUDIENCE = "lexseal"


@dataclass(frozen=True)
class IssuedToken:
    """A signed token and how many seconds it lives."""

    access_token: str
    expires_in: int


class TokenIssuer:
    """Sign short-lived tokens with the gateway's Ed25519 private key."""

    def __init__(
        self, *, private_key: Ed25519PrivateKey, issuer: str = ISSUER, audience: str = AUDIENCE
    ) -> None:
        self._key = private_key
        self.issuer = issuer
        self.audience = audience

    def issue(
        self,
        *,
        subject: str,
        username: str,
        display_name: str,
        roles: Iterable[Role],
        ttl: int,
        version: int = 0,
        now: int | None = None,
        scopes: list[str] | None = None,
    ) -> IssuedToken:
        """Return a token naming the principal, valid for `ttl` seconds."""
        iat = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "sub": subject,
            "name": username,
            "display_name": display_name,
            "roles": sorted(r.value for r in roles),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": iat,
            "exp": iat + ttl,
            # the user's token version: raising it (role change, deactivation, logout) revokes
            "ver": version,
        }
        if scopes:
            claims["scopes"] = sorted(scopes)
        return IssuedToken(jwt.encode(claims, self._key, algorithm="EdDSA"), ttl)

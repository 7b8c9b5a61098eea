"""Passwords, tokens, rate limits and routing, without I/O."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway.adapters.keys import public_pem
from gateway.domain.passwords import hash_password, verify_password
from gateway.domain.ratelimit import FailureWindow, TokenBucket
from gateway.domain.routing import is_internal, route_for
from gateway.domain.tokens import TokenIssuer
from gateway.domain.verify import CachedVerifier
from servicekit.auth import TokenVerifier
from servicekit.domain import Role
from servicekit.errors import Unauthorized


def test_password_hash_is_argon2_and_checks_the_password() -> None:
    h = hash_password("correct horse")
    assert h.startswith("$argon2id$") and "correct horse" not in h
    assert verify_password(password_hash=h, password="correct horse")
    assert not verify_password(password_hash=h, password="wrong horse")
    assert not verify_password(password_hash="not-a-hash", password="x")


def test_issued_token_is_accepted_by_the_services_verifier_with_its_claims() -> None:
    key = Ed25519PrivateKey.generate()
    issued = TokenIssuer(private_key=key).issue(
        subject="u-1", username="lawyer1", display_name="张律师", roles=[Role.LAWYER], ttl=900
    )
    assert issued.expires_in == 900
    verifier = TokenVerifier(
        public_key_pem=public_pem(key), issuer="lexseal-gateway", audience="lexseal"
    )
    p = verifier.verify(issued.access_token)
    assert (p.id, p.username, p.display_name, p.roles) == (
        "u-1",
        "lawyer1",
        "张律师",
        frozenset({"lawyer"}),
    )


def test_expired_and_foreign_tokens_are_refused() -> None:
    key = Ed25519PrivateKey.generate()
    old = TokenIssuer(private_key=key).issue(
        subject="u", username="u", display_name="u", roles=[], ttl=60, now=int(time.time()) - 3600
    )
    fast = CachedVerifier(public_key=key.public_key(), issuer="lexseal-gateway", audience="lexseal")
    with pytest.raises(Unauthorized) as exc:
        fast.check(old.access_token)
    assert exc.value.code == "token_expired"
    other = TokenIssuer(private_key=Ed25519PrivateKey.generate()).issue(
        subject="u", username="u", display_name="u", roles=[Role.ADMIN], ttl=60
    )
    with pytest.raises(Unauthorized) as exc:
        fast.check(other.access_token)
    assert exc.value.code == "token_invalid"


def test_a_cached_token_still_expires() -> None:
    key = Ed25519PrivateKey.generate()
    now = int(time.time())
    tok = (
        TokenIssuer(private_key=key)
        .issue(subject="u", username="u", display_name="u", roles=[], ttl=10, now=now)
        .access_token
    )
    fast = CachedVerifier(public_key=key.public_key(), issuer="lexseal-gateway", audience="lexseal")
    fast.check(tok, now=now)
    with pytest.raises(Unauthorized):
        fast.check(tok, now=now + 11)


def test_token_bucket_allows_a_burst_then_refills() -> None:
    t = [0.0]
    bucket = TokenBucket(rate=2, burst=3, clock=lambda: t[0])
    assert [bucket.allow("a") for _ in range(4)] == [True, True, True, False]
    assert bucket.allow("b")  # another client has its own bucket
    t[0] += 0.5
    assert bucket.allow("a") and not bucket.allow("a")


def test_token_bucket_forgets_the_least_recently_seen_client_beyond_max_keys() -> None:
    bucket = TokenBucket(rate=0.001, burst=1, max_keys=2, clock=lambda: 0.0)
    assert bucket.allow("a") and bucket.allow("b")
    assert not bucket.allow("a")  # two clients are both remembered (a is now the newest)
    assert bucket.allow("c")  # a third: the least recently seen one (b) is forgotten
    assert bucket.allow("b")  # ...so b starts afresh, and a (seen before c) goes
    assert bucket.allow("a") and not bucket.allow("b")


def test_token_bucket_remembers_a_hundred_thousand_clients_by_default() -> None:
    bucket = TokenBucket(rate=0.001, burst=1, clock=lambda: 0.0)
    for n in range(100_000):
        bucket.allow(f"k{n}")
    assert not bucket.allow("k0")  # all 100,000 are remembered (k0 is now the newest)
    assert bucket.allow("one-more")  # the 100,001st pushes out the least recently seen, k1
    assert bucket.allow("k1")  # forgotten: a full bucket again
    assert not bucket.allow("k3")  # still remembered


def test_failure_window_blocks_after_the_limit_and_forgets_old_failures() -> None:
    t = [0.0]
    window = FailureWindow(limit=3, window=900, clock=lambda: t[0])
    for _ in range(3):
        assert not window.blocked("u|ip")
        window.fail("u|ip")
    assert window.blocked("u|ip") and window.retry_after("u|ip") > 0
    t[0] += 901
    assert not window.blocked("u|ip")


def test_routes() -> None:
    assert route_for("/api/contract/contracts") == ("contract", False)
    assert route_for("/api/signing/invite/tok/state") == ("signing", True)
    assert route_for("/api/verify") == ("signing", True)
    assert route_for("/api/verify/ca.pem") == ("signing", True)
    # the CA's revocation data, fetched by validators without any account
    assert route_for("/api/verify/crl/issuing-2.crl") == ("signing", True)
    assert route_for("/api/verify/ocsp") == ("signing", True)
    assert route_for("/api/verify/ocsp/MEQwQjBAMD4wPDAJBgUrDgMCGgUABBQ%3D") == ("signing", True)
    assert route_for("/verify/abc") == ("signing", True)
    assert route_for("/sign/t") == ("signing", True)
    assert route_for("/share/t") == ("letters", True)
    assert route_for("/api/auth/login") is None
    assert route_for("/api/contractx/y") is None
    assert route_for("/app.js") is None
    assert is_internal("/internal/documents/1") and not is_internal("/internals")

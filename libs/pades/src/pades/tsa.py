"""RFC 3161 time-stamping: the service's own TSA, or a configured external one."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from asn1crypto import cms, core, keys, tsp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps import (
    DummyTimeStamper,
    HTTPTimeStamper,
    TimeStamper,
    TimestampRequestError,
)
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .credentials import IssuedCredential
from .errors import TimestampUnavailable
from .signer import to_asn1

# pyHanko leaves this helper unannotated; pin its type once here.
_cms_attr = cast(Callable[[str, Any], cms.CMSAttribute], simple_cms_attribute)

# An OID under the UUID arc (X.667, 2.25.<uuid>): ours without registering a PEN.
# uuid5(NAMESPACE_URL, "https://lexseal.org/policies/tsa/1")
LEXSEAL_TSA_POLICY = "2.25.27526891439266760888947471034498811395"


class SerialNumbers:
    """Monotonic, process-unique 128-bit serials: nanosecond clock high, instance id low."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0
        # The random low half keeps serials unique across replicas sharing a clock.
        self._instance = secrets.randbits(63)

    def next(self) -> int:
        """Return the next serial number, strictly greater than the previous one."""
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return (self._last << 64) | self._instance


class LexsealTimeStamper(DummyTimeStamper):
    """The service's in-process TSA: our policy OID, monotonic serials, cached RSA key."""

    def __init__(
        self, credential: IssuedCredential, *, policy_oid: str = LEXSEAL_TSA_POLICY
    ) -> None:
        key = credential.private_key
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the TSA key must be RSA")
        pkcs8 = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        super().__init__(
            tsa_cert=to_asn1(credential.certificate),
            tsa_key=keys.PrivateKeyInfo.load(pkcs8),
            certs_to_embed=None,
        )
        # Embed the chain so validators can build the path to the root from the token.
        self.certs_to_embed = [to_asn1(c) for c in credential.chain]
        self._credential, self._pkcs8, self._policy_oid = credential, pkcs8, policy_oid
        self._key = key
        self._policy = tsp.ObjectIdentifier(policy_oid)
        self._serials = SerialNumbers()
        # pyHanko's dummy token (per digest algorithm: sizes, the TSA's certificates), kept as
        # DER so each copy parses its own instead of signing a new one (~6 ms).
        self._dummies: dict[str, bytes] = {}
        self._dummies_lock = threading.Lock()
        self._origin = self

    def for_one_signature(self) -> LexsealTimeStamper:
        """Return this TSA (same key, same serials) with ASN.1 objects and caches of its own.

        Concurrent signatures must not share asn1crypto objects (see ``signer``), nor the
        certificate caches pyHanko's TimeStamper fills while embedding validation data.
        """
        twin = copy.copy(self)
        TimeStamper.__init__(twin, include_nonce=self.include_nonce)  # type: ignore[no-untyped-call]
        twin.tsa_cert = to_asn1(self._credential.certificate)
        twin.tsa_key = keys.PrivateKeyInfo.load(self._pkcs8)
        twin.certs_to_embed = [to_asn1(c) for c in self._credential.chain]
        twin._policy = tsp.ObjectIdentifier(self._policy_oid)
        return twin

    async def async_dummy_response(self, md_algorithm: str) -> cms.ContentInfo:
        """Return pyHanko's dummy token, parsed from the first copy's instead of signed anew."""
        if md_algorithm not in self._dummy_response_cache:
            origin = self._origin
            with origin._dummies_lock:
                der = origin._dummies.get(md_algorithm)
            if der is not None:
                self._register_dummy(md_algorithm, cms.ContentInfo.load(der))
        return await super().async_dummy_response(md_algorithm)

    def _register_dummy(self, md_algorithm: str, dummy: cms.ContentInfo) -> None:
        super()._register_dummy(md_algorithm, dummy)  # type: ignore[no-untyped-call]
        origin = self._origin
        with origin._dummies_lock:
            if md_algorithm not in origin._dummies:
                origin._dummies[md_algorithm] = dummy.dump()

    def _build_tst_info(
        self, message_imprint: tsp.MessageImprint, dt: dt.datetime, req: tsp.TimeStampReq
    ) -> tsp.TSTInfo:
        info = super()._build_tst_info(message_imprint, dt, req)
        info["policy"] = self._policy
        info["serial_number"] = self._serials.next()
        return info

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: dt.datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        # Same attributes as pyHanko's, but without re-parsing the RSA key every time.
        hash_algo = get_pyca_cryptography_hash(md_algorithm)

        digest = hashes.Hash(hash_algo)
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                _cms_attr("content_type", "tst_info"),
                _cms_attr("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                _cms_attr("signing_certificate", as_signing_certificate(self.tsa_cert)),
                _cms_attr("message_digest", digest.finalize()),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hash_algo)
        return signature, signed_attrs


def own_timestamper(timestamper: TimeStamper | None) -> TimeStamper | None:
    """Return the timestamper one signature may use without sharing ASN.1 objects.

    An external TSA's client keeps nothing per request that a signature reads back (its
    certificate caches fill only when validation data is embedded, which signing does only
    for the in-process TSA), so it is shared as is.
    """
    if isinstance(timestamper, LexsealTimeStamper):
        return timestamper.for_one_signature()
    return timestamper


class FailClosedHTTPTimeStamper(HTTPTimeStamper):
    """pyHanko's HTTP client that turns every TSA failure into ``TimestampUnavailable``."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        """Request a token; raise ``TimestampUnavailable`` if the TSA fails in any way."""
        try:
            return await super().async_timestamp(message_digest, md_algorithm)
        except TimestampRequestError as exc:
            raise TimestampUnavailable(f"TSA {self.url} unavailable", detail=repr(exc)) from exc
        except (OSError, TimeoutError) as exc:
            raise TimestampUnavailable(f"TSA {self.url} unreachable", detail=repr(exc)) from exc


def make_timestamper(
    *, url: str | None = None, credential: IssuedCredential | None = None, timeout: float = 5.0
) -> TimeStamper:
    """Return the external TSA client for ``url``, else the in-process TSA for ``credential``."""
    if url:
        return FailClosedHTTPTimeStamper(url, timeout=timeout)
    if credential is None:
        raise ValueError("either a TSA url or a TSA credential is required")
    return LexsealTimeStamper(credential)

"""The firm's PKCS#11 token as configured: module, token, PIN and key, with coded errors.

python-pkcs11 (and pyHanko's PKCS#11 support, which imports it) are imported inside the
functions: only a ``pkcs11`` key source, or the enrol command, loads them and a vendor module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import algos
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from .errors import KeySourceError, KeySourceUnavailable

if TYPE_CHECKING:
    from pkcs11 import Session, Token

# A token that may come back by itself (a card put back, a device or module that recovers)
# answers 503: retry later. Every other code needs an operator (a setting, the PIN, what is
# on the token) and answers 500. At start-up every code stops the service alike.
RETRIABLE_CODES = frozenset(
    {
        "pkcs11_token_not_found",  # during a signature: the card or device was removed
        "pkcs11_unusable",  # the module or device fails (login, object search, session)
        "pkcs11_sign_failed",  # the token refused to sign after the session was reopened
        "pkcs11_closed",  # the service is shutting down its session
    }
)

# Signed and verified with a key: proves PIN, key and certificate (or public key) belong together.
_PROBE = b"lexseal firm key self-test"


def describe(exc: BaseException) -> str:
    """Name a PKCS#11 failure (python-pkcs11's exceptions often carry no message)."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class FirmToken:
    """Where the firm's key is: the PKCS#11 module, the token's label, the key's label or ID.

    ``error()`` builds every failure: a code, the setting an operator should check (from
    ``hints``) and the error class that says whether retrying can help.
    """

    lib_location: str
    token_label: str | None = None
    key_label: str | None = None
    key_id: bytes | None = None
    user_pin: str | None = field(default=None, repr=False)
    # read at every login, so a rotated PIN (a re-mounted secret) is picked up on reopen
    pin_file: Path | None = None
    # error code -> the setting an operator should check; appended to the error message
    hints: Mapping[str, str] = field(default_factory=dict)

    def error(
        self, message: str, code: str, *, cause: BaseException | None = None
    ) -> KeySourceError:
        """Return the error for ``code``, naming the setting an operator should check.

        ``cause``'s own text (the module's words) is kept as the error's ``detail``, for the
        log: the message an operator or caller is shown is ours alone.
        """
        hint = self.hints.get(code)
        cls = KeySourceUnavailable if code in RETRIABLE_CODES else KeySourceError
        detail = describe(cause) if cause is not None else None
        return cls(f"{message} (check {hint})" if hint else message, code=code, detail=detail)

    @contextlib.contextmanager
    def failures_as_unusable(self, doing: str) -> Iterator[None]:
        """Turn a raw PKCS#11 failure (device, module, session) into ``pkcs11_unusable``."""
        from pkcs11.exceptions import PKCS11Error

        try:
            yield
        except PKCS11Error as exc:
            raise self.error(
                f"token {self.token_label!r} failed while {doing}", "pkcs11_unusable", cause=exc
            ) from exc

    def open_session(self, *, rw: bool = False) -> Session:
        """Load the module, find the token and log in with the user PIN."""
        try:
            import pkcs11
            from pkcs11 import exceptions as p11
        except ImportError as exc:
            raise self.error(
                "PKCS#11 support needs the python-pkcs11 package", "pkcs11_unavailable"
            ) from exc
        if self.key_label is None and self.key_id is None:
            raise self.error("name the key on the token by label or ID", "pkcs11_key_not_found")
        pin = self._pin()
        try:
            lib = pkcs11.lib(self.lib_location)
        except p11.PKCS11Error as exc:
            raise self.error(
                f"cannot load the PKCS#11 module {self.lib_location}",
                "pkcs11_module_unloadable",
                cause=exc,
            ) from exc
        with self.failures_as_unusable("listing its slots"):
            try:
                token = lib.get_token(token_label=self.token_label)
            except (p11.NoSuchToken, p11.MultipleTokensReturned) as exc:
                what = "no token" if isinstance(exc, p11.NoSuchToken) else "more than one token"
                raise self.error(
                    f"{what} labelled {self.token_label!r} in {self.lib_location}",
                    "pkcs11_token_not_found",
                ) from exc
        return self._login(token, pin, rw=rw)

    def private_key(self, session: Session) -> Any:
        """Return the one signing key the settings name (the search pyHanko's signer makes)."""
        from pkcs11 import Attribute, KeyType, ObjectClass

        query: dict[Attribute, Any] = {
            Attribute.CLASS: ObjectClass.PRIVATE_KEY,
            Attribute.SIGN: True,
        }
        if self.key_label is not None:
            query[Attribute.LABEL] = self.key_label
        if self.key_id is not None:
            query[Attribute.ID] = self.key_id
        with self.failures_as_unusable("looking for the key"):
            keys = list(session.get_objects(query))
            if len(keys) != 1:
                named = f"label {self.key_label!r}" if self.key_label else f"ID {self.key_id!r}"
                found = "no" if not keys else f"{len(keys)}"
                raise self.error(
                    f"{found} signing keys with {named} on token {self.token_label!r}",
                    "pkcs11_key_not_found",
                )
            key = keys[0]
            if key[Attribute.KEY_TYPE] not in (KeyType.EC, KeyType.RSA):
                raise self.error(
                    f"the key is {key[Attribute.KEY_TYPE]!r}; the firm key must be EC or RSA",
                    "pkcs11_key_unsupported",
                )
        return key

    def probe(self, key: Any, public_key: CertificatePublicKeyTypes, *, holder: str) -> None:
        """Sign a probe with ``key`` on the token and check it against ``public_key``."""
        from pkcs11 import exceptions as p11
        from pyhanko.sign.pkcs11 import select_pkcs11_signing_params

        mechanism, raw = signature_mechanism(key)
        spec = select_pkcs11_signing_params(mechanism, "sha256", raw, {})
        data = spec.pre_sign_transform(_PROBE) if spec.pre_sign_transform else _PROBE
        try:
            signature = key.sign(data, **spec.sign_kwargs)
        except p11.PKCS11Error as exc:
            raise self.error(
                f"token {self.token_label!r} cannot sign with the key",
                "pkcs11_sign_failed",
                cause=exc,
            ) from exc
        if spec.post_sign_transform:
            signature = spec.post_sign_transform(signature)
        try:
            if isinstance(public_key, ec.EllipticCurvePublicKey):
                public_key.verify(signature, _PROBE, ec.ECDSA(hashes.SHA256()))
            elif isinstance(public_key, rsa.RSAPublicKey):
                public_key.verify(signature, _PROBE, padding.PKCS1v15(), hashes.SHA256())
            else:
                raise InvalidSignature
        except InvalidSignature:
            raise self.error(
                f"{holder} on token {self.token_label!r} does not belong to the key",
                "pkcs11_key_certificate_mismatch",
            ) from None

    def _pin(self) -> str | None:
        if self.pin_file is None:
            return self.user_pin
        try:
            return self.pin_file.read_text().rstrip("\r\n")
        except OSError as exc:
            raise self.error(
                f"cannot read the PIN file {self.pin_file}: {exc.strerror}",
                "pkcs11_pin_file_unreadable",
            ) from exc

    def _login(self, token: Token, pin: str | None, *, rw: bool) -> Session:
        from pkcs11 import TokenFlag
        from pkcs11 import exceptions as p11

        flags = token.flags
        # Never spend a token's last PIN attempt: a restart loop would lock it for good.
        if flags & (TokenFlag.USER_PIN_LOCKED | TokenFlag.USER_PIN_FINAL_TRY):
            raise self.error(
                f"token {self.token_label!r}: the user PIN is locked or has one try left; "
                "reset it with the token's own tools",
                "pkcs11_pin_locked",
            )
        if pin is None and flags & TokenFlag.LOGIN_REQUIRED:
            raise self.error(f"token {self.token_label!r} requires a PIN", "pkcs11_pin_required")
        try:
            return token.open(rw=rw, user_pin=pin)
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange) as exc:
            raise self.error(
                f"token {self.token_label!r} refused the PIN", "pkcs11_pin_incorrect"
            ) from exc
        except (p11.PinLocked, p11.PinExpired) as exc:
            raise self.error(
                f"token {self.token_label!r}: the user PIN is locked or expired",
                "pkcs11_pin_locked",
            ) from exc
        except p11.PKCS11Error as exc:
            raise self.error(
                f"cannot log in to token {self.token_label!r}", "pkcs11_unusable", cause=exc
            ) from exc


def signature_mechanism(key: Any) -> tuple[algos.SignedDigestAlgorithm, bool]:
    """Return how the firm signs with ``key``, and whether the token gets a raw hash (ECDSA)."""
    from pkcs11 import Attribute, KeyType

    is_ec = key[Attribute.KEY_TYPE] == KeyType.EC
    mechanism = algos.SignedDigestAlgorithm(
        {"algorithm": "sha256_ecdsa" if is_ec else "sha256_rsa"}
    )
    # Tokens implement raw ECDSA (hash outside) far more widely than ECDSA_SHA256.
    return mechanism, is_ec


def close_quietly(session: Session) -> None:
    """Close a session the token may already have dropped (best effort)."""
    with contextlib.suppress(Exception):
        session.close()


def is_pkcs11_error(exc: BaseException) -> bool:
    """Tell whether ``exc`` is a failure reported by the PKCS#11 module."""
    from pkcs11.exceptions import PKCS11Error

    return isinstance(exc, PKCS11Error)

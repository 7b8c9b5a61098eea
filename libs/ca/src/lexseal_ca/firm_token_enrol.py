"""Enrol the firm's token: the internal CA certifies the key on it, the certificate goes back.

The private key never leaves the token: its public key is read (and proved to belong to it by
a probe signature), the CA issues the firm certificate for it, and the certificate (and, if
asked, the CA's chain) is stored on the token where the service looks for it, or in a file.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pades.credentials import PublicKey, cert_pem

from .errors import KeySourceError
from .firm_token import FirmToken, close_quietly
from .pki import CertificateAuthority

if TYPE_CHECKING:
    from pkcs11 import Session


@dataclass(frozen=True)
class StoredCertificate:
    """A certificate object on the token."""

    label: str
    key_id: bytes
    certificate: x509.Certificate | None  # None: the object holds no readable X.509 DER
    handle: Any = field(repr=False, compare=False)  # the token's object

    def describe(self) -> str:
        """Say which certificate this is, for the operator."""
        what = f"certificate {self.label!r} (ID {self.key_id.hex() or '-'}"
        if self.certificate is None:
            return what + ")"
        subject = self.certificate.subject.rfc4514_string()
        until = self.certificate.not_valid_after_utc.date().isoformat()
        return f"{what}, {subject}, valid until {until})"


@dataclass(frozen=True)
class Enrolment:
    """What enrolling the firm's token did."""

    key_label: str
    key_id: bytes
    key_kind: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    cert_label: str
    # labels given to the chain's certificates on the token (empty: none stored)
    chain_labels: tuple[str, ...]
    replaced: tuple[StoredCertificate, ...]
    out: Path | None


def enrol_firm_token(
    *,
    token: FirmToken,
    ca: CertificateAuthority,
    firm_name: str,
    credit_code: str | None,
    cert_label: str | None,
    validity: dt.timedelta,
    with_chain: bool,
    replace: bool,
    out: Path | None = None,
) -> Enrolment:
    """Have ``ca`` certify the key on ``token`` and store the certificate on it (or in ``out``).

    Refuses (``firm_token_certificate_exists``, or ``firm_token_output_exists`` for a file)
    when a certificate for the key, or under a label it would use, is already there, unless
    ``replace``: then the new certificates are stored first and the old ones removed after.
    """
    session = token.open_session(rw=out is None)
    try:
        with token.failures_as_unusable("enrolling the firm key"):
            key = token.private_key(session)
            public = _public_key(token, session, key)
            token.probe(key, public, holder="the public key found beside the key")
            key_label, key_id = _label_and_id(key)
            label = cert_label or key_label or "firm"
            # the CA's chain is (issuing, root)
            chain = ca.chain if with_chain else ()
            chain_labels = (f"{label}-issuing-ca", f"{label}-root-ca") if with_chain else ()
            existing: tuple[StoredCertificate, ...] = ()
            if out is None:
                existing = _in_the_way(session, key_id, public, (label, *chain_labels))
                if existing and not replace:
                    listed = "; ".join(c.describe() for c in existing)
                    raise token.error(
                        f"token {token.token_label!r} already holds {listed}; "
                        "pass --replace to replace it",
                        "firm_token_certificate_exists",
                    )
            elif out.exists() and not replace:
                raise KeySourceError(
                    f"{out} exists; pass --replace to overwrite it",
                    code="firm_token_output_exists",
                )
            certificate = ca.issue_firm_certificate(
                public, firm_name=firm_name, credit_code=credit_code, validity=validity
            )
            if out is None:
                _store(session, certificate, label=label, key_id=key_id)
                for chain_cert, chain_label in zip(chain, chain_labels, strict=True):
                    _store(session, chain_cert, label=chain_label, key_id=b"")
                for old in existing:
                    old.handle.destroy()
            else:
                _write_public(out, b"".join(cert_pem(c) for c in (certificate, *chain)))
    finally:
        close_quietly(session)
    return Enrolment(
        key_label=key_label,
        key_id=key_id,
        key_kind=_kind(public),
        certificate=certificate,
        chain=chain,
        cert_label=label,
        chain_labels=chain_labels if out is None else (),
        replaced=existing,
        out=out,
    )


def _attribute(obj: Any, attribute: Any) -> Any:
    # An attribute a token does not keep for this object reads as absent.
    from pkcs11.exceptions import AttributeSensitive, AttributeTypeInvalid

    try:
        return obj[attribute]
    except (AttributeTypeInvalid, AttributeSensitive):
        return None


def _label_and_id(obj: Any) -> tuple[str, bytes]:
    from pkcs11 import Attribute

    return _attribute(obj, Attribute.LABEL) or "", _attribute(obj, Attribute.ID) or b""


def _public_key(token: FirmToken, session: Session, key: Any) -> PublicKey:
    """Return the key's public half: the public key object beside it, else (RSA) its modulus."""
    from pkcs11 import Attribute, KeyType, ObjectClass

    key_type = key[Attribute.KEY_TYPE]
    key_label, key_id = _label_and_id(key)
    query: dict[Attribute, Any] = {
        Attribute.CLASS: ObjectClass.PUBLIC_KEY,
        Attribute.KEY_TYPE: key_type,
    }
    if key_id:
        query[Attribute.ID] = key_id
    else:
        query[Attribute.LABEL] = key_label
    found = list(session.get_objects(query))
    # An RSA private key object carries its modulus and exponent too; an EC one has no point.
    candidates = ([key] if key_type == KeyType.RSA else []) + (found if len(found) == 1 else [])
    for obj in candidates:
        if (public := _load_public(obj, key_type)) is not None:
            return public
    raise token.error(
        f"found {len(found)} public keys beside the key on token {token.token_label!r} "
        "(by its ID, else its label); store its public key there with the token's tools",
        "pkcs11_public_key_not_found",
    )


def _load_public(obj: Any, key_type: Any) -> PublicKey | None:
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_ec_public_key

    if key_type == KeyType.EC:
        if not (_attribute(obj, Attribute.EC_PARAMS) and _attribute(obj, Attribute.EC_POINT)):
            return None
        loaded = serialization.load_der_public_key(encode_ec_public_key(obj))
        return loaded if isinstance(loaded, ec.EllipticCurvePublicKey) else None
    modulus = _attribute(obj, Attribute.MODULUS)
    exponent = _attribute(obj, Attribute.PUBLIC_EXPONENT)
    if not (modulus and exponent):
        return None
    numbers = rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big"))
    return numbers.public_key()


def _in_the_way(
    session: Session, key_id: bytes, public: PublicKey, labels: tuple[str, ...]
) -> tuple[StoredCertificate, ...]:
    """Return the certificates of the key (same ID or public key) and those under ``labels``."""
    from pkcs11 import Attribute, ObjectClass

    found = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        label, cert_id = _label_and_id(obj)
        certificate = _certificate(_attribute(obj, Attribute.VALUE))
        same_key = certificate is not None and _spki(certificate.public_key()) == _spki(public)
        if same_key or label in labels or (key_id and cert_id == key_id):
            found.append(StoredCertificate(label, cert_id, certificate, handle=obj))
    return tuple(found)


def _spki(public: Any) -> bytes:
    return bytes(
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _certificate(der: bytes | None) -> x509.Certificate | None:
    if not der:
        return None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _store(session: Session, certificate: x509.Certificate, *, label: str, key_id: bytes) -> None:
    from pkcs11 import Attribute, CertificateType, ObjectClass

    attrs: dict[Attribute, Any] = {
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.LABEL: label,
        Attribute.SUBJECT: certificate.subject.public_bytes(),
        Attribute.ISSUER: certificate.issuer.public_bytes(),
        Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
    }
    if key_id:
        attrs[Attribute.ID] = key_id
    session.create_object(attrs)


def _write_public(path: Path, data: bytes) -> None:
    # Write beside and rename, so a reader never sees half a certificate.
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise KeySourceError(
            f"cannot write {path}: {exc.strerror}", code="firm_token_output_unwritable"
        ) from exc


def _kind(public: PublicKey) -> str:
    if isinstance(public, ec.EllipticCurvePublicKey):
        return f"EC {public.curve.name}"
    return f"RSA {public.key_size}"

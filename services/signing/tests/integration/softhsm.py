"""A throw-away SoftHSM2 token store: tokens, key pairs generated on them, certificates."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lexseal_ca.pki import CertificateAuthority
from servicekit.testing import missing_tool
from signing.config import DEV_KEY_PASSPHRASE, Settings

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
USER_PIN = "246810"
SO_PIN = "13579111"
FIRM = Settings.model_fields["firm_name"].default
# A token with the firm's EC key pair and no certificate yet: the enrol command's to certify.
BLANK_TOKEN = "lexseal-blank"


def need_softhsm() -> None:
    """Skip the calling test when SoftHSM2 or python-pkcs11 is missing."""
    if importlib.util.find_spec("pkcs11") is None:
        missing_tool("python-pkcs11 is not installed (uv sync installs it with lexseal-signing)")
    if not SOFTHSM_MODULE.exists() or shutil.which("softhsm2-util") is None:
        missing_tool(f"SoftHSM2 is not installed ({SOFTHSM_MODULE}): apt-get install softhsm2")


@dataclass(frozen=True)
class TokenKey:
    """A key pair generated on a token, and the certificate stored beside it."""

    token_label: str
    label: str
    key_id: bytes
    certificate: x509.Certificate


class SoftHsm:
    """SoftHSM2 with its own configuration and token directory (SOFTHSM2_CONF)."""

    def __init__(self, directory: Path) -> None:
        tokens = directory / "tokens"
        tokens.mkdir(parents=True)
        self.conf = directory / "softhsm2.conf"
        self.conf.write_text(
            f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
        )
        self._previous_conf = os.environ.get("SOFTHSM2_CONF")
        # The module reads it when initialised, in this process (the service) and in softhsm2-util.
        os.environ["SOFTHSM2_CONF"] = str(self.conf)
        self._lib: Any = None

    def init_token(self, label: str) -> None:
        """Initialise a token in the next free slot, with the user PIN ``USER_PIN``."""
        result = subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                USER_PIN,
                "--so-pin",
                SO_PIN,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        self._lib = None  # the module lists tokens when initialised: rescan on next use

    def lib(self) -> Any:
        """Return the loaded module, re-initialised when tokens were added since."""
        import pkcs11

        if self._lib is None:
            self._lib = pkcs11.lib(str(SOFTHSM_MODULE))
            self._lib.reinitialize()  # the module object is cached per path in this process
        return self._lib

    def generate(
        self,
        *,
        token_label: str,
        kind: Literal["ec", "rsa"],
        label: str,
        key_id: bytes,
    ) -> Any:
        """Generate a key pair on the token (the private key stays there); return its public key."""
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters
        from pkcs11.util.rsa import encode_rsa_public_key

        token = self.lib().get_token(token_label=token_label)
        with token.open(rw=True, user_pin=USER_PIN) as session:
            if kind == "ec":
                params = session.create_domain_parameters(
                    KeyType.EC,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                    local=True,
                )
                public, _ = params.generate_keypair(store=True, label=label, id=key_id)
                der = encode_ec_public_key(public)
            else:
                public, _ = session.generate_keypair(
                    KeyType.RSA, 2048, store=True, label=label, id=key_id
                )
                der = encode_rsa_public_key(public)
        return serialization.load_der_public_key(der)

    def store_certificate(
        self, *, token_label: str, certificate: x509.Certificate, label: str, key_id: bytes
    ) -> None:
        """Put a certificate on the token under ``label`` and ``key_id``."""
        from pkcs11 import Attribute, CertificateType, ObjectClass

        token = self.lib().get_token(token_label=token_label)
        with token.open(rw=True, user_pin=USER_PIN) as session:
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: key_id,
                    Attribute.SUBJECT: certificate.subject.public_bytes(),
                    Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                }
            )

    def delete_token(self, label: str) -> None:
        """Delete a token, as another process would while this one has it open."""
        result = subprocess.run(
            ["softhsm2-util", "--delete-token", "--token", label],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    def rescan(self) -> None:
        """Re-initialise the module in this process (SoftHSM fails every call after a deletion)."""
        self._lib = None
        self.lib()

    def certificates(self, token_label: str) -> list[tuple[str, bytes, x509.Certificate]]:
        """Return the certificates on a token: label, ID and certificate."""
        from pkcs11 import Attribute, ObjectClass

        token = self.lib().get_token(token_label=token_label)
        with token.open(user_pin=USER_PIN) as session:
            return [
                (
                    obj[Attribute.LABEL],
                    obj[Attribute.ID],
                    x509.load_der_x509_certificate(obj[Attribute.VALUE]),
                )
                for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            ]

    def close(self) -> None:
        """Finalise the module and restore SOFTHSM2_CONF."""
        if self._lib is not None:
            self._lib.finalize()
        if self._previous_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = self._previous_conf


def issue_for_public_key(
    ca: CertificateAuthority, *, firm_name: str, public_key: Any
) -> x509.Certificate:
    """Have the internal CA issue the firm's certificate for a key on a token (30 days)."""
    return ca.issue_firm_certificate(
        public_key, firm_name=firm_name, validity=dt.timedelta(days=30)
    )


@dataclass(frozen=True)
class Tokens:
    """SoftHSM2 tokens with the firm's key, the CA that certified it, and a blank token.

    ``keys``: "ec" (P-256, beside it the CA's intermediate and a stray certificate), "rsa"
    (2048) and "removable" (P-256, deleted by the test that removes a token), each with the
    certificate the CA issued for it. ``BLANK_TOKEN`` holds a P-256 key pair only.
    """

    hsm: SoftHsm
    ca: CertificateAuthority
    ca_dir: Path
    keys: dict[str, TokenKey]


@contextlib.contextmanager
def softhsm_tokens(base: Path) -> Iterator[Tokens]:
    """Create the tokens under ``base``; finalise the module afterwards."""
    need_softhsm()
    # The service's CA, made once: each test's service opens a copy of it (see firm_on_token).
    ca_dir = base / "pki" / "ca"
    ca = CertificateAuthority.open(
        ca_dir, passphrase=DEV_KEY_PASSPHRASE.encode(), organization=FIRM
    )
    hsm = SoftHsm(base / "softhsm")
    try:
        kinds: dict[str, Literal["ec", "rsa"]] = {"ec": "ec", "rsa": "rsa", "removable": "ec"}
        for name in (*kinds, "blank"):
            hsm.init_token(f"lexseal-{name}")
        keys = {}
        for name, kind in kinds.items():
            token = f"lexseal-{name}"
            public = hsm.generate(token_label=token, kind=kind, label="firm", key_id=b"\x01")
            cert = issue_for_public_key(ca, firm_name=FIRM, public_key=public)
            hsm.store_certificate(token_label=token, certificate=cert, label="firm", key_id=b"\x01")
            keys[name] = TokenKey(token, "firm", b"\x01", cert)
        hsm.generate(token_label=BLANK_TOKEN, kind="ec", label="firm", key_id=b"\x01")
        # Beside the EC key: the CA's intermediate (a chain pulled by label) and the
        # certificate of a key that is not on the token.
        hsm.store_certificate(
            token_label="lexseal-ec",
            certificate=ca.issuing,
            label="lexseal-issuing",
            key_id=b"\x02",
        )
        stray = ca.issue_firm(firm_name=FIRM).certificate
        hsm.store_certificate(
            token_label="lexseal-ec", certificate=stray, label="stray", key_id=b"\x03"
        )
        yield Tokens(hsm=hsm, ca=ca, ca_dir=ca_dir, keys=keys)
    finally:
        hsm.close()


def firm_on_token(
    tokens: Tokens, data_dir: Path, kind: str = "ec", **overrides: Any
) -> dict[str, Any]:
    """Return the PKCS#11 settings for one test; its data dir gets the CA that certified the key."""
    shutil.copytree(tokens.ca_dir, data_dir / "pki" / "ca")
    pin_file = data_dir / "firm-token.pin"
    pin_file.write_text(USER_PIN + "\n")
    settings: dict[str, Any] = {
        "firm_key_source": "pkcs11",
        "firm_pkcs11_lib": str(SOFTHSM_MODULE),
        "firm_pkcs11_token_label": tokens.keys[kind].token_label,
        "firm_pkcs11_key_label": "firm",
        "firm_pkcs11_pin_file": pin_file,
    }
    return {**settings, **overrides}


def local_settings(data_dir: Path, **kw: Any) -> Settings:
    """Return settings for opening the keys alone (no database or broker involved)."""
    return Settings(environment="test", data_dir=data_dir, log_json=False, **kw)

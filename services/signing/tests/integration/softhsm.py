"""A throw-away SoftHSM2 token store: tokens, key pairs generated on them, certificates."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from signing.adapters.pki import CertificateAuthority

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
USER_PIN = "246810"
SO_PIN = "13579111"


def need_softhsm() -> None:
    """Skip the calling test when SoftHSM2 or python-pkcs11 is missing."""
    if importlib.util.find_spec("pkcs11") is None:
        pytest.skip("python-pkcs11 is not installed (uv sync installs it with lexseal-signing)")
    if not SOFTHSM_MODULE.exists() or shutil.which("softhsm2-util") is None:
        pytest.skip(f"SoftHSM2 is not installed ({SOFTHSM_MODULE}): apt-get install softhsm2")


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

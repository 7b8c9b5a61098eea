"""Make the integration helpers importable (pytest runs with --import-mode=importlib); tokens."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# the unit tests' document factories and validator helpers (pdftoppm, pdfsig, zbar)
sys.path.append(str(Path(__file__).parents[1] / "unit"))

from softhsm import Tokens, softhsm_tokens

from tools import RevocationServer, revocation_server


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tokens]:
    """SoftHSM2 tokens holding the firm's key (see softhsm.Tokens); skips without SoftHSM2."""
    with softhsm_tokens(tmp_path_factory.mktemp("pkcs11")) as made:
        yield made


@pytest.fixture
def responder() -> Iterator[RevocationServer]:
    """An OCSP responder and CRLs for a test's CA (set ``ca``), for validators such as pdfsig.

    Start the service with ``public_base_url=responder.base_url`` so its certificates name it.
    """
    with revocation_server() as server:
        yield server

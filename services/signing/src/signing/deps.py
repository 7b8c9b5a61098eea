"""What signing's routes and event handlers are given: built once, in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass

from pades.pdf import PdfSigningEngine
from pades.seals import SealRenderer
from servicekit.blobs import BlobStore

from .adapters.firm import Firm
from .adapters.link_cipher import LinkCipher
from .adapters.pki import Pki
from .adapters.providers import BankTransferProvider, FaceSessionProvider
from .config import Settings


@dataclass(frozen=True)
class SigningDeps:
    """The signing service's dependencies beyond the unit of work."""

    settings: Settings
    blobs: BlobStore  # documents (original, prepared, every signed version)
    pki: Pki  # the internal CA, the timestamper, the passphrase of the keys kept at rest
    firm: Firm  # the firm's key and seal image
    engine: PdfSigningEngine  # signs PDFs; keeps the signers' signers
    seals: SealRenderer  # draws the counterparties' seals
    face: FaceSessionProvider  # the hosted (H5) face check
    bank: BankTransferProvider  # the enterprise micro-deposit
    links: LinkCipher  # invitation links at rest

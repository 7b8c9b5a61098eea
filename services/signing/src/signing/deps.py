"""What signing's routes and event handlers are given: built once, in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.blobs import BlobStore

from .adapters.keyring import Keyring
from .config import Settings


@dataclass(frozen=True)
class SigningDeps:
    """The signing service's dependencies beyond the unit of work."""

    settings: Settings
    keyring: Keyring  # CA, firm key, TSA, seals, PDF engine, identity providers, link key
    blobs: BlobStore  # documents (original, prepared, every signed version)

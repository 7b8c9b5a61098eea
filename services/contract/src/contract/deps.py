"""What contract's routes and event handlers are given: built once, in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass

from lexseal_events import DocumentRef
from servicekit.internal import fetch_document

from .adapters.document_store import DocumentStore
from .config import Settings


@dataclass(frozen=True)
class ContractDeps:
    """The contract service's dependencies beyond the unit of work."""

    settings: Settings
    store: DocumentStore  # the documents: blob store, local cache, upload spools, previews

    async def fetch_signed(self, ref: DocumentRef) -> bytes:
        """Fetch a signed PDF from the signing service (claim check); raises when it fails."""
        return await fetch_document(
            ref,
            secret=self.settings.internal_secret,
            max_bytes=self.settings.max_signed_mb * 1024 * 1024,
        )

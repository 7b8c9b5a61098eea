"""What letters' routes and event handlers are given: built once, in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.blobs import BlobStore

from .adapters.page_cache import PageImageCache
from .config import Settings


@dataclass(frozen=True)
class LettersDeps:
    """The letters service's dependencies beyond the unit of work."""

    settings: Settings
    # rendered and sealed letters' bytes (each session reaches it too: DocumentRepository)
    blobs: BlobStore
    page_images: PageImageCache  # page PNGs on disk, by (sha256, page, dpi)

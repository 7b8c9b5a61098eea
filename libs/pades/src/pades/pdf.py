"""PAdES signing of prepared PDFs: one incremental update per signature, seal as appearance."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, NamedTuple, ParamSpec, TypeVar

from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError as HankoPdfError
from pyhanko.sign import fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, Signer
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError

from .credentials import IssuedCredential
from .errors import PdfError, PlacementError, SigningFailed, TimestampUnavailable
from .geometry import Box, PageGeometry, normal_box, overlaps, qr_box
from .prepare import document_geometry, page_geometry, prepare
from .seal_xobject import EncodedImage, PrecompressedImage
from .seam_draw import seam_style
from .seam_layout import SeamDoesNotFit, SeamSlice, seam_slices
from .signer import CachedKeySigner, own_signer
from .tsa import own_timestamper
from .upright import UprightStampStyle

__all__ = [
    "Box",
    "CheckedPlacement",
    "PageGeometry",
    "PdfSigningEngine",
    "check_placement",
    "document_geometry",
    "prepare",
    "qr_box",
]

MIN_SIDE = 20.0  # points; a smaller seal is unreadable
_FIELD_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")  # '.' would make a hierarchical name

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _blocking(call: Callable[_P, Coroutine[Any, Any, _R]]) -> Callable[_P, _R]:
    """Return `call` run to completion in a new event loop: its twin for code outside one."""

    @functools.wraps(call)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return asyncio.run(call(*args, **kwargs))

    run.__name__ = call.__name__.removeprefix("async_")  # async_sign's twin is sign
    run.__qualname__ = call.__qualname__.replace(call.__name__, run.__name__)
    return run


class CheckedPlacement(NamedTuple):
    """A placement that passed the checks: its page and the /Rect the widget will carry."""

    page: PageGeometry
    rect: Box  # user space, exactly as written to the file


def check_placement(
    writer: IncrementalPdfFileWriter,
    *,
    page: int,
    box: Box,
    field_name: str,
    recorded: PageGeometry | None = None,
) -> CheckedPlacement:
    """Refuse a seal off the page, over the QR, too small, or a reused field.

    `box` is in placement coordinates (the page as shown). `recorded` is the page as kept when its
    QR was stamped; without it the page is read from the document and its QR is where `prepare`
    puts it.
    """
    if not _FIELD_NAME.match(field_name):
        raise PlacementError(f"invalid field name {field_name!r}", code="field_name_invalid")
    if list(fields.enumerate_sig_fields(writer, with_name=field_name)):
        raise PlacementError(f"field {field_name!r} already exists", code="field_exists")
    count = int(writer.root["/Pages"]["/Count"])
    if not 0 <= page < count:
        raise PlacementError(f"page {page} not in 0..{count - 1}", code="page_out_of_range")
    page_ref, _ = writer.find_page_for_modification(page)  # type: ignore[no-untyped-call]
    # The same geometry the envelope API reports to clients (pages[].box and pages[].qr_box).
    geometry = page_geometry(page_ref.get_object(), number=page + 1)
    if recorded is not None:
        if not recorded.same_page_as(geometry):
            raise PdfError(
                f"page {page + 1} is not the page whose QR was stamped", code="page_changed"
            )
        geometry = recorded
    x1, y1, x2, y2 = box
    if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
        raise PlacementError("the seal box is too small or inverted", code="box_too_small")
    # Checked as drawn: the user-space box on the grid pyHanko writes /Rect with.
    rect = geometry.to_pdf(box)
    if not geometry.contains(rect):
        raise PlacementError("the seal box leaves the page", code="box_outside_page")
    if geometry.covers_qr(rect):
        raise PlacementError("the seal box covers the verification QR code", code="box_covers_qr")
    if any(overlaps(rect, seal) for seal in _signature_rects(page_ref.get_object())):
        raise PlacementError("the seal box covers a seal already signed", code="box_covers_seal")
    return CheckedPlacement(geometry, rect)


def _seam(
    writer: IncrementalPdfFileWriter, pages: Sequence[PageGeometry] | None
) -> list[SeamSlice]:
    """Return the cross-page seal's slices (none without `pages` or for a single page)."""
    if pages is None:
        return []
    if len(pages) != int(writer.root["/Pages"]["/Count"]):
        raise PdfError("the recorded pages are not the document's", code="page_changed")
    try:
        return seam_slices(pages)
    except SeamDoesNotFit as exc:
        raise PlacementError(str(exc), code=exc.code) from exc


def _signature_rects(page: Any) -> list[Box]:
    """Return the /Rect (user space) of every signature widget already on `page`."""
    rects = []
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        field = annot.get("/Parent").get_object() if "/Parent" in annot else annot
        if field.get("/FT") == "/Sig" and "/Rect" in annot:
            rects.append(normal_box([float(v) for v in annot["/Rect"]]))
    return rects


class PdfSigningEngine:
    """Sign PDFs with cached keys, cached seal bitmaps and a fixed signature reservation."""

    def __init__(
        self,
        *,
        bytes_reserved: int = 8192,
        timestamp_reserved: int = 8192,
        seal_cache_size: int = 128,
    ) -> None:
        # A fixed reservation spares pyHanko a dry-run signature just to size the slot.
        self.bytes_reserved = bytes_reserved
        self.timestamp_reserved = timestamp_reserved
        self._seal_cache_size = seal_cache_size
        self._seals: OrderedDict[str, tuple[Image.Image, EncodedImage]] = OrderedDict()
        self._signers: OrderedDict[tuple[str, int], CachedKeySigner] = OrderedDict()
        self._lock = threading.Lock()

    def signer_for(self, credential: IssuedCredential) -> CachedKeySigner:
        """Return the cached signer for a credential, building it on first use."""
        cert = credential.certificate
        key = (cert.issuer.rfc4514_string(), cert.serial_number)
        with self._lock:
            signer = self._signers.get(key)
            if signer is None:
                signer = CachedKeySigner.from_credential(credential)
                self._remember(self._signers, key, signer)
            return signer

    def _seal(self, seal_png: bytes) -> PrecompressedImage:
        digest = hashlib.sha256(seal_png).hexdigest()
        with self._lock:
            cached = self._seals.get(digest)
            if cached is not None:
                self._seals.move_to_end(digest)
                return PrecompressedImage(*cached)
        try:
            image: Image.Image = Image.open(io.BytesIO(seal_png))
            image.load()
        except (OSError, ValueError) as exc:
            raise SigningFailed("the seal is not a readable image", code="seal_invalid") from exc
        if image.mode not in ("RGBA", "RGB", "L", "LA"):
            image = image.convert("RGBA")
        # Encoding the bitmap costs ~6 ms; a signer's seal is the same every time.
        entry = (image, EncodedImage.from_pil(image))
        with self._lock:
            self._remember(self._seals, digest, entry)
        return PrecompressedImage(*entry)

    def _remember(self, cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self._seal_cache_size:
            cache.popitem(last=False)

    async def async_sign(
        self,
        pdf_bytes: bytes,
        *,
        signer: Signer,
        field_name: str,
        page: int,
        box: Box,
        seal_png: bytes,
        timestamper: TimeStamper | None = None,
        reason: str | None = None,
        location: str | None = None,
        name: str | None = None,
        recorded: PageGeometry | None = None,
        validation_context: ValidationContext | None = None,
        seam_pages: Sequence[PageGeometry] | None = None,
    ) -> bytes:
        """Append one visible PAdES signature as an incremental update; return the new PDF.

        `box` is in placement coordinates: the page as shown, origin at its bottom-left corner.
        With a `validation_context`, the signer's and the timestamp's chains and revocation
        data follow in a DSS update (PAdES B-LT). With `seam_pages` (every page, as recorded
        when the QR was stamped), the seal is also cut across the pages' right edges (骑缝章),
        inside the same signed update; a single page takes the normal seal only. ``sign`` is the
        same call for code outside an event loop.
        """
        # Signatures run concurrently (threads and the event loop): each gets its own copies of
        # the signer's and the TSA's ASN.1 objects, which asn1crypto mutates even on reads.
        signer, timestamper = own_signer(signer), own_timestamper(timestamper)
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        except (HankoPdfError, ValueError, KeyError, IndexError) as exc:
            raise PdfError("not a readable PDF", code="not_a_pdf") from exc
        if writer.security_handler is not None:
            raise PdfError("encrypted PDFs cannot be signed", code="pdf_encrypted")
        checked = check_placement(
            writer, page=page, box=box, field_name=field_name, recorded=recorded
        )
        slices = _seam(writer, seam_pages)
        look: dict[str, Any] = {
            "rotate": checked.page.rotate,  # the seal reads upright on a turned page
            "background": self._seal(seal_png),
            "border_width": 0,
            "background_layout": layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),  # type: ignore[no-untyped-call]
            ),
        }
        style = (
            seam_style(field_name=field_name, slices=slices, pages=seam_pages or (), **look)
            if slices
            else UprightStampStyle(**look)
        )
        meta = PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=name,
            embed_validation_info=validation_context is not None,
            validation_context=validation_context,
        )
        # The /Rect is the checked box itself: nothing moves it after the check.
        # (pyHanko annotates `box` as ints but writes any number, on its 4-decimal grid.)
        # With slices the field keeps its widgets as /Kids: the main seal, then one per page.
        spec = fields.SigFieldSpec(
            field_name,
            on_page=page,
            box=checked.rect,  # type: ignore[arg-type]
            combine_annotation=not slices,
        )
        pdf_signer = PdfSigner(
            meta, signer=signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
        )
        reserved = self.bytes_reserved + (self.timestamp_reserved if timestamper else 0)
        output = io.BytesIO()
        try:
            await pdf_signer.async_sign_pdf(writer, bytes_reserved=reserved, output=output)
        except TimestampUnavailable:
            raise
        except TimestampRequestError as exc:
            raise TimestampUnavailable("the TSA failed", detail=repr(exc)) from exc
        except (SigningError, HankoPdfError, ValueError, PathError, ValidationError) as exc:
            # a chain the validation context refuses (e.g. a revoked certificate) lands here too
            raise SigningFailed("signing failed", detail=repr(exc)) from exc
        return output.getvalue()

    sign = _blocking(async_sign)

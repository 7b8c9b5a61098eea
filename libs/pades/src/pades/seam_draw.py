"""The cross-page seal drawn into the firm's signature, as more widgets of its own field.

Each page's slice is a widget annotation of the signature field, in the same incremental update
as the signature and before its digest, so the firm's signature covers every slice. Earlier
signatures see a new signature field with its widgets, which validators accept as form filling
(pyHanko's SigFieldCreationRule takes every widget in the new field's /Kids); a stamp or a change
to a page's content would break them. All slices show the one seal image XObject of the main
appearance, each through a form whose /BBox keeps only its slice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields
from pyhanko.stamp.static import StaticContentStamp

from .geometry import PageGeometry, turn
from .seal_xobject import PrecompressedImage
from .seam_layout import SeamSlice
from .upright import UprightStampStyle, _UprightStamp

_float = cast(Callable[[float], generic.FloatObject], generic.FloatObject)
_number = cast(Callable[[int], generic.NumberObject], generic.NumberObject)
_dict = cast(Callable[[dict[Any, Any]], generic.DictionaryObject], generic.DictionaryObject)
_SEAL = "/LexsealSeal"


@dataclass(frozen=True)
class SeamStampStyle(UprightStampStyle):
    """The firm's stamp style when the document takes a cross-page seal as well."""

    field_name: str = ""
    slices: tuple[SeamSlice, ...] = ()
    pages: tuple[PageGeometry, ...] = ()

    def create_stamp(
        self, writer: BasePdfFileWriter, box: BoxConstraints, text_params: dict[str, Any]
    ) -> StaticContentStamp:
        """Return the main stamp; applying it also lays the slices on every page."""
        if self.rotate in (90, 270):
            box = BoxConstraints(width=box.height, height=box.width)  # type: ignore[no-untyped-call]
        return _SeamStamp(writer=writer, style=self, box=box)


class _SeamStamp(_UprightStamp):
    # pyHanko applies the appearance after creating the field and before writing and digesting
    # the revision: the one moment to add widgets that the signature will cover.
    def apply_appearance(self, annot_dict: generic.DictionaryObject) -> None:
        super().apply_appearance(annot_dict)
        assert self.writer is not None
        add_seam(self.writer, cast(SeamStampStyle, self.style), main_widget=annot_dict)


def _seal_ref(writer: BasePdfFileWriter, style: SeamStampStyle) -> generic.IndirectObject:
    background = style.background
    assert isinstance(background, PrecompressedImage)
    # the main appearance has just added the image to this writer: show that same XObject
    background.writer = writer
    return background.image_ref


def _slice_form(
    writer: BasePdfFileWriter, part: SeamSlice, *, rotate: int, seal: generic.IndirectObject
) -> generic.IndirectObject:
    x1, y1, x2, y2 = part.rect
    width, height = x2 - x1, y2 - y1
    # the whole seal, drawn shifted left by the slice's offset; the /BBox cuts out the slice
    content = f"q {part.size:.4f} 0 0 {part.size:.4f} {-part.offset:.4f} 0 cm {_SEAL} Do Q"
    form = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                [_float(0), _float(0), _float(width), _float(height)]
            ),
            pdf_name("/Resources"): _dict(
                {
                    pdf_name("/XObject"): _dict({pdf_name(_SEAL): seal}),
                }
            ),
        },
        stream_data=content.encode(),
    )
    if rotate:
        # drawn as the page is shown; the viewer turns it back onto the unturned /Rect
        form[pdf_name("/Matrix")] = generic.ArrayObject(
            [_float(v) for v in (*turn(rotate), 0.0, 0.0)]
        )
    form.compress()  # type: ignore[no-untyped-call]
    return writer.add_object(form)


def add_seam(
    writer: BasePdfFileWriter, style: SeamStampStyle, *, main_widget: generic.DictionaryObject
) -> None:
    """Add each page's slice as a widget of the signature field `style.field_name`."""
    (field_ref,) = [
        ref for _, _, ref in fields.enumerate_sig_fields(writer, with_name=style.field_name)
    ]
    field = field_ref.get_object()
    kids = field["/Kids"]
    # No /Parent on the widgets, as pyHanko writes its own separate widget: poppler up to 25.x
    # (Debian's pdfsig) takes a kid that names its parent for a field of its own and reports
    # the signature as several unsigned fields. Readers reach the widgets through /Kids.
    flags = main_widget.get("/F", _number(4))
    seal = _seal_ref(writer, style)
    for part in style.slices:
        geometry = style.pages[part.page]
        page_ref, _ = writer.find_page_for_modification(part.page)  # type: ignore[no-untyped-call]
        rect = geometry.to_pdf(part.rect)
        widget = _dict(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/Rect"): generic.ArrayObject([_float(v) for v in rect]),
                pdf_name("/F"): flags,
                pdf_name("/P"): page_ref,
                pdf_name("/AP"): _dict(
                    {pdf_name("/N"): _slice_form(writer, part, rotate=geometry.rotate, seal=seal)}
                ),
            }
        )
        widget_ref = writer.add_object(widget)
        kids.append(widget_ref)
        writer.register_annotation(page_ref, widget_ref)  # type: ignore[no-untyped-call]
    writer.update_container(field)  # type: ignore[no-untyped-call]


def seam_style(
    *,
    field_name: str,
    slices: Sequence[SeamSlice],
    pages: Sequence[PageGeometry],
    **style: Any,
) -> SeamStampStyle:
    """Return the stamp style that also lays `slices` out when the signature is applied."""
    return SeamStampStyle(field_name=field_name, slices=tuple(slices), pages=tuple(pages), **style)

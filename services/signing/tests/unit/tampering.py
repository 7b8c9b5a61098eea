"""Ways to tamper with a signed PDF, as plain functions."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import ArrayObject, NameObject


def flip_byte(pdf: bytes, needle: bytes) -> bytes:
    """Change one byte of the first occurrence of ``needle`` (signed content)."""
    at = pdf.index(needle) + len(needle) - 1
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def append_annotation(pdf: bytes, text: str = "Amount: 1,000,000") -> bytes:
    """Append an incremental update that adds a text annotation to page 1."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    writer.add_annotation(0, FreeText(text=text, rect=(100, 400, 400, 440)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def replace_qr_image(pdf: bytes) -> bytes:
    """Append an incremental update that swaps the QR bitmap on page 1 for another one."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    resources = writer.pages[0]["/Resources"]
    for xobject in _images(resources):
        raw = xobject.get_data()
        xobject._data = zlib.compress(bytes(255 - b for b in raw))  # invert: a different code
        xobject[NameObject("/Filter")] = NameObject("/FlateDecode")
        xobject.pop("/DecodeParms", None)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    raise AssertionError("no QR image found on page 1")


def _images(resources: object) -> list:  # type: ignore[type-arg]
    found = []
    xobjects = resources.get("/XObject", {})  # type: ignore[attr-defined]
    for ref in xobjects.values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            found.append(obj)
        elif obj.get("/Subtype") == "/Form" and "/Resources" in obj:
            found += _images(obj["/Resources"])
    return found


def drop_last_signature(pdf: bytes) -> bytes:
    """Rewrite the whole file without its last signature field and widget."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    fields = writer._root_object["/AcroForm"]["/Fields"]
    last = fields[-1].get_object()
    writer._root_object["/AcroForm"][NameObject("/Fields")] = ArrayObject(fields[:-1])
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is not None:
            page[NameObject("/Annots")] = ArrayObject(
                a
                for a in annots
                if a.get_object() is not last and a.get_object().get("/Parent") is not last
            )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

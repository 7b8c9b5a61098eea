"""Seal bitmaps encoded once as PDF image XObjects, re-added to each signed file as-is."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.writer import BasePdfFileWriter

# pyHanko's NumberObject constructor is unannotated; pin its type once.
_number = cast(Callable[[int], generic.NumberObject], generic.NumberObject)


@dataclass(frozen=True)
class EncodedImage:
    """A Flate-compressed image (and its alpha mask) ready to become an XObject."""

    width: int
    height: int
    color_space: str
    data: bytes
    smask: EncodedImage | None = None

    @classmethod
    def from_pil(cls, image: Image.Image) -> EncodedImage:
        """Split off alpha and compress, as pyHanko's ``pil_image`` would on every call."""
        smask = None
        if image.mode in ("RGBA", "LA"):
            smask = cls.from_pil(image.getchannel("A"))
            image = image.convert(image.mode[:-1])
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        space = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
        return cls(image.width, image.height, space, zlib.compress(image.tobytes()), smask)

    def write(self, writer: BasePdfFileWriter) -> generic.IndirectObject:
        """Add the image (and its mask) to ``writer``; return the reference."""
        entries: dict[generic.NameObject, generic.PdfObject] = {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Image"),
            pdf_name("/Width"): _number(self.width),
            pdf_name("/Height"): _number(self.height),
            pdf_name("/ColorSpace"): pdf_name(self.color_space),
            pdf_name("/BitsPerComponent"): _number(8),
            pdf_name("/Filter"): pdf_name("/FlateDecode"),
        }
        if self.smask is not None:
            entries[pdf_name("/SMask")] = self.smask.write(writer)
        return writer.add_object(generic.StreamObject(entries, encoded_data=self.data))


class PrecompressedImage(PdfImage):
    """A ``PdfImage`` whose XObject bytes come from an ``EncodedImage`` cache."""

    def __init__(self, image: Image.Image, encoded: EncodedImage) -> None:
        super().__init__(image)
        self._encoded = encoded

    @property
    def image_ref(self) -> generic.IndirectObject:
        """Return the XObject reference in the current writer, adding it once."""
        assert self.writer is not None
        ref = self._image_ref
        if ref is None or ref.get_pdf_handler() is not self.writer:  # type: ignore[no-untyped-call]
            ref = self._image_ref = self._encoded.write(self.writer)
        return ref

"""PDF/A-2b for the PDFs lexseal generates: an sRGB output intent and XMP that declares it.

A generated PDF (reportlab) becomes PDF/A-2b here, once, before anything signs it; later
incremental updates (signatures, validation data) keep the declaration: pyHanko updates the
Info dictionary and the XMP together. Fonts are the generator's business: it must embed them.
`servicekit.pdfa_check` lists what a file still violates.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

# Debian's icc-profiles-free ("sRGB.icc", ICC v2, no copyright): deploy/system-deps.sh installs it.
SRGB_ICC = Path("/usr/share/color/icc/sRGB.icc")
SRGB_CONDITION = "sRGB IEC61966-2.1"

# reportlab's TrueType fonts are process-wide, and subsetting one for a document moves the
# font file's shared read cursor (TTFontFile.makeSubset seeks and reads): two documents built
# at once in threads interleave there and fail with a KeyError, or could embed a wrong subset.
# Whoever builds a reportlab document with a TrueType font builds it under this lock.
REPORTLAB_LOCK = threading.Lock()

# Info dictionary key -> how the XMP writes its value (ISO 19005-2, 6.6.2.3.1)
# No /Producer: pyHanko appends itself to an Info /Producer but writes only itself to the XMP,
# which would break the match on the first signature; without one it writes the same to both.
_INFO_KEYS = ("/Title", "/Author", "/Subject", "/Keywords", "/Creator")
_DATE_KEYS = ("/CreationDate", "/ModDate")
_PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+\-])(\d{2})?'?(\d{2})?'?)?$"
)


class PdfaError(ValueError):
    """The PDF cannot be made PDF/A (missing ICC profile, unreadable input)."""

    code = "pdfa_failed"


def parse_pdf_date(value: str) -> datetime | None:
    """Return a PDF date string (``D:YYYYMMDDHHmmSSOHH'mm'``) as an aware datetime, or None."""
    m = _PDF_DATE.match(value.strip())
    if m is None:
        return None
    year, month, day, hour, minute, second, sign, tz_h, tz_m = m.groups()
    offset = timedelta(hours=int(tz_h or 0), minutes=int(tz_m or 0))
    tz = UTC if sign in (None, "Z", "z") else timezone(-offset if sign == "-" else offset)
    return datetime(
        int(year),
        int(month or 1),
        int(day or 1),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        tzinfo=tz,
    )


def xmp_date(value: datetime) -> str:
    """Return a datetime as XMP writes it (ISO 8601 with its offset)."""
    return value.isoformat(timespec="seconds")


def xmp_packet(info: dict[str, str], *, part: int = 2, conformance: str = "B") -> bytes:
    """Return an XMP packet declaring PDF/A-{part}{conformance} with the Info values in it."""
    fields: list[str] = [
        f"<pdfaid:part>{part}</pdfaid:part>",
        f"<pdfaid:conformance>{conformance}</pdfaid:conformance>",
    ]

    def alt(tag: str, text: str) -> str:
        body = f'<rdf:li xml:lang="x-default">{escape(text)}</rdf:li>'
        return f"<{tag}><rdf:Alt>{body}</rdf:Alt></{tag}>"

    if "/Title" in info:
        fields.append(alt("dc:title", info["/Title"]))
    if "/Author" in info:
        author = f"<rdf:li>{escape(info['/Author'])}</rdf:li>"
        fields.append(f"<dc:creator><rdf:Seq>{author}</rdf:Seq></dc:creator>")
    if "/Subject" in info:
        fields.append(alt("dc:description", info["/Subject"]))
    if "/Keywords" in info:
        fields.append(f"<pdf:Keywords>{escape(info['/Keywords'])}</pdf:Keywords>")
    if "/Creator" in info:
        fields.append(f"<xmp:CreatorTool>{escape(info['/Creator'])}</xmp:CreatorTool>")
    if "/Producer" in info:
        fields.append(f"<pdf:Producer>{escape(info['/Producer'])}</pdf:Producer>")
    for key, tag in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        when = parse_pdf_date(info[key]) if key in info else None
        if when is not None:
            fields.append(f"<{tag}>{xmp_date(when)}</{tag}>")
    body = "\n   ".join(fields)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        f"   {body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def _info_strings(reader: PdfReader) -> dict[str, str]:
    meta: dict[str, Any] = dict(reader.metadata or {})
    out: dict[str, str] = {}
    for key in (*_INFO_KEYS, *_DATE_KEYS):
        value = meta.get(key)
        if value is None:
            continue
        text = str(value.get_object() if hasattr(value, "get_object") else value)
        if text or key in _DATE_KEYS:
            out[key] = text
    return out


def to_pdfa2b(pdf_bytes: bytes, *, icc_path: Path = SRGB_ICC) -> bytes:
    """Return the PDF declared PDF/A-2b: sRGB output intent, XMP matching the Info dictionary.

    Run it on a freshly generated PDF whose fonts are embedded; it rewrites the file, so never
    on a signed one.
    """
    try:
        icc = icc_path.read_bytes()
    except OSError as exc:
        raise PdfaError(
            f"the sRGB ICC profile {icc_path} is missing (Debian package icc-profiles-free)"
        ) from exc
    reader = PdfReader(io.BytesIO(pdf_bytes))
    writer = PdfWriter(clone_from=reader)
    # The features used (transparency, output intents) are PDF 1.4+; PDF/A-2 reads 1.x up to 1.7.
    writer.pdf_header = b"%PDF-1.7"
    info = _info_strings(reader)
    # Only what the XMP mirrors stays in the Info dictionary (reportlab's /Trapped, /Producer go).
    writer._info = None  # type: ignore[assignment]  # pypdf then starts a fresh Info dictionary
    writer.add_metadata(info)

    profile = DecodedStreamObject()
    profile.set_data(icc)
    profile[NameObject("/N")] = NumberObject(3)
    profile_ref = writer._add_object(profile.flate_encode())
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(SRGB_CONDITION),
            NameObject("/Info"): TextStringObject(SRGB_CONDITION),
            NameObject("/DestOutputProfile"): profile_ref,
        }
    )
    root = writer.root_object
    root[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])

    # Left unfiltered: PDF/A wants the XMP readable by tools that know no PDF filters.
    metadata = DecodedStreamObject()
    metadata.set_data(xmp_packet(info))
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    root[NameObject("/Metadata")] = writer._add_object(metadata)

    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""Explicit checks of the PDF/A-2b requirements that apply to the PDFs lexseal produces.

No full validator (veraPDF is Java and in none of the registries this project installs from)
runs here, so each applicable clause of ISO 19005-2 is checked directly. `violations` returns
one line per failure, prefixed with the clause:

- 6.1.2   header ``%PDF-1.n`` (n ≤ 7), then a comment line of at least four bytes ≥ 128
- 6.1.3   trailer /ID present, no /Encrypt, nothing after the last %%EOF but an end of line
- 6.1.7   no stream refers to an external file (/F, /FFilter, /FDecodeParms)
- 6.2.2   an /OutputIntents entry /GTS_PDFA1 whose ICC profile is v2–v4, a monitor/printer
          class, with /N matching its colour space; every such entry uses the same profile
- 6.2.4.3 device colours only as the output intent allows (RGB intent: no DeviceCMYK in
          images, colour-space resources or content operators)
- 6.2.8   images carry no /Alternates, /OPI, and no /Interpolate true
- 6.2.11  every font used by a page, form XObject or annotation appearance is embedded
          (Type 3 excepted): base-14 fonts included
- 6.3     annotations: /F with Print set and Hidden/Invisible/NoView/ToggleNoView clear,
          an /AP with only /N when the annotation has an area; no forbidden subtypes
- 6.4.1   no /NeedAppearances true, no /XFA in the form
- 6.5/6.6 no JavaScript, no /Launch-type actions, no catalog /AA
- 6.6.2   catalog /Metadata: unfiltered XML stream declaring pdfaid:part 2 and conformance B,
          whose packet header has no bytes/encoding attributes
- 6.6.2.3 each Info entry (Title, Author, Subject, Keywords, Creator, Producer, CreationDate,
          ModDate) equals its XMP counterpart
- 6.8     no embedded files (PDF/A-2 allows only PDF/A attachments; lexseal adds none)
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject, StreamObject

from .pdfa import parse_pdf_date

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
_FORBIDDEN_ANNOTS = {"/3D", "/Sound", "/Screen", "/Movie", "/FileAttachment", "/RichMedia"}
_FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/JavaScript"}
_CMYK_OPS = {b"k", b"K"}


def _obj(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _xmp_fields(xml: bytes) -> dict[str, str]:
    """Return the simple XMP properties (element or attribute form) as 'prefix:Name' -> text."""
    # lexseal's own metadata, from files it generated or a test built: not untrusted input
    root = ElementTree.fromstring(xml)  # noqa: S314
    reverse = {uri: prefix for prefix, uri in _NS.items()}
    out: dict[str, str] = {}

    def name(tag: str) -> str | None:
        if not tag.startswith("{"):
            return None
        uri, local = tag[1:].split("}", 1)
        prefix = reverse.get(uri)
        return f"{prefix}:{local}" if prefix else None

    for desc in root.iter(f"{{{_NS['rdf']}}}Description"):
        for attr, value in desc.attrib.items():
            key = name(attr)
            if key:
                out[key] = value
        for child in desc:
            key = name(child.tag)
            if key is None:
                continue
            items = list(child.iter(f"{{{_NS['rdf']}}}li"))
            if items:
                default = [
                    li for li in items if li.get(f"{{{_NS['xml']}}}lang") == "x-default"
                ] or items
                out[key] = default[0].text or ""
                out[key + "#count"] = str(len(items))
            else:
                out[key] = child.text or ""
    return out


def _xmp_datetime(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _check_metadata(reader: PdfReader, root: DictionaryObject) -> Iterator[str]:
    meta = _obj(root.get("/Metadata"))
    if not isinstance(meta, StreamObject):
        yield "6.6.2: the catalog has no /Metadata stream"
        return
    if meta.get("/Type") != "/Metadata" or meta.get("/Subtype") != "/XML":
        yield "6.6.2: /Metadata is not /Type /Metadata /Subtype /XML"
    if "/Filter" in meta:
        yield "6.6.2: the /Metadata stream is filtered"
    data = meta.get_data()
    header = re.search(rb"<\?xpacket begin=[^>]*\?>", data)
    if header is None:
        yield "6.6.2: the XMP has no xpacket header"
    elif b"bytes=" in header.group(0) or b"encoding=" in header.group(0):
        yield "6.6.2: the xpacket header carries bytes/encoding attributes"
    try:
        fields = _xmp_fields(data)
    except ElementTree.ParseError as exc:
        yield f"6.6.2: the XMP is not well-formed XML: {exc}"
        return
    if fields.get("pdfaid:part") != "2":
        yield f"6.6.4: pdfaid:part is {fields.get('pdfaid:part')!r}, not 2"
    if (fields.get("pdfaid:conformance") or "").upper() != "B":
        yield f"6.6.4: pdfaid:conformance is {fields.get('pdfaid:conformance')!r}, not B"
    info = reader.trailer.get("/Info")
    info = _obj(info) if info is not None else {}
    pairs = {
        "/Title": "dc:title",
        "/Author": "dc:creator",
        "/Subject": "dc:description",
        "/Keywords": "pdf:Keywords",
        "/Creator": "xmp:CreatorTool",
        "/Producer": "pdf:Producer",
    }
    for key, prop in pairs.items():
        if key not in info:
            continue
        value = str(_obj(info[key]))
        if fields.get(prop) != value:
            yield f"6.6.2.3: Info {key} {value!r} differs from XMP {prop} {fields.get(prop)!r}"
        if key == "/Author" and fields.get(prop + "#count", "1") != "1":
            yield "6.6.2.3: XMP dc:creator must hold exactly one entry"
    for key, prop in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        if key not in info:
            continue
        info_date = parse_pdf_date(str(_obj(info[key])))
        xmp_date = _xmp_datetime(fields.get(prop, ""))
        if info_date is None or xmp_date is None or info_date != xmp_date:
            yield f"6.6.2.3: Info {key} {str(_obj(info[key]))!r} differs from XMP {prop}"


def _check_output_intents(root: DictionaryObject) -> Iterator[str]:
    intents = _obj(root.get("/OutputIntents"))
    pdfa = [
        _obj(i)
        for i in (intents if isinstance(intents, ArrayObject) else [])
        if _obj(i).get("/S") == "/GTS_PDFA1"
    ]
    if not pdfa:
        yield "6.2.2: no /GTS_PDFA1 output intent"
        return
    profiles = {_obj(i["/DestOutputProfile"]).get_data() for i in pdfa if "/DestOutputProfile" in i}
    if len(profiles) != 1:
        yield "6.2.2: output intents without one common /DestOutputProfile"
        return
    (icc,) = profiles
    if len(icc) < 128 or icc[36:40] != b"acsp":
        yield "6.2.2: /DestOutputProfile is not an ICC profile"
        return
    if not 2 <= icc[8] <= 4:
        yield f"6.2.2: ICC profile version {icc[8]} is outside 2..4"
    if icc[12:16] not in (b"mntr", b"prtr"):
        yield f"6.2.2: ICC profile class {icc[12:16]!r} is neither mntr nor prtr"
    space = {b"RGB ": 3, b"GRAY": 1, b"CMYK": 4}.get(icc[16:20])
    for intent in pdfa:
        if int(_obj(intent["/DestOutputProfile"]).get("/N", 0)) != space:
            yield "6.2.2: /N of the ICC profile does not match its colour space"


def _resources_of(holder: DictionaryObject) -> DictionaryObject:
    res = _obj(holder.get("/Resources"))
    return res if isinstance(res, DictionaryObject) else DictionaryObject()


class _Walker:
    """Visits pages, form XObjects and annotation appearances once each."""

    def __init__(self, reader: PdfReader) -> None:
        self.reader = reader
        self.seen: set[int] = set()
        self.problems: list[str] = []

    def visit_content(self, holder: Any, where: str) -> None:
        res = _resources_of(holder)
        self._fonts(res, where)
        self._colour_spaces(res, where)
        for name, xobj_ref in (_obj(res.get("/XObject")) or {}).items():
            xobj = _obj(xobj_ref)
            if id(xobj) in self.seen:
                continue
            self.seen.add(id(xobj))
            if xobj.get("/Subtype") == "/Image":
                self._image(xobj, f"{where} image {name}")
            elif xobj.get("/Subtype") == "/Form":
                self.visit_content(xobj, f"{where} form {name}")
                self._operators(xobj, f"{where} form {name}")
        for key in ("/F", "/FFilter", "/FDecodeParms"):
            if isinstance(holder, StreamObject) and key in holder:
                self.problems.append(f"6.1.7: {where} refers to an external file ({key})")

    def _operators(self, stream: Any, where: str) -> None:
        try:
            ops = ContentStream(stream, self.reader).operations
        except Exception as exc:  # a broken stream is a failure, not a crash of the checker
            self.problems.append(f"6.2.2: {where} has an unreadable content stream: {exc}")
            return
        for operands, op in ops:
            if op in _CMYK_OPS:
                self.problems.append(f"6.2.4.3: {where} paints DeviceCMYK ({op.decode()})")
            if op in (b"cs", b"CS") and operands and operands[0] == "/DeviceCMYK":
                self.problems.append(f"6.2.4.3: {where} selects DeviceCMYK")

    def _fonts(self, res: DictionaryObject, where: str) -> None:
        for name, font_ref in (_obj(res.get("/Font")) or {}).items():
            font = _obj(font_ref)
            if id(font) in self.seen:
                continue
            self.seen.add(id(font))
            subtype = font.get("/Subtype")
            if subtype == "/Type3":
                self.visit_content(font, f"{where} Type3 font {name}")
                continue
            target = font
            if subtype == "/Type0":
                target = _obj(_obj(font.get("/DescendantFonts"))[0])
            desc = _obj(target.get("/FontDescriptor"))
            embedded = isinstance(desc, DictionaryObject) and any(
                k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            if not embedded:
                self.problems.append(
                    f"6.2.11.4: {where} font {name} ({font.get('/BaseFont')}) is not embedded"
                )

    def _colour_spaces(self, res: DictionaryObject, where: str) -> None:
        for name, cs in (_obj(res.get("/ColorSpace")) or {}).items():
            if "DeviceCMYK" in str(_obj(cs)):
                self.problems.append(f"6.2.4.3: {where} colour space {name} uses DeviceCMYK")

    def _image(self, image: Any, where: str) -> None:
        if "DeviceCMYK" in str(image.get("/ColorSpace")):
            self.problems.append(f"6.2.4.3: {where} is DeviceCMYK")
        if image.get("/Interpolate") is True or str(image.get("/Interpolate")) == "True":
            self.problems.append(f"6.2.8: {where} has /Interpolate true")
        for key in ("/Alternates", "/OPI"):
            if key in image:
                self.problems.append(f"6.2.8: {where} has {key}")
        smask = _obj(image.get("/SMask"))
        if isinstance(smask, StreamObject):
            self._image(smask, f"{where} soft mask")


def _check_annotation(annot: DictionaryObject, where: str) -> Iterator[str]:
    subtype = annot.get("/Subtype")
    if subtype in _FORBIDDEN_ANNOTS:
        yield f"6.3.1: {where} is a {subtype} annotation"
    if subtype == "/Popup":
        return
    flags = int(annot.get("/F", 0))
    if not flags & 4:
        yield f"6.3.2: {where} does not have the Print flag"
    if flags & (1 | 2 | 32 | 256):
        yield f"6.3.2: {where} is hidden, invisible or not viewable (/F {flags})"
    rect = [float(v) for v in _obj(annot.get("/Rect", [0, 0, 0, 0]))]
    has_area = abs(rect[2] - rect[0]) > 0 and abs(rect[3] - rect[1]) > 0
    ap = _obj(annot.get("/AP"))
    if has_area and subtype != "/Link":
        if not isinstance(ap, DictionaryObject) or "/N" not in ap:
            yield f"6.3.3: {where} has an area but no normal appearance"
        elif set(ap.keys()) != {"/N"}:
            yield f"6.3.3: {where} appearance holds {sorted(ap.keys())}, only /N is allowed"
    action = _obj(annot.get("/A"))
    if isinstance(action, DictionaryObject) and action.get("/S") in _FORBIDDEN_ACTIONS:
        yield f"6.5.1: {where} has a {action.get('/S')} action"
    if "/AA" in annot:
        yield f"6.5.2: {where} has additional actions (/AA)"


def violations(pdf_bytes: bytes) -> list[str]:
    """Return every PDF/A-2b requirement the file breaks (empty: none of those checked)."""
    problems: list[str] = []
    if not re.match(rb"%PDF-1\.[0-7]\r?\n", pdf_bytes):
        problems.append("6.1.2: the header is not %PDF-1.n (n ≤ 7) on its own line")
    second = pdf_bytes.split(b"\n", 2)[1] if pdf_bytes.count(b"\n") >= 2 else b""
    if not (second.startswith(b"%") and sum(b > 127 for b in second[1:5]) == 4):
        problems.append("6.1.2: the second line is not a comment of four bytes ≥ 128")
    tail = pdf_bytes[pdf_bytes.rfind(b"%%EOF") + 5 :]
    if tail not in (b"", b"\n", b"\r\n", b"\r"):
        problems.append("6.1.3: data follows the last %%EOF")
    reader = PdfReader(io.BytesIO(pdf_bytes))
    if "/ID" not in reader.trailer:
        problems.append("6.1.3: the trailer has no /ID")
    if "/Encrypt" in reader.trailer:
        problems.append("6.1.3: the file is encrypted")
    root: DictionaryObject = reader.root_object
    problems += _check_metadata(reader, root)
    problems += _check_output_intents(root)
    names = _obj(root.get("/Names")) or {}
    if "/JavaScript" in names:
        problems.append("6.6.1: the catalog names JavaScript")
    if "/EmbeddedFiles" in names:
        problems.append("6.8: the file embeds files")
    if "/AA" in root:
        problems.append("6.5.2: the catalog has additional actions (/AA)")
    form = _obj(root.get("/AcroForm"))
    if isinstance(form, DictionaryObject):
        if form.get("/NeedAppearances") is True or str(form.get("/NeedAppearances")) == "True":
            problems.append("6.4.1: the form sets /NeedAppearances true")
        if "/XFA" in form:
            problems.append("6.4.2: the form carries XFA")
    walker = _Walker(reader)
    for number, page in enumerate(reader.pages, start=1):
        where = f"page {number}"
        if "/AA" in page:
            problems.append(f"6.5.2: {where} has additional actions (/AA)")
        walker.visit_content(page, where)
        contents = page.get_contents()
        if contents is not None:
            walker._operators(contents, where)
        for i, annot_ref in enumerate(_obj(page.get("/Annots")) or []):
            annot = _obj(annot_ref)
            a_where = f"{where} annotation {i + 1} ({annot.get('/Subtype')})"
            problems += _check_annotation(annot, a_where)
            ap = _obj(annot.get("/AP"))
            for state in (ap or {}).values():
                state = _obj(state)
                appearances = (
                    [state]
                    if isinstance(state, StreamObject)
                    else [_obj(s) for s in state.values()]
                )
                for appearance in appearances:
                    if id(appearance) not in walker.seen:
                        walker.seen.add(id(appearance))
                        walker.visit_content(appearance, f"{a_where} appearance")
                        walker._operators(appearance, f"{a_where} appearance")
    return problems + walker.problems


def pdffonts_unembedded(pdf_bytes: bytes) -> list[str]:
    """Return the fonts poppler's ``pdffonts`` lists as not embedded (a second, independent view).

    pdffonts reads every page's resources and its annotations' appearances.
    """
    result = subprocess.run(
        ["pdffonts", "-"], input=pdf_bytes, capture_output=True, check=True, timeout=60
    )
    rows = result.stdout.decode(errors="replace").splitlines()[2:]
    # columns: name type [type…] encoding emb sub uni object ID; read emb from the right
    return [row.split()[0] for row in rows if row.split()[-5] != "yes"]

"""The child-process half of PDF inspection: parses untrusted bytes under OS limits.

Only `pdf_inspect` should run it, through servicekit's bounded child runner
(`servicekit.pdflimits.run_limited`); it answers with plain tuples (`("ok", facts)` or
`("reject", code, details)`) so nothing clever crosses the boundary.
"""

import io
from collections.abc import Iterator
from typing import Any

from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NullObject
from servicekit.pdflimits import PDF_LIMITS, page_too_large, preload

from contract.adapters.pdf_page_content import analyse_page

Message = tuple[Any, ...]
# The first finding in this order names the rejection; the others go in its details.
_FINDING_ORDER = ("pdf_already_signed", "pdf_javascript", "pdf_embedded_files")
_NESTING_LIMIT = 64
preload(__name__)  # the bounded children start with pypdf and this module imported


def inspect_checked(data: bytes, max_pages: int) -> Message:
    """Inspect `data` (in a bounded child: `servicekit.pdflimits.run_limited`) into a message.

    Running out of memory or stack, or time, is the child runner's to report; a parser that
    gives up on the file says `pdf_corrupt` with the reason, never the parser's own text.
    """
    try:
        return inspect(data, max_pages=max_pages)
    except (MemoryError, RecursionError):
        raise
    except LimitReachedError:
        return ("reject", "pdf_corrupt", {"reason": "parser_limit"})
    except Exception as exc:  # any parser failure on untrusted input means "corrupt"
        return ("reject", "pdf_corrupt", {"reason": type(exc).__name__})


def inspect(data: bytes, *, max_pages: int) -> Message:
    """Return the inspection message for `data` (parsing in this process)."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except NotImplementedError:
        # pypdf reads only the standard (password) handler: anything else is encryption too,
        # e.g. a certificate-encrypted file (/Filter /Adobe.PubSec)
        return ("reject", "pdf_encrypted", {"handler": "other"})
    if reader.is_encrypted:
        return ("reject", "pdf_encrypted", {})
    declared = _declared_page_count(reader)
    if declared > max_pages:
        return ("reject", "pdf_too_many_pages", {"page_count": declared, "max_pages": max_pages})
    findings = _findings(reader)
    for code in _FINDING_ORDER:
        if code in findings:
            others = sorted(set(findings) - {code})
            return ("reject", code, {"found": findings[code], "also": others})
    page_count = len(reader.pages)
    if page_count == 0:
        return ("reject", "pdf_corrupt", {"reason": "no_pages"})
    if page_count > max_pages:
        return ("reject", "pdf_too_many_pages", {"page_count": page_count, "max_pages": max_pages})
    sizes, has_text, scans = [], [], []
    for number, page in enumerate(reader.pages, start=1):
        if too_large := _page_too_large(page):
            return ("reject", "pdf_page_too_large", {"page": number, **too_large})
        box = page.cropbox
        width, height = abs(float(box.width)), abs(float(box.height))
        if page.rotation % 180 == 90:
            width, height = height, width
        sizes.append((round(width, 2), round(height, 2)))
        content = analyse_page(page, reader)
        has_text.append(content.has_text)
        if content.scan_like:
            scans.append(number)
    facts = {
        "page_count": page_count,
        "catalog_version": str(reader.root_object.get("/Version", "")),
        "page_sizes": sizes,
        "has_text": has_text,
        "scan_suspect_pages": scans,
    }
    return ("ok", facts)


def _page_too_large(page: Any) -> dict[str, Any]:
    """Return why a page's boxes or /UserUnit are beyond the shared limits ({} when fine)."""
    unit_raw = page.get("/UserUnit", 1)
    try:
        resolved: Any = unit_raw.get_object() if isinstance(unit_raw, IndirectObject) else unit_raw
        unit = float(resolved)
    except (TypeError, ValueError):
        return {"reason": "user_unit"}
    for name, box in (("media_box", page.mediabox), ("crop_box", page.cropbox)):
        if page_too_large(float(box.width), float(box.height), unit):
            size = [round(abs(float(box.width)), 2), round(abs(float(box.height)), 2)]
            return {"box": name, "size_pt": size, "user_unit": unit,
                    "max_side_pt": PDF_LIMITS.max_page_side_pt}  # fmt: skip
    return {}


def _declared_page_count(reader: PdfReader) -> int:
    """Return /Root/Pages/Count, which is cheap to read before walking a hostile tree."""
    pages = reader.root_object.get("/Pages")
    count = pages.get_object().get("/Count", 0) if pages is not None else 0
    try:
        return max(int(count), 0)
    except (TypeError, ValueError):
        return 0


def _findings(reader: PdfReader) -> dict[str, str]:
    """Return the first reason found for each refusal, looking at every object in the file."""
    found: dict[str, str] = {}
    for obj in _all_objects(reader):
        for dictionary in _dictionaries(obj, depth=0):
            for code, reason in _judge(dictionary):
                found.setdefault(code, reason)
    return found


def _all_objects(reader: PdfReader) -> Iterator[Any]:
    # Walking the cross-reference table reaches every object, referenced or not,
    # including those packed in object streams, without following reference cycles.
    yield reader.trailer
    numbers = {(num, gen) for gen, entries in reader.xref.items() for num in entries}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    for num, gen in sorted(numbers):
        yield reader.get_object(IndirectObject(num, gen, reader))


def _dictionaries(obj: Any, depth: int) -> Iterator[DictionaryObject]:
    """Yield `obj` and the dictionaries nested in it directly (not via references)."""
    if depth > _NESTING_LIMIT:
        raise RecursionError("objects nested too deeply")
    if isinstance(obj, DictionaryObject):
        yield obj
        children: Any = obj.values()
    elif isinstance(obj, ArrayObject):
        children = obj
    else:
        return
    for child in children:
        if isinstance(child, (DictionaryObject, ArrayObject)):
            yield from _dictionaries(child, depth + 1)


def _judge(d: DictionaryObject) -> Iterator[tuple[str, str]]:
    if "/ByteRange" in d:
        yield "pdf_already_signed", "signature dictionary (/ByteRange)"
    if d.get("/FT") == "/Sig" and _present(d.get("/V")):
        yield "pdf_already_signed", "signed signature field"
    if "/DocMDP" in d:
        yield "pdf_already_signed", "certification permissions (/Perms /DocMDP)"
    if "/JS" in d or d.get("/S") == "/JavaScript":
        yield "pdf_javascript", "JavaScript action"
    if "/JavaScript" in d:
        yield "pdf_javascript", "document-level JavaScript (/Names /JavaScript)"
    if "/EmbeddedFiles" in d:
        yield "pdf_embedded_files", "embedded files name tree"
    if d.get("/Subtype") == "/FileAttachment":
        yield "pdf_embedded_files", "file attachment annotation"
    if "/EF" in d or d.get("/Type") == "/EmbeddedFile":
        yield "pdf_embedded_files", "embedded file stream"


def _present(value: Any) -> bool:
    resolved = value.get_object() if isinstance(value, IndirectObject) else value
    return resolved is not None and not isinstance(resolved, NullObject)

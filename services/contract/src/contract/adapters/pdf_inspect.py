"""Decides whether an uploaded contract PDF is acceptable, parsing it in a bounded child process.

Cheap checks (size, magic bytes, trailing %%EOF) run here; everything that parses the
untrusted file runs in a child with an address-space limit, a CPU limit and a wall-clock
timeout (the shared servicekit.pdflimits runner), so a hostile PDF costs one killed child,
never the service; a child ended from outside is retried once, then the upload is answered
503 (PdfInspectionUnavailable), never blamed on the PDF.
"""

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from servicekit.pdflimits import (
    PDF_LIMITS,
    PdfLimitExceeded,
    PdfWorkerFailed,
    PdfWorkerLost,
    run_limited,
)

from contract.adapters import pdf_inspect_worker

_MESSAGES: dict[str, tuple[str, str]] = {
    "pdf_too_large": ("文件超过大小上限。", "The file is larger than the upload limit."),
    "not_a_pdf": ("文件不是 PDF 格式。", "The file is not a PDF."),
    "pdf_corrupt": (
        "PDF 文件已损坏或不完整，无法读取。",
        "The PDF is damaged or incomplete and cannot be read.",
    ),
    "pdf_encrypted": (
        "PDF 已加密或设有密码，请上传未加密的文件。",
        "The PDF is encrypted or password-protected; upload an unencrypted copy.",
    ),
    "pdf_already_signed": (
        "PDF 已包含电子签名，请上传未签署的原始文件。",
        "The PDF already carries a digital signature; upload the unsigned original.",
    ),
    "pdf_javascript": (
        "PDF 含有脚本（JavaScript），出于安全原因不予接受。",
        "The PDF contains JavaScript, which is not accepted for security reasons.",
    ),
    "pdf_embedded_files": (
        "PDF 含有嵌入的附件文件，请移除后再上传。",
        "The PDF contains embedded file attachments; remove them and upload again.",
    ),
    "pdf_too_many_pages": ("PDF 页数超过上限。", "The PDF has more pages than allowed."),
    "pdf_page_too_large": (
        "PDF 页面尺寸超过上限（或设置了 /UserUnit 放大）。",
        "A page of the PDF is larger than allowed (or scaled up by /UserUnit).",
    ),
    "pdf_timeout": (
        "PDF 结构过于复杂，无法在限定时间内完成检查。",
        "The PDF is too complex to check in the time allowed.",
    ),
}
_HTTP_STATUS = {"pdf_too_large": 413}
_HEADER = re.compile(rb"%PDF-(\d\.\d)")
_VERSION = re.compile(r"/?(\d\.\d)")
# Readers look for %%EOF this close to the end; its absence means a cut-off upload.
_EOF_WINDOW = 1024
_SNIFF = ((b"PK\x03\x04", "zip"), (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"),
          (b"\xd0\xcf\x11\xe0", "ole"))  # fmt: skip


class PdfRejected(Exception):
    """An upload is not an acceptable contract PDF; `code` is stable, messages are for people."""

    def __init__(
        self, code: str, message_zh: str, message_en: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details or {}
        self.status_code = _HTTP_STATUS.get(code, 422)

    @classmethod
    def of(cls, code: str, **details: Any) -> "PdfRejected":
        """Build the rejection for `code` with its standard messages."""
        message_zh, message_en = _MESSAGES[code]
        return cls(code, message_zh, message_en, details)


class PdfInspectionUnavailable(Exception):
    """The child inspecting an upload was ended from outside twice (e.g. the service stopping).

    Not the PDF's fault: answer 503 with Retry-After, never `pdf_corrupt`.
    """

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the PDF inspection worker was lost (exit code {exitcode})")
        self.exitcode = exitcode


@dataclass(frozen=True, slots=True)
class PageSize:
    """A page's visible size in points, as displayed (after /Rotate)."""

    width: float
    height: float


@dataclass(frozen=True, slots=True)
class PdfInspection:
    """What an accepted PDF is; `scan_suspect_pages` (1-based) look like scanned paper."""

    page_count: int
    sha256: str
    size: int
    pdf_version: str
    page_sizes: list[PageSize] = field(default_factory=list)
    has_text: list[bool] = field(default_factory=list)
    scan_suspect_pages: list[int] = field(default_factory=list)


def inspect_pdf(
    data: bytes, *, max_bytes: int, max_pages: int, timeout_s: float = 10, memory_mb: int = 512
) -> PdfInspection:
    """Return facts about an acceptable PDF or raise PdfRejected saying why it is not."""
    if len(data) > max_bytes:
        raise PdfRejected.of("pdf_too_large", size=len(data), max_bytes=max_bytes)
    header = _HEADER.match(data)
    if header is None:
        raise PdfRejected.of("not_a_pdf", detected=_sniff(data))
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise PdfRejected.of("pdf_corrupt", reason="truncated")
    facts = _run_worker(data, max_pages=max_pages, timeout_s=timeout_s, memory_mb=memory_mb)
    return PdfInspection(
        page_count=facts["page_count"],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        pdf_version=_newer(header.group(1).decode(), facts["catalog_version"]),
        page_sizes=[PageSize(width, height) for width, height in facts["page_sizes"]],
        has_text=list(facts["has_text"]),
        scan_suspect_pages=list(facts["scan_suspect_pages"]),
    )


def _run_worker(data: bytes, *, max_pages: int, timeout_s: float, memory_mb: int) -> dict[str, Any]:
    limits = replace(
        PDF_LIMITS,
        timeout_s=timeout_s,
        cpu_s=math.ceil(timeout_s) + 1,
        memory_bytes=memory_mb * 1024 * 1024,
    )
    try:
        message = run_limited(pdf_inspect_worker.inspect_checked, data, max_pages, limits=limits)
    except PdfWorkerLost as exc:
        # ended from outside twice (the service stopping mid-upload): not the PDF's fault
        raise PdfInspectionUnavailable(exc.exitcode) from None
    except PdfWorkerFailed as exc:
        if exc.reason == "worker_crashed":  # died by itself: the parser on this file
            raise PdfRejected.of("pdf_corrupt", reason=exc.reason, exitcode=exc.exitcode) from None
        raise PdfRejected.of("pdf_corrupt", reason=exc.error or exc.reason) from None
    except PdfLimitExceeded as exc:
        if exc.reason == "timeout":
            raise PdfRejected.of("pdf_timeout", timeout_s=timeout_s) from None
        raise PdfRejected.of("pdf_corrupt", reason=exc.reason) from None
    if message[0] == "reject":
        code, details = message[1], message[2]
        raise PdfRejected.of(code, **details)
    facts: dict[str, Any] = message[1]
    return facts


def _newer(header_version: str, catalog_version: str) -> str:
    # A catalog /Version newer than the header wins (ISO 32000-1 §7.2.2).
    match = _VERSION.fullmatch(catalog_version)
    if match is None:
        return header_version
    return max(header_version, match.group(1), key=lambda v: tuple(map(int, v.split("."))))


def _sniff(data: bytes) -> str:
    return next((kind for magic, kind in _SNIFF if data.startswith(magic)), "unknown")

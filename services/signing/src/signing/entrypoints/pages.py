"""Server-rendered HTML: the verification page, the signer's page and its sandbox face check."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources
from string import Template

from pades.verify import VerificationReport

from ..service_layer.verification import CodeVerdict
from . import verify_render


@lru_cache
def _template(name: str) -> Template:
    return Template(
        resources.files("signing").joinpath("templates", name).read_text(encoding="utf-8")
    )


def verify_page(v: CodeVerdict, *, lang: str) -> str:
    """Render the public verification result of one document (by its QR code)."""
    return verify_render.render(
        template=_template("verify.html"),
        lang=lang,
        report=v.report,
        title=v.envelope.title,
        status=v.envelope.status,
        sha256=v.envelope.current_sha256,
        signers=[s for s in v.signers if s.signed_at is not None],
    )


def verify_upload_page(report: VerificationReport, *, filename: str, sha256: str, lang: str) -> str:
    """Render the verification result of an uploaded file: the same page as by code."""
    title = f"{verify_render.catalogue(lang)['v.uploaded']}：{filename}"
    return verify_render.render(
        template=_template("verify.html"),
        lang=lang,
        report=report,
        title=title,
        status=None,
        sha256=sha256,
        signers=[],
    )


def sign_page(*, title: str) -> str:
    """Render the signer's page shell; its script loads everything else by token."""
    return _template("sign.html").substitute(title=title)


def face_sandbox_page() -> str:
    """Render the sandbox face-check provider's page (its script does the rest)."""
    return _template("face_sandbox.html").template


def message_page(text: str, sub: str = "", *, lang: str = "zh") -> str:
    """Render a short page that says why a link cannot be used, in the reader's language."""
    return _template("message.html").substitute(
        text=escape(text), sub=escape(sub), html_lang="en" if lang == "en" else "zh-CN"
    )


def not_found_page(lang: str = "zh") -> str:
    """Render the page for an unknown verification code."""
    return message_page(verify_render.catalogue(lang)["v.not_found"], lang=lang)

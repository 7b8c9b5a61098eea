"""Server-rendered HTML: the verification page and the signer's page."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources
from string import Template

from ..service_layer.verification import CodeVerdict

_METHOD = {
    "face": "人脸识别 Face check",
    "micro_deposit": "对公打款 Bank micro-deposit",
    "firm_key": "律所证书 Firm key",
}


@lru_cache
def _template(name: str) -> Template:
    return Template(
        resources.files("signing").joinpath("templates", name).read_text(encoding="utf-8")
    )


def _yes(ok: bool) -> str:
    return '<b class="ok">是 Yes</b>' if ok else '<b class="bad">否 No</b>'


def verify_page(v: CodeVerdict) -> str:
    """Render the public verification result of one document."""
    r = v.report
    signed = [s for s in v.signers if s.signed_at is not None]
    signer_rows = (
        "".join(
            f"<tr><td>{escape(s.name)}</td>"
            f"<td>{escape(_METHOD.get(s.method or '', s.method or '-'))}"
            f"{' (sandbox 沙箱)' if s.sandbox else ''}</td>"
            f"<td>{s.signed_at:%Y-%m-%d %H:%M:%S} UTC</td></tr>"
            for s in signed
            if s.signed_at is not None
        )
        or '<tr><td colspan="3">尚无签章 No signature yet</td></tr>'
    )
    sig_rows = "".join(
        f"<tr><td>{escape(x.signer_name or '?')}</td>"
        f"<td>{x.timestamp_time or x.signing_time or '-'}</td>"
        f"<td>{_yes(x.intact)}</td><td>{_yes(x.trusted)}</td><td>{_yes(not x.modified_after)}</td>"
        f"<td><small>{'<br>'.join(escape(c) for c in x.chain)}</small></td></tr>"
        for x in r.signatures
    )
    if r.valid:
        verdict = (
            '<p class="ok big">✔ 文件完整，签名有效<br>'
            "<small>The file is intact and every signature is valid</small></p>"
        )
    else:
        reason = escape(r.reason.message) if r.reason else ""
        code = r.reason.code if r.reason else ""
        verdict = (
            f'<p class="bad big">✘ 验签未通过<br>'
            f"<small>Not valid: {reason} ({escape(code)})</small></p>"
            if code != "no_signatures"
            else '<p class="big">文件尚未签章<br><small>Not signed yet</small></p>'
        )
    return _template("verify.html").substitute(
        title=escape(v.envelope.title),
        status=escape(v.envelope.status),
        verdict=verdict,
        signer_rows=signer_rows,
        sig_rows=sig_rows,
        sha256=v.envelope.current_sha256,
    )


def sign_page(*, title: str) -> str:
    """Render the signer's page shell; its script loads everything else by token."""
    return _template("sign.html").substitute(title=title)


def message_page(zh: str, en: str) -> str:
    """Render a short page that tells the signer why the link cannot be used."""
    return _template("message.html").substitute(zh=escape(zh), en=escape(en))


def not_found_page() -> str:
    """Render the page for an unknown verification code."""
    return message_page("未找到该验签码对应的文件", "No document has this verification code")

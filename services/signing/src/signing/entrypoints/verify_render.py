"""The public verification page in the reader's language: a verdict, one card per signature."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from html import escape
from importlib import resources
from string import Template

from pades.verify import SignatureReport, VerificationReport

from ..adapters.tables import EnvelopeSigner
from ..domain.model import SHANGHAI

LANGS = ("zh", "en")


@lru_cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the message catalogue of a language (the same files the pages' scripts read)."""
    node = resources.files("signing").joinpath("static", "i18n", f"{lang}.json")
    data: dict[str, str] = json.loads(node.read_text(encoding="utf-8"))
    return data


def language(cookie: str | None) -> str:
    """Return the chosen language: English only when the remembered switch says so."""
    return "en" if cookie == "en" else "zh"


def beijing(moment: datetime | None) -> str:
    """Return a moment in Beijing time to the second, or ''."""
    return "" if moment is None else moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _issuer(chain: tuple[str, ...]) -> str:
    """Return the issuing CA's common name from the chain (signer first), else ''."""
    if len(chain) < 2:
        return ""
    m = re.search(r"Common Name: ([^,]+)", chain[1])
    return m.group(1).strip() if m else chain[1]


def _badge(ok: bool, label: str, t: dict[str, str]) -> str:
    cls, word = ("ok", t["v.yes"]) if ok else ("bad", t["v.no"])
    return f'<span class="badge {cls}">{escape(label)}：{word}</span>'


def _card(x: SignatureReport, signer: EnvelopeSigner | None, t: dict[str, str]) -> str:
    who = escape(x.signer_name or (signer.name if signer else "?"))
    when = beijing(x.timestamp_time or x.signing_time)
    rows = [(t["v.signed_at"], escape(when) or "—")]
    if signer is not None and signer.method:
        method = t.get(f"method.{signer.method}", signer.method)
        rows.append((t["v.method"], escape(method) + (t["v.sandbox"] if signer.sandbox else "")))
    rows.append((t["v.issuer"], escape(_issuer(x.chain)) or "—"))
    ts = beijing(x.timestamp_time)
    rows.append((t["v.timestamp"], escape(ts) if ts else t["v.no_timestamp"]))
    if x.revocation is not None:
        rows.append((t["v.revoked"], escape(beijing(x.revocation.effective_from))))
    facts = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    badges = (
        _badge(x.intact, t["v.intact"], t)
        + _badge(x.trusted, t["v.trusted"], t)
        + _badge(not x.modified_after, t["v.unmodified"], t)
    )
    problem = ""
    if x.problem is not None:
        text = t.get(f"problem.{x.problem.code}", x.problem.message)
        problem = f'<p class="alert error">{escape(text)}</p>'
    chain = "".join(f"<li><code>{escape(c)}</code></li>" for c in x.chain)
    tech = (
        f'<details><summary>{t["v.details"]}</summary><dl class="facts">'
        f"<dt>{t['v.field']}</dt><dd><code>{escape(x.field_name)}</code></dd>"
        f"<dt>{t['v.serial']}</dt><dd><code>{escape(x.certificate_serial or '')}</code></dd>"
        f"<dt>{t['v.coverage']}</dt><dd>{escape(x.coverage or '')}</dd>"
        + (
            f"<dt>{t['v.problem']}</dt><dd><code>{escape(x.problem.code)}</code></dd>"
            if x.problem
            else ""
        )
        + f"</dl><p>{t['v.chain']}</p><ol>{chain}</ol></details>"
    )
    return (
        f'<section class="card sig"><div class="who">{who}</div>'
        f'<dl class="facts">{facts}</dl><div class="badges">{badges}</div>{problem}{tech}</section>'
    )


def _verdict(r: VerificationReport, t: dict[str, str]) -> str:
    if r.valid:
        return (
            f'<section class="card verdict ok"><div class="mark">✔</div><div>'
            f'<h1>{t["v.valid"]}</h1><p class="muted">{t["v.valid_sub"]}</p></div></section>'
        )
    code = r.reason.code if r.reason else ""
    if code == "no_signatures":
        return (
            f'<section class="card verdict none"><div class="mark">○</div><div>'
            f'<h1>{t["v.unsigned"]}</h1><p class="muted">{t["v.unsigned_sub"]}</p></div></section>'
        )
    reason = t.get(f"problem.{code}", r.reason.message if r.reason else "")
    return (
        f'<section class="card verdict bad"><div class="mark">✘</div><div>'
        f"<h1>{t['v.invalid']}</h1><p>{escape(reason)}</p>"
        f'<p class="muted"><code>{escape(code)}</code></p></div></section>'
    )


def render(
    *,
    template: Template,
    lang: str,
    report: VerificationReport,
    title: str,
    status: str | None,
    sha256: str,
    signers: list[EnvelopeSigner],
) -> str:
    """Render the verification page of one document (by code, or an uploaded file)."""
    t = catalogue(lang)
    by_name = {s.name: s for s in signers}
    cards = "".join(_card(x, by_name.get(x.signer_name or ""), t) for x in report.signatures)
    if not cards:
        cards = f'<section class="card"><p class="muted">{t["v.none"]}</p></section>'
    facts = [(t["v.document"], f"<b>{escape(title)}</b>")]
    if status is not None:
        facts.append((t["v.doc_status"], escape(t.get(f"status.{status}", status))))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    document = (
        f'<section class="card"><dl class="facts">{dl}</dl><details><summary>{t["v.sha256"]}'
        f"</summary><code>{escape(sha256)}</code></details></section>"
    )
    other = "zh" if lang == "en" else "en"
    values = {
        "html_lang": "en" if lang == "en" else "zh-CN",
        "page_title": t["v.title"],
        "heading": t["v.heading"],
        "other_lang": other,
        "other_label": "中文" if other == "zh" else "English",
        "verdict": _verdict(report, t),
        "document": document,
        "signatures_title": t["v.signatures"],
        "cards": cards,
        "upload_title": t["v.upload"],
        "upload_hint": t["v.upload_hint"],
        "upload_btn": t["v.upload_btn"],
        "root": t["v.root"],
    }
    return template.substitute(values)

"""The recipient's HTML page for a shared letter: Chinese by default, English when chosen.

Its texts come from one message catalogue per language (letters/i18n/zh.json, en.json), in the
format the signer and verify pages use; the language is the one the site-wide switch remembered
(the `lexseal_lang` cookie), and the page offers the switch itself as a plain link.
"""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from importlib import resources

from ..adapters.render import format_letter_date
from ..adapters.tables import Letter

LANGS = ("zh", "en")
LANG_COOKIE = "lexseal_lang"

_STYLE = (
    "body{font-family:sans-serif;max-width:720px;margin:2em auto;padding:0 1em;color:#222}"
    "dt{color:#666;margin-top:.6em}dd{margin:0;font-size:1.1em}"
    "a.btn{display:inline-block;margin-top:1em;padding:.6em 1.2em;background:#a61b1b;"
    "color:#fff;text-decoration:none;border-radius:4px}"
    "a.lang{float:right;color:#a61b1b}"
    "embed{width:100%;height:80vh;margin-top:1em;border:1px solid #ccc}"
    "img.page{display:block;width:100%;height:auto;margin-top:1em;border:1px solid #ccc;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}"
)


@lru_cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the share page's message catalogue of a language."""
    node = resources.files("letters").joinpath("i18n", f"{lang if lang in LANGS else 'zh'}.json")
    data: dict[str, str] = json.loads(node.read_text(encoding="utf-8"))
    return data


def language(query: str | None, cookie: str | None) -> str:
    """Return the page's language: the switch's choice in the query, else the remembered one."""
    for chosen in (query, cookie):
        if chosen in LANGS:
            return chosen
    return "zh"


def _head(lang: str, title: str) -> str:
    html_lang = "en" if lang == "en" else "zh-CN"
    return (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
    )


def _switch(lang: str) -> str:
    other = "zh" if lang == "en" else "en"
    label = catalogue(lang)["share.switch"]
    return f'<a class="lang" id="lang" href="?lang={other}" lang="{other}">{escape(label)}</a>'


def render_share_page(
    letter: Letter,
    *,
    firm_name: str,
    pdf_url: str,
    page_urls: list[str] | None = None,
    lang: str = "zh",
) -> str:
    """Return the page showing the letter's essentials, its pages and a download link."""
    t = catalogue(lang)
    when = letter.letter_date
    date = when.isoformat() if lang == "en" else format_letter_date(when)
    rows = [
        (t["share.number"], letter.number or ""),
        (t["share.to"], letter.recipient_org),
        (t["share.cause"], letter.cause_of_action),
        (t["share.date"], date),
        (t["share.from"], firm_name),
    ]
    if letter.verify_url:
        rows.append((t["share.verify"], letter.verify_url))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    url = escape(pdf_url, quote=True)
    if page_urls:
        # images, not an embedded PDF: phone browsers and WeChat show no inline PDF
        total = len(page_urls)
        shown = "".join(
            f'<img class="page" src="{escape(src, quote=True)}" loading="lazy" '
            f'alt="{escape(t["share.page_of"].format(n=n, total=total), quote=True)}">'
            for n, src in enumerate(page_urls, start=1)
        )
    else:
        shown = f'<embed src="{url}" type="application/pdf">'
    heading = f"{firm_name} {t['share.letter']}"
    return (
        _head(lang, f"{heading} {letter.number or ''}".strip())
        + f"{_switch(lang)}<h1>{escape(heading)}</h1><dl>{items}</dl>"
        + f'<a class="btn" href="{url}" download>{escape(t["share.download"])}</a>'
        + f"{shown}</body></html>"
    )


def render_unavailable_page(lang: str = "zh") -> str:
    """Return the page shown for an unknown, expired or revoked link."""
    t = catalogue(lang)
    return (
        _head(lang, t["share.gone_title"])
        + f"{_switch(lang)}<h1>{escape(t['share.gone_title'])}</h1>"
        + f"<p>{escape(t['share.gone_text'])}</p></body></html>"
    )

"""The recipient's HTML page for a shared letter, in Chinese."""

from __future__ import annotations

from html import escape

from ..adapters.render import format_letter_date
from ..adapters.tables import Letter

_STYLE = (
    "body{font-family:sans-serif;max-width:720px;margin:2em auto;padding:0 1em;color:#222}"
    "dt{color:#666;margin-top:.6em}dd{margin:0;font-size:1.1em}"
    "a.btn{display:inline-block;margin-top:1em;padding:.6em 1.2em;background:#a61b1b;"
    "color:#fff;text-decoration:none;border-radius:4px}"
    "embed{width:100%;height:80vh;margin-top:1em;border:1px solid #ccc}"
    "img.page{display:block;width:100%;height:auto;margin-top:1em;border:1px solid #ccc;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}"
)


def render_share_page(
    letter: Letter, *, firm_name: str, pdf_url: str, page_urls: list[str] | None = None
) -> str:
    """Return the page showing the letter's essentials, its pages and a download link."""
    rows = [
        ("函号", letter.number or ""),
        ("致", letter.recipient_org),
        ("案由", letter.cause_of_action),
        ("出函日期", format_letter_date(letter.letter_date)),
        ("出函单位", firm_name),
    ]
    if letter.verify_url:
        rows.append(("验证", letter.verify_url))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    url = escape(pdf_url, quote=True)
    if page_urls:
        # images, not an embedded PDF: phone browsers and WeChat show no inline PDF
        total = len(page_urls)
        shown = "".join(
            f'<img class="page" src="{escape(src, quote=True)}" loading="lazy" '
            f'alt="第 {n} 页，共 {total} 页">'
            for n, src in enumerate(page_urls, start=1)
        )
    else:
        shown = f'<embed src="{url}" type="application/pdf">'
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(firm_name)} 所函 {escape(letter.number or '')}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(firm_name)} 所函</h1><dl>{items}</dl>"
        f'<a class="btn" href="{url}" download>下载函件（PDF）</a>'
        f"{shown}"
        "</body></html>"
    )


def render_unavailable_page() -> str:
    """Return the page shown for an unknown, expired or revoked link."""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>链接已失效</title>'
        "</head><body><h1>链接已失效</h1><p>该分享链接不存在、已过期或已被撤销，"
        "请联系发送方重新分享。</p></body></html>"
    )

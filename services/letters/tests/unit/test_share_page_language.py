"""The shared letter's page in the reader's language: Chinese by default, English when chosen."""

from __future__ import annotations

import re
from datetime import date

from letters.adapters.tables import Letter
from letters.entrypoints.share_page import (
    catalogue,
    language,
    render_share_page,
    render_unavailable_page,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _letter() -> Letter:
    return Letter(
        kind="electronic",
        case_serial_no="MS-2026-000123",
        cause_of_action="Loan dispute",
        letter_type="函",
        recipient_org="Acme Ltd",
        letter_date=date(2026, 11, 29),
        number="L-0001",
    )


def _fixed_texts(html: str) -> str:
    """The page without the letter's own data (which stays as the lawyer wrote it)."""
    return html.replace("Loan dispute", "").replace("Acme Ltd", "").replace("L-0001", "")


def test_the_choice_in_the_query_wins_then_the_remembered_cookie_then_chinese() -> None:
    assert language("en", "zh") == "en"
    assert language(None, "en") == "en"
    assert language(None, None) == "zh"
    assert language("xx", "yy") == "zh"


def test_the_english_page_has_no_chinese_fixed_text_and_offers_chinese() -> None:
    urls = ["https://x/p/1.png", "https://x/p/2.png"]
    html = render_share_page(
        _letter(), firm_name="Example LLP", pdf_url="https://x/d.pdf", page_urls=urls, lang="en"
    )
    rest = _fixed_texts(html).replace('lang="zh">中文', "")
    assert CJK.search(rest) is None, rest
    assert '<html lang="en">' in html and 'alt="Page 2 of 2"' in html
    assert "<dd>2026-11-29</dd>" in html and "Download the letter (PDF)" in html
    assert 'href="?lang=zh"' in html


def test_the_chinese_page_is_the_default_and_offers_english() -> None:
    html = render_share_page(_letter(), firm_name="某所", pdf_url="https://x/d.pdf")
    assert '<html lang="zh-CN">' in html and "下载函件（PDF）" in html and "2026年" in html
    assert 'href="?lang=en"' in html


def test_the_unavailable_page_follows_the_language() -> None:
    assert "链接已失效" in render_unavailable_page()
    english = render_unavailable_page("en")
    assert "no longer works" in english and CJK.search(english.replace("中文", "")) is None


def test_both_catalogues_hold_the_same_keys_and_placeholders() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en)
    for key in zh:
        assert set(re.findall(r"\{\w+\}", zh[key])) == set(re.findall(r"\{\w+\}", en[key])), key

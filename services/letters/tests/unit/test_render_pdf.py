"""The rendered letter is a valid, self-contained A4 PDF whose Chinese text survives extraction."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import letters
import pytest
from letters.adapters.render import UnrenderableTextError
from pypdf import PdfReader
from servicekit.pdfa_check import pdffonts_unembedded, violations
from servicekit.testing import missing_tool

A4 = (595.28, 841.89)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_tool(f"{name} is not installed")
    return path


def _flat(text: str) -> str:
    # CJK lines wrap anywhere, so compare text with line breaks and spaces removed.
    return "".join(text.split())


def test_pdf_passes_qpdf_check_and_opens_in_pypdf(letter_pdf: bytes, tmp_path: Path) -> None:
    src = tmp_path / "letter.pdf"
    src.write_bytes(letter_pdf)
    result = subprocess.run([_tool("qpdf"), "--check", str(src)], capture_output=True, check=False)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    reader = PdfReader(io.BytesIO(letter_pdf))
    assert len(reader.pages) == 1
    assert reader.metadata is not None and reader.metadata.author == "北京某某律师事务所"


def test_every_page_is_a4(long_letter_pdf: bytes) -> None:
    for page in PdfReader(io.BytesIO(long_letter_pdf)).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            A4, abs=0.01
        )


def test_only_font_is_the_embedded_cjk_subset(letter_pdf: bytes) -> None:
    result = subprocess.run(
        [_tool("pdffonts"), "-"], input=letter_pdf, capture_output=True, check=True
    )
    rows = result.stdout.decode().splitlines()[2:]
    assert len(rows) == 1, rows  # no stray Helvetica or STSong-Light that would not render
    name, *_cols = rows[0].split()
    assert "WenQuanYiMicroHei" in name
    assert rows[0].split()[-5:-2] == ["yes", "yes", "yes"]  # emb, sub, uni


def test_font_file_is_inside_the_pdf(letter_pdf: bytes) -> None:
    page = PdfReader(io.BytesIO(letter_pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    descriptors = [fonts[key].get_object()["/FontDescriptor"] for key in fonts]
    assert descriptors and all("/FontFile2" in d for d in descriptors)


def test_chinese_text_extracts(letter_pdf: bytes, pdf_text: Callable[..., str]) -> None:
    text = _flat(pdf_text(letter_pdf))
    for expected in (
        "北京某某律师事务所",
        "律师事务所函",
        "（2026）某律函字第0001号",
        "致：北京市朝阳区人民法院：",
        "本所接受委托人张三的委托",
        "特此函告。",
        "民间借贷纠纷",
        "MS-2026-000123",
        "王五",
        "11101201510123456",
        "2026年11月29日",
    ):
        assert expected in text, expected


def test_firm_name_and_date_sit_at_bottom_right_inside_the_seal_box(
    letter_pdf: bytes, text_runs: Callable[[bytes, int], list[tuple[float, float, str]]]
) -> None:
    from letters.adapters.render import seal_box

    page_index, (x1, y1, x2, y2) = seal_box(1)
    runs = text_runs(letter_pdf, page_index)
    ((date_x, date_y),) = [(x, y) for x, y, t in runs if t == "2026年11月29日"]
    body_y = min(y for x, y, t in runs if "特此函告" in t)
    assert date_y < A4[1] / 3 < body_y
    assert x1 < date_x < x2 and y1 < date_y < y2
    assert date_x > A4[0] / 2


def test_nothing_is_printed_where_the_qr_goes(
    long_letter_pdf: bytes,
    text_runs: Callable[[bytes, int], list[tuple[float, float, str]]],
    pages_of: Callable[[bytes], int],
) -> None:
    from letters.adapters.render import qr_box

    count = pages_of(long_letter_pdf)
    for page_index in range(count):
        _, (x1, y1, x2, y2) = qr_box(count)
        for x, y, text in text_runs(long_letter_pdf, page_index):
            assert not (x1 - 1 <= x <= x2 and y1 <= y <= y2 + 4), (page_index, text)


def test_long_body_flows_with_footer_on_last_page_only(
    long_letter_pdf: bytes, pdf_text: Callable[..., str], pages_of: Callable[[bytes], int]
) -> None:
    count = pages_of(long_letter_pdf)
    assert count >= 2
    pages = [_flat(pdf_text(long_letter_pdf, page=n)) for n in range(1, count + 1)]
    assert sum(p.count("特此函告。") for p in pages) == 8  # no paragraph lost at a break
    assert all("2026年11月29日" not in p for p in pages[:-1])
    assert "2026年11月29日" in pages[-1]
    assert f"第{count}页/共{count}页" in pages[-1]
    # later pages repeat the number in a running header, so a swapped page stands out
    assert all("（2026）某律函字第0001号" in p for p in pages[1:])


def test_signature_alone_on_a_page_says_no_text_follows(
    render_pdf: Callable[..., bytes],
    make_letter: Callable[..., Any],
    pdf_text: Callable[..., str],
    pages_of: Callable[[bytes], int],
) -> None:
    # Grow the body one short line at a time until the signature spills onto a page of its own.
    for lines in range(8, 40):
        pdf = render_pdf(make_letter(body="\n".join(f"第{i}段。" for i in range(lines))))
        last = _flat(pdf_text(pdf, page=pages_of(pdf)))
        if pages_of(pdf) == 2 and "段。" not in last and "张三" not in last:
            assert "（此页无正文）" in last and "2026年11月29日" in last
            return
    pytest.fail("never produced a signature-only page")


def _page_texts(pdf: bytes) -> list[str]:
    # pypdf, unlike pdftotext, also extracts the diagonal watermark.
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_preview_has_watermark_on_every_page_and_no_number(
    render_pdf: Callable[..., bytes], make_letter: Callable[..., Any]
) -> None:
    pages = _page_texts(render_pdf(make_letter(number=None, body="\n".join(["预览正文。"] * 40))))
    assert len(pages) >= 2
    assert all("预览 / PREVIEW — 未审批" in text for text in pages)
    assert not any("某律函字" in text for text in pages)


def test_approved_letter_has_no_watermark(letter_pdf: bytes) -> None:
    assert not any("PREVIEW" in text or "预览" in text for text in _page_texts(letter_pdf))


def test_preview_breaks_pages_like_the_final_letter(
    render_pdf: Callable[..., bytes],
    make_letter: Callable[..., Any],
    pages_of: Callable[[bytes], int],
) -> None:
    body = "\n".join(["这是一段用于测试分页的正文。"] * 22)
    final = render_pdf(make_letter(body=body))
    preview = render_pdf(make_letter(body=body, number=None))
    assert pages_of(final) == pages_of(preview)


def test_same_input_gives_identical_bytes(
    letter_pdf: bytes, render_pdf: Callable[..., bytes], make_letter: Callable[..., Any]
) -> None:
    assert render_pdf() == letter_pdf
    assert render_pdf(make_letter(number="（2026）某律函字第0002号")) != letter_pdf


def test_markup_in_user_text_prints_literally(
    render_pdf: Callable[..., bytes], make_letter: Callable[..., Any], pdf_text: Callable[..., str]
) -> None:
    text = _flat(pdf_text(render_pdf(make_letter(body="甲方<b>乙方</b>&丙方", matter="A&B<i>"))))
    assert "甲方<b>乙方</b>&丙方" in text
    assert "A&B<i>" in text


def test_typed_indentation_is_not_doubled(
    render_pdf: Callable[..., bytes],
    make_letter: Callable[..., Any],
    text_runs: Callable[[bytes, int], list[tuple[float, float, str]]],
) -> None:
    pdf = render_pdf(make_letter(body="\u3000\u3000缩进段落。\n\n未缩进段落。"))
    runs = text_runs(pdf, 0)
    indented = [x for x, _y, t in runs if t in ("缩进段落。", "未缩进段落。")]
    assert len(indented) == 2 and indented[0] == pytest.approx(indented[1])


def test_character_missing_from_the_font_is_refused(
    render_pdf: Callable[..., bytes], make_letter: Callable[..., Any]
) -> None:
    with pytest.raises(UnrenderableTextError) as info:
        render_pdf(make_letter(client_name="\U00020bb7先生"))  # 𠮷, outside WQY Micro Hei
    assert info.value.code == "letter_text_unrenderable"
    assert info.value.chars == "\U00020bb7"


def test_render_is_fast_once_the_font_is_loaded(render_pdf: Callable[..., bytes]) -> None:
    render_pdf()  # first call parses the 5 MB font file
    started = time.perf_counter()
    for _ in range(5):
        render_pdf()
    assert (time.perf_counter() - started) / 5 < 0.5


_RENDER_FROM_STDIN = """
import pickle, sys
from letters.adapters.render import render_letter
letter, firm, font_path = pickle.loads(sys.stdin.buffer.read())
sys.stdout.buffer.write(render_letter(letter, firm, font_path=font_path))
"""


def test_bytes_are_identical_in_a_fresh_process(
    letter_pdf: bytes,
    make_letter: Callable[..., Any],
    make_firm: Callable[..., Any],
    font_path: str,
) -> None:
    # Stored hashes must survive restarts: nothing may depend on time or registration order.
    src_dir = Path(letters.__file__).resolve().parents[1]
    payload = pickle.dumps((make_letter(), make_firm(), font_path))
    result = subprocess.run(
        [sys.executable, "-c", _RENDER_FROM_STDIN],
        input=payload,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(src_dir)},
    )
    assert result.stdout == letter_pdf


def test_letter_is_pdfa_2b(letter_pdf: bytes, long_letter_pdf: bytes) -> None:
    # servicekit.pdfa_check's explicit PDF/A-2b clauses (its docstring lists them): XMP with
    # pdfaid 2B matching the Info dictionary, sRGB output intent, every font embedded, ...
    assert violations(letter_pdf) == []
    assert violations(long_letter_pdf) == []
    _tool("pdffonts")
    assert pdffonts_unembedded(long_letter_pdf) == []

"""Factories and helpers shared by the letters unit tests."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from letters.adapters.render import FirmInfo, LetterContent, render_letter
from pypdf import PdfReader
from servicekit.testing import missing_tool

FONT_PATH = os.environ.get("LETTERS_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

BODY = (
    "根据《中华人民共和国律师法》第三十五条的规定，本所接受委托人张三的委托，"
    "指派下列律师担任其与李四民间借贷纠纷一案的一审诉讼代理人。\n"
    "现因案件办理需要，特派本所律师前往贵院查阅、摘抄、复制本案的案卷材料，请予接洽。\n"
    "特此函告。"
)


def _make_firm(**overrides: Any) -> FirmInfo:
    firm = FirmInfo(
        name="北京某某律师事务所",
        address="北京市朝阳区建国路88号A座1808室",
        phone="010-88886666",
        letterhead_note="BEIJING MOUMOU LAW FIRM",
    )
    return replace(firm, **overrides)


def _make_letter(**overrides: Any) -> LetterContent:
    letter = LetterContent(
        number="（2026）某律函字第0001号",
        letter_type="律师事务所函",
        recipient_org="北京市朝阳区人民法院",
        case_serial_no="MS-2026-000123",
        cause_of_action="民间借贷纠纷",
        client_name="张三",
        matter="一审诉讼代理",
        lawyers=[("王五", "11101201510123456"), ("赵六", "11101201910654321")],
        body=BODY,
        letter_date=date(2026, 11, 29),
    )
    return replace(letter, **overrides)


def _render(letter: LetterContent | None = None, firm: FirmInfo | None = None) -> bytes:
    if not Path(FONT_PATH).is_file():
        missing_tool(f"font not installed: {FONT_PATH} (Debian: fonts-wqy-microhei)")
    return render_letter(letter or _make_letter(), firm or _make_firm(), font_path=FONT_PATH)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_tool(f"{name} not installed (Debian: poppler-utils / qpdf)")
    return path


def _pdftotext(pdf: bytes, page: int | None = None) -> str:
    need_tool("pdftotext")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    # "-" as input reads the PDF from stdin, so no temporary file is needed.
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, "-", "-"],
        input=pdf,
        check=True,
        capture_output=True,
    )
    return result.stdout.decode()


def _text_runs(pdf: bytes, page_index: int) -> list[tuple[float, float, str]]:
    """Return (x, y, text) of every text run on a page, in PDF points."""
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, y, text.strip()))

    PdfReader(io.BytesIO(pdf)).pages[page_index].extract_text(visitor_text=visit)
    return runs


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


# --import-mode=importlib keeps tests/ off sys.path, so helpers are handed out as fixtures.
@pytest.fixture
def make_letter() -> Callable[..., LetterContent]:
    return _make_letter


@pytest.fixture
def make_firm() -> Callable[..., FirmInfo]:
    return _make_firm


@pytest.fixture
def font_path() -> str:
    return FONT_PATH


@pytest.fixture
def render_pdf() -> Callable[..., bytes]:
    return _render


@pytest.fixture
def pdf_text() -> Callable[..., str]:
    return _pdftotext


@pytest.fixture
def text_runs() -> Callable[[bytes, int], list[tuple[float, float, str]]]:
    return _text_runs


@pytest.fixture
def pages_of() -> Callable[[bytes], int]:
    return page_count


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return _render()


@pytest.fixture(scope="module")
def long_letter_pdf() -> bytes:
    return _render(_make_letter(body="\n".join([BODY] * 8)))

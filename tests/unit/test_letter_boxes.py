"""Letters lays a letter out around the seal and QR boxes; signing seals and stamps at them.

Both read the boxes from pades.letter, so they cannot drift apart (they once did: signing sealed
at x=399, letters centred the firm's name under x≈387). This renders a real letter, prepares it
the way signing does, and checks that the seal goes where letters left room and that the QR
signing stamps is the box letters kept free.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from letters.adapters.render import FirmInfo, LetterContent, qr_box, render_letter, seal_box
from pades import letter
from pades.pdf import document_geometry, prepare
from servicekit.testing import missing_tool
from signing.service_layer.letters import letter_placement

PARAGRAPH = "现因案件办理需要，特派本所律师前往贵院查阅、摘抄、复制本案的案卷材料。"
FONT_PATH = os.environ.get("LETTERS_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _letter_pdf(paragraphs: int) -> bytes:
    if not Path(FONT_PATH).is_file():
        missing_tool(f"font not installed: {FONT_PATH} (Debian: fonts-wqy-microhei)")
    content = LetterContent(
        number="（2026）某律函字第0001号",
        letter_type="律师事务所函",
        recipient_org="北京市朝阳区人民法院",
        case_serial_no="MS-2026-000123",
        cause_of_action="民间借贷纠纷",
        client_name="张三",
        matter="一审诉讼代理",
        lawyers=[("王五", "11101201510123456")],
        body="\n".join([PARAGRAPH] * paragraphs),
        letter_date=date(2026, 11, 29),
    )
    firm = FirmInfo(name="北京某某律师事务所", address="北京市", phone="010-1", letterhead_note="")
    return render_letter(content, firm, font_path=FONT_PATH)


@pytest.mark.parametrize("paragraphs", [1, 40])
def test_signing_seals_and_stamps_where_letters_left_room(paragraphs: int) -> None:
    pdf = _letter_pdf(paragraphs)
    pages = document_geometry(prepare(pdf, "https://sign.example.com/v/ABCD"))
    count = len(pages)
    assert (count > 1) == (paragraphs > 1)

    page, box = seal_box(count)
    placement = letter_placement(count)
    assert placement.page == page == count - 1
    x, y, w, h = placement.x, placement.y, placement.width, placement.height
    assert (x, y, x + w, y + h) == pytest.approx(box)
    assert box == letter.SEAL_BOX

    # the QR signing stamps on every page is exactly the box letters keeps free of text
    for geometry in pages:
        assert geometry.qr_box == pytest.approx(qr_box(count)[1], abs=1e-3)
        assert not geometry.covers_qr(geometry.to_pdf(box))
        assert geometry.contains(geometry.to_pdf(box))

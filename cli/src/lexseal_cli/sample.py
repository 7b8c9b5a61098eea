"""A sample contract PDF with a real text layer (what a lawyer uploads)."""

from __future__ import annotations

import io
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def contract_pdf(*, title: str, parties: tuple[str, str], pages: int = 2) -> bytes:
    """Return an A4 contract of `pages` pages with Chinese text (embedded WenQuanYi font)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    if FONT.exists():
        pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))
        font = "WQY"
    buf = io.BytesIO()
    # initialFontName: otherwise every page also selects Helvetica, which is never embedded
    c = canvas.Canvas(buf, pagesize=A4, invariant=True, initialFontName=font)
    width, height = A4
    clauses = [
        "第一条 合同标的：甲方委托乙方提供法律咨询及合同审查服务。",
        "第二条 服务期限：自本合同签订之日起十二个月。",
        "第三条 费用及支付：服务费用人民币壹拾贰万元整，分两期支付。",
        "第四条 保密义务：双方对在合作中知悉的商业秘密负有保密义务。",
        "第五条 争议解决：因本合同引起的争议，提交合同签订地人民法院管辖。",
    ]
    for page in range(1, pages + 1):
        c.setFont(font, 20)
        c.drawCentredString(width / 2, height - 90, title)
        c.setFont(font, 12)
        y = height - 140
        if page == 1:
            c.drawString(72, y, f"甲方：{parties[0]}")
            c.drawString(72, y - 22, f"乙方：{parties[1]}")
            y -= 66
        for clause in clauses:
            c.drawString(72, y, clause)
            y -= 26
        if page == pages:
            c.drawString(72, 300, f"甲方（盖章）：{parties[0]}")
            c.drawString(320, 300, f"乙方（盖章）：{parties[1]}")
        c.setFont(font, 9)
        c.drawCentredString(width / 2, 40, f"第 {page} 页 / 共 {pages} 页")
        c.showPage()
    c.save()
    return buf.getvalue()

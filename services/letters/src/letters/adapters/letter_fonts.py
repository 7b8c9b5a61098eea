"""The embedded CJK TrueType font used for letters, registered lazily once per font file."""

from __future__ import annotations

import hashlib
from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from servicekit.domain import DomainError
from servicekit.pdfa import REPORTLAB_LOCK


class UnrenderableTextError(DomainError, ValueError):
    """The letter contains characters the letter font cannot draw."""

    code = "letter_text_unrenderable"
    status_code = 422
    message_zh = "函件中含有无法打印的字符，请修改"
    message_en = "The letter contains characters the letter font cannot print"

    def __init__(self, chars: str) -> None:
        super().__init__(details={"chars": list(chars)})
        self.chars = chars

    def __str__(self) -> str:
        listed = " ".join(f"{c} (U+{ord(c):04X})" for c in self.chars)
        return f"the letter font has no glyph for: {listed}"


@cache
def cjk_font_name(font_path: str) -> str:
    """Register the TrueType font at font_path (face 0 of a .ttc) and return its reportlab name."""
    # Parsing a 5 MB .ttc takes ~0.4 s, so it happens on first use, never at import.
    name = "LexsealCJK-" + hashlib.sha256(font_path.encode()).hexdigest()[:8]
    with REPORTLAB_LOCK:
        if name not in pdfmetrics.getRegisteredFontNames():
            # Embedded subset: STSong-Light (a non-embedded CID font) shows empty boxes
            # on any machine without Chinese fonts.
            pdfmetrics.registerFont(TTFont(name, font_path, subfontIndex=0))
    return name


def unrenderable_chars(text: str, *, font_path: str) -> str:
    """Return the distinct characters of text the font has no glyph for, in order of appearance."""
    font = pdfmetrics.getFont(cjk_font_name(font_path))
    cmap: dict[int, int] = font.face.charToGlyph
    missing: dict[str, None] = {}
    for char in text:
        if char.isprintable() and not char.isspace() and ord(char) not in cmap:
            missing[char] = None
    return "".join(missing)


def ensure_renderable(text: str, *, font_path: str) -> None:
    """Raise UnrenderableTextError if any character of text would print as an empty box."""
    missing = unrenderable_chars(text, font_path=font_path)
    if missing:
        raise UnrenderableTextError(missing)

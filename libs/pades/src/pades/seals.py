"""Seal images (enterprise, individual, firm) as transparent red PNGs.

The name is rendered into the bitmap here, once per signer, because CJK text inside a
PDF signature appearance makes pyHanko parse and subset the font on every signature.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .errors import SealError

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SEAL_PX = 472  # 4 cm at 300 dpi
SEAL_RED = (220, 20, 30)
_SUPERSAMPLE = 2  # PIL shapes are not antialiased: draw large, then downscale


@lru_cache(maxsize=32)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Load face 0 of a TrueType/TTC font at ``size`` px (cached)."""
    try:
        return ImageFont.truetype(path, size=size, index=0)
    except OSError as exc:
        raise SealError(
            f"seal font {path} cannot be loaded", code="seal_font_missing", detail=repr(exc)
        ) from exc


def _star_points(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


@dataclass(frozen=True)
class SealRenderer:
    """Render seals with a CJK TrueType font (WenQuanYi Micro Hei by default)."""

    font_path: Path = DEFAULT_FONT
    size_px: int = SEAL_PX

    def enterprise(self, company_name: str) -> bytes:
        """Render a round company seal: name along the upper arc, a star, a red ring."""
        return self._round(company_name, caption=None)

    def firm(self, firm_name: str, caption: str | None = None) -> bytes:
        """Render the law firm's round seal, with an optional horizontal caption."""
        return self._round(firm_name, caption=caption)

    def individual(self, name: str) -> bytes:
        """Render a square personal name seal."""
        size, mask, draw = self._blank(name)
        border = round(size * 0.045)
        margin = round(size * 0.04)
        draw.rectangle(
            (margin, margin, size - margin - 1, size - margin - 1), outline=255, width=border
        )
        inner = size - 2 * (margin + border) - 2 * round(size * 0.05)
        chars = list(name.strip())
        # The customary square seal has four characters: "张三之印", "王小明印".
        if len(chars) == 2:
            chars += ["之", "印"]
        elif len(chars) == 3:
            chars.append("印")
        if len(chars) == 4 and all(ord(c) > 0x2E80 for c in chars):
            self._grid(draw, chars, size, inner)
        else:
            self._fit_line(draw, name.strip(), size, inner)
        return self._finish(mask)

    def _blank(self, name: str) -> tuple[int, Image.Image, ImageDraw.ImageDraw]:
        """Refuse an empty name; return the supersampled side, a blank mask and its pen."""
        if not name.strip():
            raise SealError("a seal needs a name", code="seal_name_empty")
        size = self.size_px * _SUPERSAMPLE
        mask = Image.new("L", (size, size), 0)
        return size, mask, ImageDraw.Draw(mask)

    def _grid(self, draw: ImageDraw.ImageDraw, chars: list[str], size: int, inner: int) -> None:
        # Traditional order: columns right to left, each column top to bottom.
        cols = 2
        rows = len(chars) // cols
        cell_w, cell_h = inner / cols, inner / rows
        font = load_font(str(self.font_path), round(min(cell_w, cell_h) * 0.92))
        x0 = y0 = (size - inner) / 2
        for i, char in enumerate(chars):
            col, row = cols - 1 - i // rows, i % rows
            cx, cy = x0 + (col + 0.5) * cell_w, y0 + (row + 0.5) * cell_h
            draw.text((cx, cy), char, font=font, fill=255, anchor="mm")

    def _fit_line(self, draw: ImageDraw.ImageDraw, text: str, size: int, inner: int) -> None:
        font_size = round(inner * 0.5)
        while font_size > 8:
            font = load_font(str(self.font_path), font_size)
            if font.getlength(text) <= inner:
                break
            font_size = round(font_size * 0.9)
        draw.text(
            (size / 2, size / 2),
            text,
            font=load_font(str(self.font_path), font_size),
            fill=255,
            anchor="mm",
        )

    def _round(self, name: str, *, caption: str | None) -> bytes:
        size, mask, draw = self._blank(name)
        ring = round(size * 0.04)
        margin = round(size * 0.015)
        draw.ellipse(
            (margin, margin, size - margin - 1, size - margin - 1), outline=255, width=ring
        )
        c = size / 2
        draw.polygon(_star_points(c, c, size * 0.17), fill=255)
        self._arc_text(mask, name.strip(), radius=c - margin - ring)
        if caption:
            font = load_font(str(self.font_path), round(size * 0.07))
            draw.text((c, c + size * 0.26), caption, font=font, fill=255, anchor="mm")
        return self._finish(mask)

    def _arc_text(self, mask: Image.Image, text: str, *, radius: float) -> None:
        size = mask.width
        n = len(text)
        span = min(250.0, 40.0 + 24.0 * n)  # degrees of the circle the name occupies
        step = span / n
        font_size = round(min(size * 0.13, radius * math.radians(step) * 0.95, radius * 0.3))
        font = load_font(str(self.font_path), font_size)
        text_r = radius - size * 0.02 - font_size * 0.6
        tile_size = round(font_size * 1.5)
        for i, char in enumerate(text):
            angle = -span / 2 + step * (i + 0.5)  # clockwise from the top
            tile = Image.new("L", (tile_size, tile_size), 0)
            ImageDraw.Draw(tile).text(
                (tile_size / 2, tile_size / 2), char, font=font, fill=255, anchor="mm"
            )
            tile = tile.rotate(-angle, resample=Image.Resampling.BICUBIC)
            x = size / 2 + text_r * math.sin(math.radians(angle)) - tile_size / 2
            y = size / 2 - text_r * math.cos(math.radians(angle)) - tile_size / 2
            mask.paste(255, (round(x), round(y)), tile)

    def _finish(self, mask: Image.Image) -> bytes:
        alpha = mask.resize((self.size_px, self.size_px), Image.Resampling.LANCZOS)
        image = Image.new("RGBA", alpha.size, (*SEAL_RED, 0))
        image.putalpha(alpha)
        out = io.BytesIO()
        image.save(out, format="PNG", dpi=(300, 300))
        return out.getvalue()

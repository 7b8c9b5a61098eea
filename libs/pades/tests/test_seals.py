"""Seal images: transparent red PNGs of 4 cm at 300 dpi."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pades.errors import SealError
from pades.seals import SEAL_PX, SealRenderer
from PIL import Image


@pytest.mark.parametrize("kind", ["enterprise", "individual", "firm"])
def test_seal_is_a_transparent_red_png_of_four_centimetres(seals: SealRenderer, kind: str) -> None:
    png = getattr(seals, kind)("北京星河科技有限公司" if kind != "individual" else "王小明")
    image = Image.open(io.BytesIO(png))

    assert image.format == "PNG" and image.mode == "RGBA"
    assert image.size == (SEAL_PX, SEAL_PX) == (472, 472)
    assert image.getpixel((2, SEAL_PX - 3))[3] == 0 or kind == "individual"
    raw = image.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    inked = [px for px in pixels if px[3] > 200]
    assert len(inked) > SEAL_PX * SEAL_PX * 0.03  # ring / border and text are drawn
    assert all(r > 150 and g < 80 and b < 80 for r, g, b, _ in inked[:500])


def test_round_seal_centre_has_the_star(seals: SealRenderer) -> None:
    image = Image.open(io.BytesIO(seals.enterprise("北京星河科技有限公司")))

    assert image.getpixel((SEAL_PX // 2, SEAL_PX // 2))[3] > 200
    assert image.getpixel((SEAL_PX // 2, SEAL_PX // 2 + SEAL_PX // 4 + 20))[3] == 0


def test_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SealError) as err:
        SealRenderer(font_path=tmp_path / "missing.ttc").enterprise("某公司")
    assert err.value.code == "seal_font_missing"


def test_empty_name_is_refused(seals: SealRenderer) -> None:
    with pytest.raises(SealError) as err:
        seals.individual("  ")
    assert err.value.code == "seal_name_empty"

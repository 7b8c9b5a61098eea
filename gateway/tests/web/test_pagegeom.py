"""The web client places seals with the signing API's page geometry, never its own constants.

pagegeom.js runs under Node when it is installed (the module has no browser dependencies).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from servicekit.testing import missing_tool

WEB = Path(__file__).resolve().parents[2] / "src" / "gateway" / "web"

# Pages as GET /api/signing/envelopes/{id} reports them: placement coordinates are the page as
# shown (CropBox turned by /Rotate), so a turned A4 page is landscape and its QR box is always at
# the bottom right, whatever its /Rotate or where its boxes sit in the PDF's user space.
PORTRAIT = {"number": 1, "width": 595.2756, "height": 841.8898, "rotate": 0}
LANDSCAPE = {"number": 1, "width": 841.8898, "height": 595.2756, "rotate": 90}
CROPPED = {"number": 1, "width": 450.0, "height": 650.0, "rotate": 270}


def _page(page: dict[str, object]) -> dict[str, object]:
    w, h = page["width"], page["height"]
    assert isinstance(w, float) and isinstance(h, float)
    return {
        **page,
        "box": {"x": 0, "y": 0, "width": w, "height": h},
        "qr_box": {"x": w - 80, "y": 14.0, "width": 66.0, "height": 75.0},
    }


PAGES = [_page(PORTRAIT), _page(LANDSCAPE), _page(CROPPED)]


def test_no_module_mirrors_the_signing_service_s_constants() -> None:
    """QR size and margins, and the page images' dpi, come from the API, not from copies."""
    for js in WEB.glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert not re.search(r"QR_(SIZE|MARGIN|CAPTION)|PAGE_DPI|PX_TO_PT", text), js.name


def _run(tmp_path: Path, script: str) -> object:
    node = shutil.which("node")
    if node is None:
        missing_tool("no node on PATH")
    # Node treats .js outside a "type": "module" package as CommonJS; .mjs is always a module.
    shutil.copy(WEB / "pagegeom.js", tmp_path / "pagegeom.mjs")
    (tmp_path / "run.mjs").write_text(script, encoding="utf-8")
    done = subprocess.run(
        [node, tmp_path / "run.mjs"], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_the_qr_box_lands_in_the_bottom_right_corner_of_every_page_image(
    tmp_path: Path,
) -> None:
    out = _run(
        tmp_path,
        "import { toImage } from './pagegeom.mjs';\n"
        f"const pages = {json.dumps(PAGES)};\n"
        "console.log(JSON.stringify(pages.map((p) => toImage(p, p.qr_box))));\n",
    )

    assert isinstance(out, list)
    for page, rect in zip(PAGES, out, strict=True):
        w, h = page["width"], page["height"]
        assert isinstance(w, float) and isinstance(h, float)
        # 14 pt in from the right and bottom edges of the image, 66 x 75 pt
        assert rect == pytest.approx(
            {"left": (w - 80) / w, "top": 1 - 89 / h, "width": 66 / w, "height": 75 / h}
        )


def test_a_placed_seal_goes_back_to_the_api_s_coordinates(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        "import { toImage, toPlacement } from './pagegeom.mjs';\n"
        f"const pages = {json.dumps(PAGES)};\n"
        "const seal = { x: 300, y: 400, width: 120, height: 90 };\n"
        "console.log(JSON.stringify(pages.map((p) => toPlacement(p, toImage(p, seal)))));\n",
    )

    assert isinstance(out, list)
    for placed in out:
        assert placed == pytest.approx({"page": 0, "x": 300, "y": 400, "width": 120, "height": 90})


def test_a_seal_dropped_in_the_image_s_bottom_left_corner_is_placed_at_the_origin(
    tmp_path: Path,
) -> None:
    # The seal is clamped to the image; rounding must not make a corner negative (the API
    # refuses x or y below 0).
    out = _run(
        tmp_path,
        "import { toPlacement } from './pagegeom.mjs';\n"
        f"const pages = {json.dumps(PAGES)};\n"
        "console.log(JSON.stringify(pages.map((p) => {\n"
        "  const height = 2 / 997;  // 1 - (1 - height) - height is below 0 in floating point\n"
        "  return toPlacement(p, { left: 0, top: 1 - height, width: 0.2, height });\n"
        "})));\n",
    )

    assert isinstance(out, list)
    for page, placed in zip(PAGES, out, strict=True):
        assert placed["x"] == 0 and placed["y"] >= 0
        assert placed["y"] == pytest.approx(0, abs=1e-9)
        assert placed["height"] == pytest.approx(2 / 997 * page["height"])

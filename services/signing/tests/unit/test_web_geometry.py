"""The pages place seals with the signing API's page geometry, never their own constants.

pagegeom.js and sealdrag.js (served at /sign/assets/, imported by the signer's page and by the
staff client's firm seal screen) run under Node: the functions tested have no browser needs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from servicekit.testing import missing_tool

STATIC = Path(__file__).resolve().parents[2] / "src" / "signing" / "static"

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


def test_no_page_script_mirrors_the_geometry() -> None:
    """QR size and margins, and the page images' dpi, come from the API, not from copies; the
    signer's page takes the geometry and the drag from the shared modules."""
    for js in STATIC.glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert not re.search(r"QR_(SIZE|MARGIN|CAPTION)|PAGE_DPI|PX_TO_PT", text), js.name
    sign = (STATIC / "sign.js").read_text(encoding="utf-8")
    assert 'from "./pagegeom.js"' in sign and 'from "./sealdrag.js"' in sign
    assert not re.search(r"function (toImage|toUser|toPlacement)\b|pointermove", sign)


def _run(tmp_path: Path, script: str) -> object:
    node = shutil.which("node")
    if node is None:
        missing_tool("no node on PATH")
    # Node treats .js outside a "type": "module" package as CommonJS; .mjs is always a module.
    shutil.copy(STATIC / "pagegeom.js", tmp_path / "pagegeom.mjs")
    drag = (STATIC / "sealdrag.js").read_text(encoding="utf-8")
    (tmp_path / "sealdrag.mjs").write_text(drag.replace('"./pagegeom.js"', '"./pagegeom.mjs"'))
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


# The image of a portrait A4 page on screen: 595.2756 x 841.8898 pt drawn 500 px wide.
SCREEN = {"left": 100.0, "top": 50.0, "width": 500.0, "height": 500.0 * 841.8898 / 595.2756}


def _landing(tmp_path: Path, point: dict[str, float], grab: dict[str, float]) -> dict[str, object]:
    out = _run(
        tmp_path,
        "import { landing } from './sealdrag.mjs';\n"
        f"const page = {json.dumps(PAGES[0])};\n"
        f"const rect = {json.dumps(SCREEN)};\n"
        "const size = { width: 100, height: 100 };\n"
        f"console.log(JSON.stringify(landing(page, rect, {json.dumps(point)}, "
        f"{json.dumps(grab)}, size)));\n",
    )
    assert isinstance(out, dict)
    return out


def test_a_seal_lands_where_it_is_let_go_and_maps_back_to_points(tmp_path: Path) -> None:
    out = _landing(tmp_path, {"x": 300.0, "y": 350.0}, {"x": 50.0, "y": 50.0})
    assert out["inside"] is True and out["onQr"] is False
    assert out["place"] == pytest.approx(
        {
            "left": 150 / 500,
            "top": 250 / SCREEN["height"],
            "width": 0.2,
            "height": 100 / SCREEN["height"],
        }
    )


def test_a_seal_dragged_off_the_page_is_kept_on_it(tmp_path: Path) -> None:
    out = _landing(tmp_path, {"x": 20.0, "y": 20.0}, {"x": 0.0, "y": 0.0})
    assert out["inside"] is False
    place = out["place"]
    assert isinstance(place, dict) and place["left"] == 0 and place["top"] == 0


def test_a_seal_over_the_api_s_qr_box_is_refused_and_one_beside_it_is_not(tmp_path: Path) -> None:
    # qr_box: x = w - 80 .. w - 14, y = 14 .. 89 pt; 500 px per 595.2756 pt
    scale = SCREEN["width"] / 595.2756
    bottom = SCREEN["top"] + SCREEN["height"]
    on = _landing(tmp_path, {"x": 100 + 560 * scale, "y": bottom - 40 * scale}, {"x": 50, "y": 50})
    assert on["inside"] is True and on["onQr"] is True
    # the seal's right edge 2 pt left of the QR box
    right = 100 + (595.2756 - 82) * scale
    beside = _landing(tmp_path, {"x": right - 50, "y": bottom - 40 * scale}, {"x": 50, "y": 50})
    assert beside["inside"] is True and beside["onQr"] is False

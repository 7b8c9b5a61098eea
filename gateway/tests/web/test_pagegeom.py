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

WEB = Path(__file__).resolve().parents[2] / "src" / "gateway" / "web"

# An A4 page as GET /api/signing/envelopes/{id} reports it, MediaBox moved off the origin.
BOX = {"x": 100.0, "y": 200.0, "width": 595.2756, "height": 841.8898}
QR = {"x": 615.2756, "y": 214.0, "width": 66.0, "height": 75.0}


def test_no_module_mirrors_the_signing_service_s_constants() -> None:
    """QR size and margins, and the page images' dpi, come from the API, not from copies."""
    for js in WEB.glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert not re.search(r"QR_(SIZE|MARGIN|CAPTION)|PAGE_DPI|PX_TO_PT", text), js.name


def _run(tmp_path: Path, script: str) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on PATH")
    # Node treats .js outside a "type": "module" package as CommonJS; .mjs is always a module.
    shutil.copy(WEB / "pagegeom.js", tmp_path / "pagegeom.mjs")
    (tmp_path / "run.mjs").write_text(script, encoding="utf-8")
    done = subprocess.run(
        [node, tmp_path / "run.mjs"], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_the_qr_box_lands_in_the_corner_the_page_image_shows_it(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        "import { toImage } from './pagegeom.mjs';\n"
        f"const box = {json.dumps(BOX)}, qr = {json.dumps(QR)};\n"
        "console.log(JSON.stringify([0, 90, 180, 270].map((rotate) =>"
        " toImage({ number: 1, rotate, box }, qr))));\n",
    )
    corners = {
        0: "bottom-right",
        90: "bottom-left",  # /Rotate 90 turns the page clockwise
        180: "top-left",
        270: "top-right",
    }
    assert isinstance(out, list)
    for rotate, rect in zip(corners, out, strict=True):
        right = rect["left"] + rect["width"] / 2 > 0.5
        bottom = rect["top"] + rect["height"] / 2 > 0.5
        where = f"{'bottom' if bottom else 'top'}-{'right' if right else 'left'}"
        assert where == corners[rotate], rotate
    w, h = BOX["width"], BOX["height"]
    expected = {"left": 515.2756 / w, "top": 1 - 89 / h, "width": 66 / w, "height": 75 / h}
    assert out[0] == pytest.approx(expected)


def test_a_placed_seal_goes_back_to_the_api_s_coordinates(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        "import { toImage, toPlacement } from './pagegeom.mjs';\n"
        f"const box = {json.dumps(BOX)};\n"
        "const seal = { x: 300, y: 400, width: 120, height: 90 };\n"
        "console.log(JSON.stringify([0, 90, 180, 270].map((rotate) => {\n"
        "  const page = { number: 2, rotate, box };\n"
        "  return toPlacement(page, toImage(page, seal));\n"
        "})));\n",
    )
    assert isinstance(out, list)
    for placed in out:
        assert placed == pytest.approx({"page": 1, "x": 300, "y": 400, "width": 120, "height": 90})

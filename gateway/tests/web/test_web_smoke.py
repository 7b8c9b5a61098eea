"""Static checks of the web client's files: no browser, no running system.

The web client is driven in a real browser by tests/e2e/test_web_client.py, against the whole
system that the cross-service tests start.
"""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "gateway" / "web"


def test_every_imported_module_exists() -> None:
    """Each `import ... from "./x.js"` names a file that is served."""
    for js in WEB.glob("*.js"):
        for name in re.findall(r'from "\./([\w-]+\.js)"', js.read_text(encoding="utf-8")):
            assert (WEB / name).is_file(), f"{js.name} imports missing {name}"


def test_the_page_geometry_and_the_seal_drag_are_the_signing_service_s() -> None:
    """The firm's seal screen imports them from the signing service (through the gateway's
    /sign route), as the signer's page does; the web client keeps no copy of either, nor of
    the signing service's constants (QR size and margins, the page images' dpi)."""
    signing_assets = re.compile(r'from "/sign/assets/([\w-]+\.js)"')
    firmsign = (WEB / "firmsign.js").read_text(encoding="utf-8")
    assert set(signing_assets.findall(firmsign)) == {"pagegeom.js", "sealdrag.js"}
    assert not (WEB / "pagegeom.js").exists()
    for js in WEB.glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert not re.search(r"QR_(SIZE|MARGIN|CAPTION)|PAGE_DPI|PX_TO_PT", text), js.name
        assert not re.search(r"function (toImage|toPlacement|overlaps|qrZone)\b", text), js.name
        assert "pointermove" not in text, js.name  # dragging is sealdrag.js's


def test_index_loads_the_app_as_a_module() -> None:
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert '<script type="module" src="app.js">' in html
    assert 'href="app.css"' in html


def test_no_absolute_origin_in_api_calls() -> None:
    """Every call goes through the same origin (the gateway)."""
    for js in WEB.glob("*.js"):
        assert "http://" not in js.read_text(encoding="utf-8").replace("http://www.w3.org", "")

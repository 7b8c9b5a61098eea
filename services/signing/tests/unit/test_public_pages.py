"""The public pages' files: one catalogue per language, every text in both, no inline JS."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

ROOT = resources.files("signing")
STATIC = ROOT.joinpath("static")
TEMPLATES = ["sign.html", "face_sandbox.html", "verify.html", "message.html"]
SCRIPTS = ["sign.js", "face-sandbox.js", "i18n.js", "verify.js"]


def _catalogue(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads(STATIC.joinpath("i18n", f"{lang}.json").read_text("utf-8"))
    return data


def test_both_catalogues_hold_the_same_keys_and_differ_in_language() -> None:
    zh, en = _catalogue("zh"), _catalogue("en")
    assert set(zh) == set(en)
    assert all(re.search(r"[\u4e00-\u9fff]", v) for k, v in zh.items() if k != "v.sha256")
    cjk = [k for k, v in en.items() if re.search(r"[\u4e00-\u9fff]", v)]
    assert cjk == [], f"Chinese in the English catalogue: {cjk}"


def _used_keys() -> set[str]:
    used: set[str] = set()
    for name in TEMPLATES:
        html = ROOT.joinpath("templates", name).read_text("utf-8")
        used |= set(re.findall(r'data-i18n(?:-placeholder|-aria)?="([^"]+)"', html))
    for name in SCRIPTS:
        js = STATIC.joinpath(name).read_text("utf-8")
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_]+)'", js))
    render = ROOT.joinpath("entrypoints", "verify_render.py").read_text("utf-8")
    used |= set(re.findall(r't\["([a-z_]+\.[a-z_]+)"\]', render))
    used |= set(re.findall(r"t\['([a-z_]+\.[a-z_]+)'\]", render))
    return used


def test_every_text_the_pages_use_is_in_both_catalogues() -> None:
    used = _used_keys()
    assert len(used) > 60
    for lang in ("zh", "en"):
        missing = sorted(used - set(_catalogue(lang)))
        assert missing == [], f"{lang}.json lacks {missing}"


@pytest.mark.parametrize("name", TEMPLATES)
def test_pages_carry_no_inline_script_or_handler(name: str) -> None:
    html = ROOT.joinpath("templates", name).read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline <script>"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"
    assert "<style" not in html and "user-scalable" not in html and "maximum-scale" not in html

"""One message catalogue per language, for the staff web client and the public pages.

For each set of pages: both catalogues hold the same keys with the same {placeholders}; every key
the code looks up exists; no key is left unused; the English catalogue holds no Chinese; and the
web client's scripts carry no Chinese text of their own (texts live in the catalogues only).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "gateway" / "src" / "gateway" / "web"
SIGNING = ROOT / "services" / "signing" / "src" / "signing"
LETTERS = ROOT / "services" / "letters" / "src" / "letters"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
KEY = r"[a-z][a-z0-9_]*\.[a-z0-9_.]+"


def _catalogue(folder: Path, lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
    return data


def _strip_js_comments(src: str) -> str:
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$|(?<=[;,{}()\s])//[^\n\"'`]*$", "", src)


def _web_used() -> tuple[set[str], set[str]]:
    """Keys the web client looks up: t("key") calls only (no computed keys in this client)."""
    used: set[str] = set()
    computed: set[str] = set()
    for js in WEB.glob("*.js"):
        src = _strip_js_comments(js.read_text(encoding="utf-8"))
        used |= set(re.findall(rf'(?<![\w.$])t\(\s*"({KEY})"', src))
        computed |= {
            f"{js.name}: {m}"
            for m in re.findall(r"(?<![\w.$])t\(\s*([^\s\")][^,)]*)", src)
            if m not in {"key"}
        }
    return used, computed


def _public_used(code: str, catalogue: set[str]) -> tuple[set[str], set[str]]:
    """Keys the signer/verify pages use: quoted key literals, and the prefixes of computed keys."""
    spaces = {k.split(".")[0] for k in catalogue}
    literals = {
        k for k in re.findall(rf"[\"'`]({KEY})[\"'`]", code) if k.split(".")[0] in spaces
    } | set(re.findall(r'data-i18n(?:-placeholder|-aria)?="([^"]+)"', code))
    prefixes = set(re.findall(r"([a-z][a-z0-9_]*\.)\$\{", code))
    prefixes |= set(re.findall(r"f[\"']([a-z][a-z0-9_]*\.)\{", code))
    return literals, prefixes


def _read(folder: Path, *patterns: str) -> str:
    return "\n".join(
        f.read_text(encoding="utf-8") for p in patterns for f in sorted(folder.glob(p))
    )


SETS = {
    "web": WEB / "i18n",
    "signing": SIGNING / "static" / "i18n",
    "letters": LETTERS / "i18n",
}


@pytest.mark.parametrize("name", list(SETS))
def test_both_catalogues_hold_the_same_keys_and_placeholders(name: str) -> None:
    zh, en = _catalogue(SETS[name], "zh"), _catalogue(SETS[name], "en")
    assert sorted(set(zh) ^ set(en)) == []
    for key in zh:
        holes = set(re.findall(r"\{\w+\}", zh[key])), set(re.findall(r"\{\w+\}", en[key]))
        assert holes[0] == holes[1], f"{name}: {key} has placeholders {holes}"
    chinese = [k for k, v in en.items() if CJK.search(v) and v not in ("中文",)]
    assert chinese == [], f"{name}: Chinese in en.json: {chinese}"


def test_the_web_client_uses_every_key_and_only_keys_it_has() -> None:
    used, computed = _web_used()
    assert computed == set(), f"computed keys cannot be checked: {sorted(computed)}"
    assert len(used) > 300
    for lang in ("zh", "en"):
        keys = set(_catalogue(SETS["web"], lang))
        assert sorted(used - keys) == [], f"web/i18n/{lang}.json lacks these"
        assert sorted(keys - used) == [], f"web/i18n/{lang}.json: unused"


def test_the_web_client_scripts_hold_no_text_of_their_own() -> None:
    """Every Chinese text is in the catalogue, so none is left as a side-by-side pair."""
    for js in WEB.glob("*.js"):
        src = _strip_js_comments(js.read_text(encoding="utf-8"))
        if js.name == "i18n.js":
            src = src.replace('"中文"', "")  # the switch names Chinese in Chinese
        assert CJK.findall(src) == [], f"{js.name} has text outside the catalogue"


def test_the_signer_and_verify_pages_use_every_key_and_only_keys_they_have() -> None:
    code = _read(SIGNING, "static/*.js", "templates/*.html", "entrypoints/*.py")
    keys = set(_catalogue(SETS["signing"], "zh"))
    used, prefixes = _public_used(code, keys)
    assert prefixes, "the computed keys' prefixes (closed.${why} …) were not found"
    assert sorted(used - keys) == []
    unused = sorted(k for k in keys - used if not k.startswith(tuple(prefixes)))
    assert unused == []


def test_the_share_page_uses_every_key_and_only_keys_it_has() -> None:
    code = (LETTERS / "entrypoints" / "share_page.py").read_text(encoding="utf-8")
    used = set(re.findall(rf"t\[[\"']({KEY})[\"']\]", code))
    used |= set(re.findall(rf"catalogue\(\w+\)\[[\"']({KEY})[\"']\]", code))
    keys = set(_catalogue(SETS["letters"], "zh"))
    assert sorted(used - keys) == [] and sorted(keys - used) == []

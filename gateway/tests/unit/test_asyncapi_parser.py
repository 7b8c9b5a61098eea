"""Both AsyncAPI documents pass the official parser (@asyncapi/parser from npm, pinned in
package.json): tools/asyncapi_validate.mjs fails on any error, and does on a broken document.

Needs node and `npm ci` (make test installs them before the tests run); a missing parser fails
this test rather than skipping it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from gateway.domain.asyncapi import build_asyncapi, build_partner_asyncapi
from lexseal_events import ALL_EVENTS, PARTNER_EVENTS

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tools/asyncapi_validate.mjs"


def _validate(tmp_path: Path, **docs: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is missing: bash deploy/system-deps.sh --test installs it"
    assert (ROOT / "node_modules/@asyncapi/parser").is_dir(), (
        "@asyncapi/parser is missing: run `npm ci` (make js-lint does)"
    )
    files = []
    for name, doc in docs.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        files.append(str(path))
    return subprocess.run(
        [node, str(SCRIPT), *files], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def _partner() -> dict[str, Any]:
    return build_partner_asyncapi(
        events=PARTNER_EVENTS,
        partner_exchange="lexseal.partner",
        amqp_host="127.0.0.1:5672",
        version="0.1.0",
    )


def test_the_partner_and_internal_documents_pass_the_official_parser(tmp_path: Path) -> None:
    internal = build_asyncapi(events=ALL_EVENTS, exchange="lexseal.events", version="0.1.0")
    result = _validate(tmp_path, partner=_partner(), internal=internal)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("valid AsyncAPI 3.0.0") == 2


def test_a_broken_document_fails_the_check(tmp_path: Path) -> None:
    broken = _partner()
    broken["operations"]["deliverWebhook"]["action"] = "publish"  # AsyncAPI 2's word
    broken["channels"]["webhook"]["messages"]["gone"] = {"$ref": "#/components/messages/gone"}
    result = _validate(tmp_path, broken=broken)
    assert result.returncode == 1, result.stdout
    assert "INVALID" in result.stdout and "invalid-ref" in result.stdout

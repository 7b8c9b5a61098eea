"""The web client sends an Idempotency-Key with every POST and retries a lost answer with it.

api.js runs under Node (when installed) with fetch and sessionStorage stubbed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from servicekit.testing import missing_tool

WEB = Path(__file__).resolve().parents[2] / "src" / "gateway" / "web"

SCRIPT = """
globalThis.sessionStorage = { getItem: () => "tok", setItem() {}, removeItem() {} };
const calls = [];
const answers = %s;
globalThis.fetch = async (path, init) => {
  calls.push({ path, method: init.method, key: init.headers["Idempotency-Key"] ?? null });
  const next = answers.shift();
  if (next === "drop") throw new TypeError("Failed to fetch");
  return new Response(JSON.stringify(next.body), {
    status: next.status, headers: { "content-type": "application/json" },
  });
};
const api = await import("./api.mjs");
let error = null;
try { await api.%s; } catch (exc) { error = exc.code; }
console.log(JSON.stringify({ calls, error }));
"""


I18N_STUB = """
export const t = (key, vars) => `${key}${vars ? JSON.stringify(vars) : ""}`;
export const acceptLanguage = () => "zh-CN,zh;q=0.9";
"""


def _run(tmp_path: Path, answers: list[object], call: str) -> dict[str, object]:
    node = shutil.which("node")
    if node is None:
        missing_tool("no node on PATH")
    shutil.copy(WEB / "api.js", tmp_path / "api.mjs")
    # the message catalogue needs a browser (document, fetch of i18n/*.json): a stand-in
    (tmp_path / "i18n.js").write_text(I18N_STUB, encoding="utf-8")
    (tmp_path / "run.mjs").write_text(SCRIPT % (json.dumps(answers), call), encoding="utf-8")
    done = subprocess.run(
        [node, tmp_path / "run.mjs"], capture_output=True, text=True, timeout=30, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


LOST = {"status": 503, "body": {"error": {"code": "upstream_outcome_unknown", "message": "m"}}}
CREATED = {"status": 201, "body": {"id": "c1"}}


def test_a_post_whose_answer_is_lost_is_sent_again_with_the_same_key(tmp_path: Path) -> None:
    out = _run(tmp_path, ["drop", LOST, CREATED], 'post("/api/contract/contracts", {})')
    calls = out["calls"]
    assert isinstance(calls, list) and len(calls) == 3 and out["error"] is None
    keys = {c["key"] for c in calls}
    assert len(keys) == 1 and None not in keys and len(next(iter(keys))) == 32


def test_each_user_action_has_its_own_key_and_reads_have_none(tmp_path: Path) -> None:
    first = _run(tmp_path, [CREATED], 'post("/api/letters/letters", {})')["calls"]
    second = _run(tmp_path, [CREATED], 'post("/api/letters/letters", {})')["calls"]
    assert isinstance(first, list) and isinstance(second, list)
    assert first[0]["key"] != second[0]["key"]
    read = _run(tmp_path, [CREATED], 'get("/api/letters/letters")')["calls"]
    assert isinstance(read, list) and read[0]["key"] is None


def test_an_answer_that_is_an_error_is_not_retried(tmp_path: Path) -> None:
    conflict = {"status": 409, "body": {"error": {"code": "conflict", "message": "m"}}}
    out = _run(tmp_path, [conflict, CREATED], 'post("/api/contract/contracts/c1/submit")')
    assert out["error"] == "conflict" and isinstance(out["calls"], list)
    assert len(out["calls"]) == 1

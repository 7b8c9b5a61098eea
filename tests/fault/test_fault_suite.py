"""The fault suite as a test: nothing lost, nothing applied twice, nothing stuck (issue 9).

Starts the whole system (about 4 minutes on two cores); see fault_suite.py for what it does.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from fault_suite import run_suite
from servicekit.testing import amqp_url_or_skip, missing_tool, postgres_admin_url_or_skip

pytestmark = pytest.mark.e2e

FAULTS = {
    "broker_cut_15s",
    "restart_without_broker:contract",
    "kill9:contract",
    "kill9:review",
    "kill9:signing",
    "kill9:letters",
    "kill9:notify",
    "kill9:gateway",
}


def test_nothing_is_lost_duplicated_or_stuck_under_faults() -> None:
    amqp_url_or_skip()
    postgres_admin_url_or_skip()
    if shutil.which("rabbitmqctl") is None:
        missing_tool("rabbitmqctl reads the queues (it comes with rabbitmq-server)")
    # not tmp_path: pytest rotates those away, and a failure's logs must outlive the session
    data_dir = Path(tempfile.mkdtemp(prefix="lexseal-fault-"))
    summary, verdict, _ = run_suite(data_dir)
    print(json.dumps(summary, separators=(",", ":"), ensure_ascii=False))
    if verdict.clean:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        verdict.problems.insert(0, f"the processes' logs: {data_dir}/log")
    assert set(summary["faults"]) >= FAULTS, summary["faults"]
    assert summary["faults"].count("broker_cut_15s") == 2
    assert any(f.startswith("poison:") for f in summary["faults"])
    assert any(f.startswith("duplicates:") for f in summary["faults"])
    assert any(f.startswith("concurrent_upload:") for f in summary["faults"])
    assert summary["requests_ok"] > 0
    problems = "\n".join(verdict.problems[:60])
    assert (summary["lost"], summary["duplicated"], summary["stuck"]) == (0, 0, 0), problems
    assert summary["effects"] == summary["requests_ok"], problems

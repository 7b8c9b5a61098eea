"""`make mutation`: break the rule modules on purpose (mutmut) and print what the tests miss.

Each target names rule modules and the fast tests that guard them. mutmut mutates a copy of
the sources in a temporary directory (never this checkout), and the tests import that copy
first (PYTHONPATH comes before the venv's editable installs). First the rule breaks a manual
spot-check found unprotected are applied one by one (each must be killed: the run fails
otherwise); then each target gets a share of what is left of MUTATION_BUDGET seconds
(default 1800) and stops there. Survivors are printed with their diffs, mutants not reached
within the budget are not counted; the survivor count should only ever go down.

    .venv/bin/python tools/mutation.py [--budget SECONDS] [TARGET ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MUTMUT = Path(PY).with_name("mutmut")


@dataclass(frozen=True)
class Target:
    """Rule modules and the tests that must catch any change to them."""

    name: str
    paths: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS = (
    Target(
        "signing-rules",
        ("services/signing/src/signing/domain/model.py",),
        ("services/signing/tests/unit/test_service_rules.py",),
    ),
    Target(
        "contract-rules",
        (
            "services/contract/src/contract/domain/status.py",
            "services/contract/src/contract/domain/amounts.py",
            "services/contract/src/contract/domain/signers.py",
        ),
        (
            "services/contract/tests/unit/test_status.py",
            "services/contract/tests/unit/test_signers.py",
        ),
    ),
    Target(
        "letters-rules",
        ("services/letters/src/letters/domain/letters.py",),
        ("services/letters/tests/unit/test_letter_rules.py",),
    ),
    Target(
        "review-rules",
        (
            "services/review/src/review/domain/rounds.py",
            "services/review/src/review/domain/checklist.py",
        ),
        ("services/review/tests/unit/test_rounds.py",),
    ),
    Target(
        "notify-redaction",
        ("services/notify/src/notify/domain/redaction.py",),
        ("services/notify/tests/unit/test_redaction.py",),
    ),
    Target(
        "servicekit-auth-claim-check",
        ("libs/servicekit/src/servicekit/auth.py", "libs/servicekit/src/servicekit/internal.py"),
        ("libs/servicekit/tests/test_claim_check.py", "gateway/tests/unit/test_auth_domain.py"),
    ),
    Target(
        "gateway-limits",
        (
            "gateway/src/gateway/domain/ratelimit.py",
            "gateway/src/gateway/domain/verify.py",
            "gateway/src/gateway/adapters/limits.py",
        ),
        ("gateway/tests/unit/test_auth_domain.py", "gateway/tests/unit/test_limits.py"),
    ),
)

# The rule breaks a manual spot-check once found unprotected: each must stay killed. They run
# first, whatever the budget, then mutmut spends what is left on every rule module.
NAMED = (
    (
        "the firm signs with one counterparty pending",
        "services/signing/src/signing/domain/model.py",
        "    if pending:\n",
        "    if pending > 1:\n",
        ("services/signing/tests/unit/test_service_rules.py",),
    ),
    (
        "only individual signers count as pending",
        "services/signing/src/signing/domain/model.py",
        "s.kind != FIRM and s.status != SIGNED",
        "s.kind == INDIVIDUAL and s.status != SIGNED",
        ("services/signing/tests/unit/test_service_rules.py",),
    ),
    (
        "partner webhooks carry unmasked ID numbers",
        "services/notify/src/notify/service_layer/handlers.py",
        "payload = partner_payload(event)",
        "payload = event.to_json()",
        ("services/notify/tests/integration/test_webhooks.py",),
    ),
    (
        "the claim-check's sha256 comparison removed",
        "libs/servicekit/src/servicekit/internal.py",
        "if digest.hexdigest() != ref.sha256:",
        "if False:",
        ("libs/servicekit/tests/test_claim_check.py",),
    ),
)
# error texts and annotations are not rules: mutating them only adds noise
SKIPPED_TYPES = "string,fstring,decorator,annassign"

SRC_DIRS = (
    "libs/events/src",
    "libs/servicekit/src",
    "libs/cnid/src",
    "libs/pades/src",
    "libs/ca/src",
    "services/contract/src",
    "services/review/src",
    "services/signing/src",
    "services/letters/src",
    "services/notify/src",
    "gateway/src",
)


def copy_tree(dest: Path) -> None:
    """Copy the tracked and new files of the packages and tests (not .venv, not caches)."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "libs", "services",
         "gateway", "tests", "pyproject.toml"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _env(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(work / d) for d in SRC_DIRS),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run_named(work: Path) -> list[str]:
    """Apply each named mutation to the copy, run its tests; return the ones that survive."""
    survived = []
    for what, path, old, new, tests in NAMED:
        source = (ROOT / path).read_text(encoding="utf-8")
        if source.count(old) != 1:
            raise SystemExit(f"named mutation {what!r}: {old!r} not found once in {path}")
        (work / path).write_text(source.replace(old, new), encoding="utf-8")
        try:
            done = subprocess.run(
                [PY, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                cwd=work, env=_env(work), capture_output=True, text=True, timeout=600,
                check=False,
            )  # fmt: skip
        finally:
            shutil.copy2(ROOT / path, work / path)
        state = "killed" if done.returncode != 0 else "SURVIVED"
        print(f"   {state}: {what} ({path})")
        if done.returncode == 0:
            survived.append(what)
    return survived


def run_target(target: Target, work: Path, budget: float) -> tuple[str, int, list[str]]:
    """Run mutmut for one target within `budget` seconds; return (state, killed, survivors)."""
    cache = work / ".mutmut-cache"
    cache.unlink(missing_ok=True)
    test_dirs = sorted(
        {str(Path(t) if Path(t).suffix == "" else Path(t).parent) for t in target.tests}
    )
    runner = f"{PY} -m pytest -x -q -p no:cacheprovider " + " ".join(target.tests)
    env = _env(work)
    cmd = [
        str(MUTMUT), "run",
        "--paths-to-mutate", ",".join(target.paths),
        "--tests-dir", ",".join(test_dirs),
        "--runner", runner,
        "--disable-mutation-types", SKIPPED_TYPES,
        "--simple-output",
        "--no-progress",
    ]  # fmt: skip
    state = "done"
    try:
        subprocess.run(cmd, cwd=work, env=env, timeout=budget, capture_output=True, check=False)
    except subprocess.TimeoutExpired:
        state = f"stopped after {budget:.0f} s"
    finally:
        for path in target.paths:  # a stopped run may leave its last mutant applied
            shutil.copy2(ROOT / path, work / path)
    results = _results(work, env)
    if state != "done":
        # the mutant under test when the budget ran out may be recorded as surviving: check
        # each survivor once more, on its own
        for mutant in _ids(results, "Survived") + _ids(results, "Suspicious"):
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run(
                    [*cmd[:2], mutant, *cmd[2:]],
                    cwd=work, env=env, timeout=120, capture_output=True, check=False,
                )  # fmt: skip
            for path in target.paths:
                shutil.copy2(ROOT / path, work / path)
        results = _results(work, env)
    killed = sum(int(n) for n in re.findall(r"Killed .*?\((\d+)\)", results))
    survivors = _ids(results, "Survived") + _ids(results, "Suspicious")
    diffs = []
    for mutant in survivors:
        shown = subprocess.run(
            [str(MUTMUT), "show", mutant], cwd=work, env=env, capture_output=True, text=True,
            check=False,
        ).stdout  # fmt: skip
        diffs.append(shown.strip())
    return state, killed, diffs


def _results(work: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        [str(MUTMUT), "results"], cwd=work, env=env, capture_output=True, text=True, check=False
    ).stdout


def _ids(results: str, kind: str) -> list[str]:
    """Return the mutant ids mutmut lists under `kind` ('Survived', 'Suspicious')."""
    block = re.search(rf"{kind}.*?\(\d+\)\n(.*?)(?:\n\n|\Z)", results, re.S)
    if block is None:
        return []
    ids: list[str] = []
    for part in re.findall(r"\d+(?:-\d+)?", block.group(1)):
        lo, _, hi = part.partition("-")
        ids += [str(i) for i in range(int(lo), int(hi or lo) + 1)]
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("targets", nargs="*", help="target names (default: all)")
    parser.add_argument(
        "--budget", type=float, default=float(os.environ.get("MUTATION_BUDGET", "1800"))
    )
    args = parser.parse_args()
    if not MUTMUT.exists():
        raise SystemExit("mutmut is a dev dependency: run make install")
    chosen = [t for t in TARGETS if not args.targets or t.name in args.targets]
    started = time.monotonic()
    total_survivors = 0
    with tempfile.TemporaryDirectory(prefix="lexseal-mutation-") as tmp:
        work = Path(tmp)
        copy_tree(work)
        print("== the rule breaks once found unprotected")
        named = run_named(work)
        total_survivors += len(named)
        for i, target in enumerate(chosen):
            left = args.budget - (time.monotonic() - started)
            share = left / (len(chosen) - i)
            if share < 5:
                print(f"== {target.name}: skipped, the budget is spent")
                continue
            state, killed, survivors = run_target(target, work, share)
            total_survivors += len(survivors)
            print(f"== {target.name} ({state}): {killed} killed, {len(survivors)} survived")
            for diff in survivors:
                print(diff, end="\n\n")
    print(f"survivors: {total_survivors} (in {time.monotonic() - started:.0f} s)")
    if named:
        raise SystemExit(f"named rule mutations survived: {', '.join(named)}")


if __name__ == "__main__":
    main()

"""The fault suite: the whole system under steady load while the broker and processes fail.

Run alone with `make fault-suite` (or `python tests/fault/fault_suite.py`); pytest runs it
through tests/fault/test_fault_suite.py. It prints what happened on stderr and, last, one line:
{"requests_ok":N,"effects":N,"lost":0,"duplicated":0,"stuck":0,"faults":[...],"seconds":S}
and exits 1 unless lost, duplicated and stuck are all 0.

Faults, in order, while lawyers, risk control and the clerk keep working through the gateway:
the broker cut off for 15 s while signing has a backlog of letters to seal (every /readyz must
name the broker meanwhile); poison messages straight onto the exchange; one PDF uploaded to
eight contracts at once (twice); the broker cut again for 15 s with signing busy, the contract
service restarted meanwhile; copies of real events onto the exchange; kill -9 of each service
and of the gateway in turn (signing with work queued), each started again. Then it waits
(bounded, polling) for the system to settle and checks the databases and the broker
(fault_checks.py). Clients retry as a web client does (fault_client.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fault_checks as checks
import httpx
from fault_client import Api, Gone, Ledger
from fault_inject import Injected, drain_dlq, duplicates, poison, publish
from fault_load import ContractRec, LetterRec, Load
from fault_system import PROCESSES, SERVICES, FaultSystem, free_port, read_json
from lexseal_cli.sample import contract_pdf
from servicekit.testing import DEFAULT_AMQP, DEFAULT_PG_ADMIN

CUT_SECONDS = 15.0
SETTLE_SECONDS = float(os.environ.get("FAULT_SUITE_SETTLE", "240"))
SHARED_UPLOADS = 8
BURST = 15  # letters approved at once before a cut and before signing is killed


def say(text: str) -> None:
    print(f"[fault-suite {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclass
class Run:
    """One run of the suite: the system, the load, what was injected and what went wrong."""

    fs: FaultSystem
    load: Load
    ledger: Ledger
    faults: list[str] = field(default_factory=list)
    injected: list[Injected] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)  # processes that did not come back
    _held: list[LetterRec] = field(default_factory=list)
    _holding: threading.Thread | None = None

    def hold_letters(self) -> None:
        """Start applying for the next burst of letters, in the background."""
        self._holding = threading.Thread(
            target=lambda: self._held.extend(self.load.letters_held(BURST)), daemon=True
        )
        self._holding.start()

    def held(self) -> list[LetterRec]:
        """Return the letters held for the next burst (waiting for them, bounded)."""
        if self._holding is not None:
            self._holding.join(120)
        out, self._held = self._held, []
        return out

    # ---- the faults ----

    def backlog(self, service: str) -> int:
        """Return the messages waiting in, or held unacked from, a service's queue."""
        q = self.fs.queues().get(self.fs.queue(service), {})
        return q.get("ready", 0) + q.get("unacked", 0)

    def signing_backlog(self, letters: list[LetterRec], *, at_least: int = 5) -> int:
        """Approve held letters at once and wait (bounded) until signing has work queued."""
        burst = threading.Thread(target=self.load.approve_burst, args=(letters,), daemon=True)
        burst.start()
        deadline = time.monotonic() + 30
        waiting = self.backlog("signing")
        while waiting < at_least and time.monotonic() < deadline:
            if not burst.is_alive() and waiting > 0:
                break
            time.sleep(0.2)
            waiting = self.backlog("signing")
        return waiting

    def broker_cut(
        self, letters: list[LetterRec], *, meanwhile: Any = None, health: bool = False
    ) -> None:
        """Cut the broker off for CUT_SECONDS while signing has a backlog of letters to seal."""
        waiting = self.signing_backlog(letters)
        started = time.monotonic()
        self.fs.proxy.cut()
        say(f"broker cut off; signing had {waiting} messages in flight")
        watch = threading.Thread(target=self.health_sees_outage, daemon=True)
        if health:
            watch.start()
        if meanwhile is not None:
            meanwhile()
        self.load.stop.wait(max(0.0, CUT_SECONDS - (time.monotonic() - started)))
        if health:
            watch.join(CUT_SECONDS)
        self.fs.proxy.restore()
        self.faults.append(f"broker_cut_{CUT_SECONDS:.0f}s")
        say("broker back")
        self.respawn_dead()
        self.wait_healthy()

    def health_sees_outage(self, within: float = 10) -> None:
        """Every service's /readyz names the broker as failing soon after the outage starts."""
        deadline = time.monotonic() + within
        left = set(SERVICES)
        while left and time.monotonic() < deadline:
            for name in sorted(left):
                try:
                    body = read_json(self.fs.sys.url(name) + "/readyz", timeout=2)
                except (OSError, ValueError):
                    continue
                found = (body or {}).get("checks", {})
                if any("broker" in key and value != "ok" for key, value in found.items()):
                    left.discard(name)
            time.sleep(0.5)
        for name in sorted(left):
            self.incidents.append(f"{name}: /readyz did not report the broker down in {within}s")

    def wait_healthy(self, timeout: float = 90) -> None:
        """Wait until the gateway says every service is ready (bounded)."""
        deadline = time.monotonic() + timeout
        body: Any = None
        while time.monotonic() < deadline:
            try:
                body = read_json(self.fs.sys.gateway_url + "/healthz")
                if body and body.get("status") == "ready":
                    return
            except (OSError, ValueError) as exc:
                body = str(exc)
            time.sleep(0.5)
        self.incidents.append(f"not healthy {timeout:.0f}s after a fault: {body}")

    def restart_without_broker(self, name: str) -> None:
        """Restart one service while the broker is away: it must start and serve."""
        self.fs.terminate(name)
        self.fs.spawn(name)
        self.faults.append(f"restart_without_broker:{name}")
        if self.fs.wait_http(name, "/healthz", timeout=CUT_SECONDS - 3):
            say(f"{name} restarted without the broker and serves")
            return
        code = self.fs.sys.processes[name].poll()
        self.incidents.append(
            f"{name} did not start while the broker was down (exit {code}):"
            f" {self.fs.log_tail(name, 600)}"
        )
        say(f"{name} did not start without the broker (exit {code})")

    def respawn_dead(self) -> None:
        """Start again, as an operator would, any process that exited by itself."""
        for name in self.fs.check_processes():
            say(f"{name} had exited: starting it again")
            self.fs.spawn(name)
            self.fs.wait_http(name, "/readyz", timeout=90)

    def kill9_each(self, letters: list[LetterRec]) -> None:
        """kill -9 each process in turn and start it again; signing with work queued."""
        for name in PROCESSES:
            if name == "signing":
                say(f"signing has {self.signing_backlog(letters)} messages in flight")
            self.fs.kill9(name)
            self.faults.append(f"kill9:{name}")
            self.fs.spawn(name)
            if not self.fs.wait_http(name, "/readyz", timeout=90):
                self.incidents.append(f"{name} not ready 90 s after kill -9 and restart")
            say(f"kill -9 {name}: back")

    def inject_poison(self) -> None:
        """Messages no consumer can apply, straight onto the exchange.

        First of all: the one whose handler keeps failing is dead-lettered only after its
        attempts, each waiting its delay and then its turn behind signing's backlog.
        """
        p = poison(unreachable_url=f"http://127.0.0.1:{free_port()}/internal/letters/x.pdf")
        publish(self.fs.amqp_url, self.fs.exchange, p)
        self.injected += p
        self.faults.append(f"poison:{len(p)}")
        say(f"published {len(p)} poison messages")

    def inject_duplicates(self) -> None:
        """Copies of events each service has already published, straight onto the exchange."""
        d = duplicates({n: self.fs.pg_url(n) for n in SERVICES})
        publish(self.fs.amqp_url, self.fs.exchange, d)
        self.injected += d
        self.faults.append(f"duplicates:{len(d)}")
        say(f"published {len(d)} duplicate deliveries")

    def shared_upload(self, *, rounds: int = 2, k: int = SHARED_UPLOADS) -> None:
        """Upload one new PDF to k contracts at the same moment (twice), then submit them."""
        answered = sum(self._upload_round(n, k) for n in range(rounds))
        self.faults.append(f"concurrent_upload:{rounds}x{k}")
        say(f"{rounds} times one PDF uploaded to {k} contracts at once: {answered} answered 2xx")

    def _upload_round(self, n: int, k: int) -> int:
        pdf = contract_pdf(title=f"FS {self.fs.run} shared {n}", parties=("甲", "乙"), pages=1)
        sha = hashlib.sha256(pdf).hexdigest()
        barrier = threading.Barrier(k)
        done: list[ContractRec] = []

        def one() -> None:
            api = self.load.api("lawyer1")
            rec = self.load.new_contract(api)
            barrier.wait(timeout=120)  # every upload leaves at the same moment
            if rec is not None and self.load.upload(api, rec, pdf, sha):
                done.append(rec)
                self.load.submit(api, rec)
            api.close()

        threads = [threading.Thread(target=one) for _ in range(k)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(240)
        return len(done)

    # ---- settling and checking ----

    def verdict(self, *, final: bool) -> checks.Verdict:
        v = checks.Verdict()
        db = checks.snapshot(self.fs, self.fs.run)
        bindings = self.fs.bindings()
        checks.effects(v, db, self.load, self.ledger)
        checks.bus(v, db, bindings, self.fs)
        seen = self.fs.queues()
        checks.queues(v, seen, self.fs)
        want = checks.expected_dead_letters(self.injected, bindings, self.fs)
        if final:
            api = self.load.api("lawyer1")
            checks.documents_served(v, api, self.load, self.ledger)
            api.close()
            got = {q: drain_dlq(self.fs.amqp_url, q) for q in want}
            checks.dead_letters(v, want, got)
            for name in self.fs.check_processes():
                v.add("stuck", f"{name} is not running")
            for text in self.incidents:
                v.add("stuck", text)
        else:
            for q, expected in want.items():
                if seen.get(q, {}).get("ready", 0) != sum(expected.values()):
                    v.add("stuck", f"{q} does not hold its poison messages yet")
        return v

    def unapproved(self) -> list[str]:
        """Say where each submitted contract still waiting for its approval stands."""
        with self.load.lock:
            ids = [c.id for c in self.load.contracts if c.submitted and not c.settled]
            letters = [x.id for x in self.load.letters if x.submitted and not x.settled]
        db = checks.snapshot(self.fs, self.fs.run)
        rounds = {r["contract_id"]: r for r in db["review"]["rounds"]}
        said = [f"{i}: rounds {list(rounds[i]['states']) if i in rounds else []}" for i in ids[:5]]
        return said + [f"letter {i}" for i in letters[:5]]

    def settle(self) -> float:
        """Poll until every effect is there and the bus is quiet; return the seconds waited."""
        start = time.monotonic()
        deadline = start + SETTLE_SECONDS
        waiting: list[str] = []
        while time.monotonic() < deadline:
            pending = self.load.pending_work()
            waiting = [f"{pending} approvals still to do: {self.unapproved()}"] if pending else []
            if not pending:
                v = self.verdict(final=False)
                if v.clean:
                    return time.monotonic() - start
                waiting = v.problems
            time.sleep(1.0)
        say(f"not settled after {SETTLE_SECONDS:.0f}s; still waiting for: {waiting[:8]}")
        return time.monotonic() - start


def probe_idempotency(base_url: str, run: str) -> bool:
    """Tell whether a creating POST repeated with the same Idempotency-Key returns the first."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        token = http.post(
            "/api/auth/login", json={"username": "lawyer1", "password": "demo-password"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        body = {"title": f"FSP {run}", "contract_type": "service", "client_name": "probe"}
        ids = [
            http.post("/api/contract/contracts", json=body, headers=headers).json().get("id")
            for _ in range(2)
        ]
    return ids[0] is not None and ids[0] == ids[1]


def _faults_then_checks(r: Run) -> tuple[checks.Verdict, float]:
    load = r.load
    try:
        held = load.letters_held(BURST)  # steady load meanwhile
        r.inject_poison()
        r.broker_cut(held, meanwhile=r.hold_letters, health=True)
        r.shared_upload()

        def restart_meanwhile() -> None:
            r.hold_letters()
            r.restart_without_broker("contract")

        r.broker_cut(r.held(), meanwhile=restart_meanwhile)
        r.inject_duplicates()
        r.kill9_each(r.held())
        load.stop.wait(5)
    finally:
        load.stop_new.set()
    say("load stopped; waiting for the system to settle")
    waited = r.settle()
    load.stop.set()
    load.join(60)
    v = r.verdict(final=True)
    for err in load.errors:
        v.add("stuck", f"load thread failed: {err}")
    for failure in r.ledger.failures:  # a valid request the system could not do: work lost
        v.add("lost", f"request failed: {failure}")
    return v, waited


def run_suite(data_dir: Path) -> tuple[dict[str, Any], checks.Verdict, Ledger]:
    """Run everything; return the JSON summary, the verdict and the ledger."""
    started = time.monotonic()
    amqp = os.environ.get("AMQP_URL", DEFAULT_AMQP)
    pg = os.environ.get("DATABASE_URL", DEFAULT_PG_ADMIN)
    with FaultSystem(data_dir=data_dir, amqp_url=amqp, pg_admin_url=pg) as fs:
        say(f"system {fs.run} ready in {time.monotonic() - started:.0f}s at {fs.sys.gateway_url}")
        ledger = Ledger()
        load = Load(base_url=fs.sys.gateway_url, run=fs.run, ledger=ledger)
        load.idempotent = probe_idempotency(fs.sys.gateway_url, fs.run)
        say(f"Idempotency-Key honoured: {load.idempotent}")
        r = Run(fs=fs, load=load, ledger=ledger)
        load.start()
        try:
            v, waited = _faults_then_checks(r)
        finally:
            load.stop_new.set()
            load.stop.set()  # also when the suite itself failed: no thread keeps retrying
        say(
            f"settled in {waited:.0f}s; {len(ledger.ok)} writes answered 2xx, "
            f"{ledger.retries} retries, {len(ledger.uncertain)} unknown outcomes, "
            f"{len(ledger.failures)} failed requests"
        )
        for line in ledger.uncertain[:10]:
            say(line)
        for kind in ("lost", "duplicated", "stuck"):
            mine = [p for p in v.problems if p.startswith(kind + ":")]
            for line in mine[:15]:
                say(line)
            if len(mine) > 15:
                say(f"... and {len(mine) - 15} more {kind} problems")
    summary = {
        "requests_ok": v.requests_ok,
        "effects": v.effects,
        "lost": v.lost,
        "duplicated": v.duplicated,
        "stuck": v.stuck,
        "faults": r.faults,
        "seconds": round(time.monotonic() - started),
    }
    return summary, v, ledger


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="lexseal-fault-"))
    summary, v, _ = run_suite(tmp)
    if v.clean:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        say(f"the processes' logs are kept in {tmp}/log")
    print(json.dumps(summary, separators=(",", ":"), ensure_ascii=False), flush=True)
    return 0 if v.clean else 1


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Api", "Gone", "main", "run_suite"]

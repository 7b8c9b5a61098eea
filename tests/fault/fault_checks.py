"""What the suite verifies afterwards, from the services' databases and the broker.

Every write that got a 2xx must have its full effect exactly once; every published event must
be in the inbox of every service bound to its type; no outbox row unpublished; queues drained
with their consumers attached; dead-letter queues holding the poison messages and nothing else.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from fault_client import Api, Ledger
from fault_inject import Injected
from fault_load import Load
from fault_system import SERVICES, FaultSystem

ADVANCED = {"approved", "signing", "counterparty_signed", "completed"}


@dataclass
class Verdict:
    """What the checks found: counts and the first lines of each problem."""

    requests_ok: int = 0
    effects: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, what: str, n: int = 1) -> None:
        setattr(self, kind, getattr(self, kind) + n)
        self.problems.append(f"{kind}: {what}")

    @property
    def clean(self) -> bool:
        return self.lost == self.duplicated == self.stuck == 0


async def _fetch(url: str, queries: dict[str, str]) -> dict[str, list[asyncpg.Record]]:
    conn = await asyncpg.connect(url)
    try:
        return {k: list(await conn.fetch(q)) for k, q in queries.items()}
    finally:
        await conn.close()


def snapshot(fs: FaultSystem, run: str) -> dict[str, dict[str, list[asyncpg.Record]]]:
    """Read what the checks need from every service's database."""
    bus = {
        "outbox": "SELECT id, type, published_at IS NOT NULL AS sent FROM outbox",
        "inbox": "SELECT event_id FROM inbox",
    }
    per = {
        "contract": {
            "contracts": f"SELECT id, title, status, document_sha256 FROM contracts"  # noqa: S608
            f" WHERE title LIKE 'FS {run} %'",
            "documents": "SELECT sha256 FROM documents",
            "signers": "SELECT contract_id, count(*) AS n FROM signers GROUP BY contract_id",
        },
        "review": {
            "rounds": "SELECT contract_id, count(*) AS n, array_agg(state) AS states,"
            " array_agg(id) AS ids FROM review_rounds GROUP BY contract_id",
        },
        "signing": {
            "envelopes": "SELECT kind, contract_id, count(*) AS n, array_agg(status) AS states"
            " FROM envelopes GROUP BY kind, contract_id",
        },
        "letters": {
            "letters": "SELECT id, case_serial_no, status, sealed_sha256, seal_error FROM letters"  # noqa: S608
            f" WHERE case_serial_no LIKE 'FS{run.upper()}L%'",
            "documents": "SELECT sha256 FROM letter_documents",
        },
        "notify": {},
    }

    async def run_all() -> dict[str, dict[str, list[asyncpg.Record]]]:
        return {name: await _fetch(fs.pg_url(name), {**bus, **per[name]}) for name in SERVICES}

    return asyncio.run(run_all())


def _once(v: Verdict, n: int, what: str) -> None:
    if n == 1:
        v.effects += 1
    elif n == 0:
        v.add("lost", what)
    else:
        v.add("duplicated", f"{what} ({n} times)")


def effects(v: Verdict, db: dict[str, dict[str, list[Any]]], load: Load, ledger: Ledger) -> None:
    """Check every 2xx write's effect; count duplicates of anything the load created."""
    contracts = db["contract"]["contracts"]
    by_title = Counter(r["title"] for r in contracts)
    by_id = {r["id"]: r for r in contracts}
    docs = {r["sha256"] for r in db["contract"]["documents"]}
    signers = {r["contract_id"]: r["n"] for r in db["contract"]["signers"]}
    rounds = {r["contract_id"]: r for r in db["review"]["rounds"]}
    envelopes = {(r["kind"], r["contract_id"]): r for r in db["signing"]["envelopes"]}
    letters = db["letters"]["letters"]
    by_marker = Counter(r["case_serial_no"] for r in letters)
    letter_by_id = {r["id"]: r for r in letters}
    letter_docs = {r["sha256"] for r in db["letters"]["documents"]}
    sha_of = {c.id: c.sha256 for c in load.contracts}
    for kind, key in ledger.ok:
        v.requests_ok += 1
        if kind == "contract.create":
            _once(v, by_title[key], f"contract {key!r}")
        elif kind == "contract.signer":
            _once(v, signers.get(key, 0), f"signer of contract {key}")
        elif kind == "contract.upload":
            row = by_id.get(key)
            sha = sha_of.get(key)
            good = row is not None and row["document_sha256"] == sha and sha in docs
            _once(v, int(good), f"document of contract {key}")
        elif kind == "contract.submit":
            _once(v, rounds[key]["n"] if key in rounds else 0, f"review round of contract {key}")
        elif kind == "review.claim":
            v.effects += 1  # its effect is the approval's precondition, checked there
        elif kind == "review.approve":
            status_ok = key in by_id and by_id[key]["status"] in ADVANCED
            env = envelopes.get(("contract", key))
            n = env["n"] if env else 0
            _once(v, n if status_ok else 0, f"approval of contract {key} (status, envelope)")
        elif kind == "letter.create":
            _once(v, by_marker[key], f"letter {key!r}")
        elif kind == "letter.submit":
            row = letter_by_id.get(key)
            _once(v, int(row is not None and row["status"] != "draft"), f"submission of {key}")
        elif kind == "letter.approve":
            row = letter_by_id.get(key)
            env = envelopes.get(("letter", key))
            sealed = (
                row is not None and row["sealed_sha256"] in letter_docs and not row["seal_error"]
            )
            _once(v, (env["n"] if env else 0) if sealed else 0, f"seal of letter {key}")
        else:
            raise AssertionError(f"no check for {kind}")
    for title, n in by_title.items():
        if n > 1 and (("contract.create", title) not in ledger.ok):
            v.add("duplicated", f"contract {title!r} of an unanswered create ({n} times)")
    for marker, n in by_marker.items():
        if n > 1 and (("letter.create", marker) not in ledger.ok):
            v.add("duplicated", f"letter {marker!r} of an unanswered create ({n} times)")


def documents_served(v: Verdict, api: Api, load: Load, ledger: Ledger) -> None:
    """Every uploaded document answers through the gateway with its own bytes."""
    uploaded = {key for kind, key in ledger.ok if kind == "contract.upload"}
    for rec in load.contracts:
        if rec.id not in uploaded:
            continue
        try:
            resp = api.http.get(
                f"/api/contract/contracts/{rec.id}/document",
                headers={"Authorization": f"Bearer {api.token}"},
            )
        except Exception as exc:
            v.add("lost", f"document of {rec.id}: {exc}")
            continue
        if resp.status_code != 200 or hashlib.sha256(resp.content).hexdigest() != rec.sha256:
            v.add("lost", f"document of contract {rec.id} answers {resp.status_code}")


def bus(
    v: Verdict, db: dict[str, dict[str, list[Any]]], bindings: dict[str, set[str]], fs: FaultSystem
) -> None:
    """Every published event reached every bound service's inbox; nothing waits to publish."""
    for name in SERVICES:
        unsent = sum(1 for r in db[name]["outbox"] if not r["sent"])
        if unsent:
            v.add("stuck", f"{name}: {unsent} outbox rows unpublished", unsent)
    events = [(r["id"], r["type"]) for name in SERVICES for r in db[name]["outbox"] if r["sent"]]
    for name in SERVICES:
        keys = bindings.get(fs.queue(name), set())
        inbox = {r["event_id"] for r in db[name]["inbox"]}
        missing = [(i, t) for i, t in events if t in keys and i not in inbox]
        if missing:
            sample = ", ".join(t for _, t in missing[:5])
            v.add(
                "lost",
                f"{name}: {len(missing)} published events never applied ({sample})",
                len(missing),
            )


def queues(v: Verdict, seen: dict[str, dict[str, int]], fs: FaultSystem) -> None:
    """Every service queue is drained and consumed; no message waits in a retry queue."""
    for name in SERVICES:
        if fs.queue(name) not in seen:
            v.add("stuck", f"queue {fs.queue(name)} is missing")
        elif seen[fs.queue(name)]["consumers"] < 1:
            v.add("stuck", f"{name}: no consumer on its queue")
    for queue, q in sorted(seen.items()):
        waiting = q["ready"] + q["unacked"]
        if waiting and not queue.endswith(".dlq"):
            v.add("stuck", f"{queue}: {q['ready']} ready + {q['unacked']} unacked", waiting)


def expected_dead_letters(
    injected: list[Injected], bindings: dict[str, set[str]], fs: FaultSystem
) -> dict[str, Counter[str]]:
    """Return, per DLQ, the message ids it must hold."""
    want: dict[str, Counter[str]] = {fs.queue(n) + ".dlq": Counter() for n in SERVICES}
    for m in injected:
        targets = (
            {fs.queue(n) for n in m.dead_letter_to}
            if m.dead_letter_to is not None
            else {q for q, keys in bindings.items() if m.routing_key in keys}
        )
        for q in targets:
            want[q + ".dlq"][m.message_id] += 1
    return want


def dead_letters(v: Verdict, want: dict[str, Counter[str]], got: dict[str, list[str]]) -> None:
    """Each DLQ holds exactly its poison messages."""
    for dlq, expected in want.items():
        held = Counter(got.get(dlq, []))
        for mid, n in (held - expected).items():
            v.add("lost", f"{dlq}: a real message was dead-lettered ({mid})", n)
        for mid, n in (expected - held).items():
            v.add("lost", f"{dlq}: poison message {mid} is not in the dead-letter queue", n)

"""Steady load through the gateway, as lawyers, risk control and the letter clerk work.

Contracts are created, uploaded, given a signer, submitted, claimed and approved by risk
control; letters are applied for, submitted and approved (and then sealed by the signing
service). Every object carries this run's marker so the checks find it in the databases.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from cnid import make_credit_code
from fault_client import Api, Gone, Ledger
from lexseal_cli.demo import COMPANY, letter_body
from lexseal_cli.sample import contract_pdf

FIRM = "示例律师事务所"


@dataclass
class ContractRec:
    """One contract the load created, and how far it got (by 2xx answers)."""

    title: str
    id: str = ""
    sha256: str = ""
    submitted: bool = False
    settled: bool = False  # approved, or given up on


@dataclass
class LetterRec:
    """One letter the load applied for, and how far it got."""

    marker: str
    id: str = ""
    held: bool = False  # kept for a burst of approvals, not approved by the clerk's loop
    submitted: bool = False
    settled: bool = False  # approved, or given up on


class Load:
    """The users' threads; `stop_new` ends new work, `stop` ends retrying too."""

    def __init__(self, *, base_url: str, run: str, ledger: Ledger, pace: float = 1.0) -> None:
        self.base_url = base_url
        self.run = run
        self.ledger = ledger
        self.pace = pace
        self.stop_new = threading.Event()
        self.stop = threading.Event()
        self.idempotent = False  # whether the gateway's services honour Idempotency-Key
        self.contracts: list[ContractRec] = []
        self.letters: list[LetterRec] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.errors: list[str] = []
        self._n = 0

    def api(self, user: str) -> Api:
        return Api(
            self.base_url,
            user,
            ledger=self.ledger,
            stop=self.stop,
            idempotency=lambda: self.idempotent,
        )

    def next_n(self) -> int:
        with self.lock:
            self._n += 1
            return self._n

    # ---- threads ----

    def start(self) -> None:
        for name, fn in (
            ("lawyer-contracts", self._contracts_loop),
            ("lawyer-letters", self._letters_loop),
            ("risk-control", self._review_loop),
            ("clerk", self._clerk_loop),
        ):
            t = threading.Thread(target=self._guard(name, fn), name=name, daemon=True)
            t.start()
            self.threads.append(t)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))

    def producing(self) -> bool:
        """Tell whether a lawyer's thread may still submit something."""
        return any(t.is_alive() for t in self.threads if t.name.startswith("lawyer"))

    def pending_work(self) -> int:
        """Return how many submitted contracts and letters still wait for their approval."""
        with self.lock:
            return sum(c.submitted and not c.settled for c in self.contracts) + sum(
                x.submitted and not x.settled and not x.held for x in self.letters
            )

    def _guard(self, name: str, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception as exc:  # a bug in the load itself must show, not hang
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                self.stop_new.set()

        return run

    def _sleep(self, seconds: float) -> None:
        self.stop.wait(seconds * self.pace)

    # ---- contracts ----

    def new_contract(self, api: Api) -> ContractRec | None:
        """Create a draft contract with a signer; None if the flow had to stop."""
        rec = ContractRec(title=f"FS {self.run} C{self.next_n():04d}")
        with self.lock:
            self.contracts.append(rec)
        try:
            body = api.create(
                "contract.create",
                rec.title,
                "/api/contract/contracts",
                json={
                    "title": rec.title,
                    "contract_type": "service",
                    "client_name": COMPANY,
                    "amount": "1000.00",
                    "remarks": "fault suite",
                },
            )
            rec.id = body["id"]
            api.create(
                "contract.signer",
                rec.id,
                f"/api/contract/contracts/{rec.id}/signers",
                json={
                    "kind": "enterprise",
                    "name": COMPANY,
                    "id_number": make_credit_code(body=f"91310115MA1K{len(self.contracts):05d}"),
                    "legal_representative": "王五",
                    "operator_name": "赵六",
                    "operator_mobile": "13800138000",
                    "bank_account_name": COMPANY,
                    "bank_account_number": "310012345678",
                    "bank_name": "招商银行上海分行",
                },
            )
        except Gone:
            return None
        return rec

    def upload(self, api: Api, rec: ContractRec, pdf: bytes, sha256: str) -> bool:
        try:
            api.put(
                "contract.upload",
                rec.id,
                f"/api/contract/contracts/{rec.id}/document",
                files={"file": ("contract.pdf", pdf, "application/pdf")},
            )
        except Gone:
            return False
        rec.sha256 = sha256
        return True

    def submit(self, api: Api, rec: ContractRec) -> None:
        def reached() -> bool:
            return bool(api.get(f"/api/contract/contracts/{rec.id}")["status"] != "draft")

        try:
            api.transition(
                "contract.submit",
                rec.id,
                f"/api/contract/contracts/{rec.id}/submit",
                reached=reached,
            )
        except Gone:
            return
        rec.submitted = True

    def _contracts_loop(self) -> None:
        import hashlib

        api = self.api("lawyer1")
        while not self.stop_new.is_set():
            rec = self.new_contract(api)
            if rec is not None:
                pdf = contract_pdf(title=rec.title, parties=(COMPANY, FIRM), pages=1)
                if self.upload(api, rec, pdf, hashlib.sha256(pdf).hexdigest()):
                    self.submit(api, rec)
            self._sleep(0.6)
        api.close()

    def _review_loop(self) -> None:
        api = self.api("risk1")
        while not self.stop.is_set():
            if self.stop_new.is_set() and not self.producing() and self.pending_work() == 0:
                break
            queue = api.get("/api/review/queue", params={"state": "pending", "limit": 200})
            with self.lock:
                ours = {c.id: c for c in self.contracts if c.submitted and not c.settled}
            items = [i for i in queue["data"] if i["contract_id"] in ours]
            for item in items:
                if self.stop.is_set():
                    break
                self._approve(api, item, ours[item["contract_id"]])
            if not items:
                self._sleep(0.5)
        api.close()

    def _approve(self, api: Api, item: dict[str, object], rec: ContractRec) -> None:
        path = f"/api/review/items/{item['id']}"

        def state_in(*states: str) -> Callable[[], bool]:
            return lambda: bool(api.get(path)["state"] in states)

        try:
            api.transition(
                "review.claim", str(item["id"]), path + "/claim", reached=state_in("claimed")
            )
            keys = [c["key"] for c in api.get(path)["checklist"]]
            api.transition(
                "review.approve",
                rec.id,
                path + "/approve",
                json={"confirmations": keys, "comment": "fault suite"},
                reached=state_in("approved"),
            )
        except Gone:
            pass
        rec.settled = True

    # ---- letters ----

    def new_letter(self, api: Api, *, held: bool = False) -> LetterRec:
        """Apply for an electronic letter and submit it (held: the clerk's loop leaves it)."""
        # upper case: the letters service keeps case numbers in upper case
        rec = LetterRec(marker=f"FS{self.run}L{self.next_n():04d}".upper(), held=held)
        with self.lock:
            self.letters.append(rec)
        body = letter_body("electronic")
        body["case_serial_no"] = rec.marker
        try:
            rec.id = api.create("letter.create", rec.marker, "/api/letters/letters", json=body)[
                "id"
            ]
            path = f"/api/letters/letters/{rec.id}"
            api.transition(
                "letter.submit",
                rec.id,
                path + "/submit",
                reached=lambda: bool(api.get(path)["status"] != "draft"),
            )
            rec.submitted = True
        except Gone:
            pass
        return rec

    def approve_letter(self, api: Api, *, rec: LetterRec) -> None:
        path = f"/api/letters/letters/{rec.id}"
        with contextlib.suppress(Gone):
            api.transition(
                "letter.approve",
                rec.id,
                path + "/approve",
                json={},
                reached=lambda: bool(api.get(path)["status"] != "submitted"),
            )
        rec.settled = True

    def in_parallel(self, user: str, work: list[Callable[[Api], object]], threads: int = 3) -> None:
        """Run the work items on `threads` sessions of `user` at once."""
        items = list(work)
        lock = threading.Lock()

        def worker() -> None:
            api = self.api(user)
            while True:
                with lock:
                    if not items:
                        break
                    item = items.pop()
                item(api)
            api.close()

        pool = [
            threading.Thread(target=self._guard(f"{user}-batch", worker)) for _ in range(threads)
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join(300)

    def letters_held(self, n: int) -> list[LetterRec]:
        """Apply for and submit n letters now, kept back from the clerk for a burst."""
        out: list[LetterRec] = []
        self.in_parallel("lawyer2", [lambda api: out.append(self.new_letter(api, held=True))] * n)
        return [r for r in out if r.submitted]

    def approve_burst(self, recs: list[LetterRec]) -> None:
        """Approve held letters all at once: a backlog of letters for the signing service."""
        self.in_parallel("clerk1", [partial(self.approve_letter, rec=r) for r in recs])

    def _letters_loop(self) -> None:
        api = self.api("lawyer2")
        while not self.stop_new.is_set():
            self.new_letter(api)
            self._sleep(0.9)
        api.close()

    def _clerk_loop(self) -> None:
        api = self.api("clerk1")
        while not self.stop.is_set():
            if self.stop_new.is_set() and not self.producing() and self.pending_work() == 0:
                break
            with self.lock:
                todo = [x for x in self.letters if x.submitted and not x.settled and not x.held]
            for rec in todo:
                self.approve_letter(api, rec=rec)
            if not todo:
                self._sleep(0.5)
        api.close()

"""The attacks a probing user tried, replayed against the running system (every real process).

Object- and function-level authorization over every route the merged /openapi.json lists,
forged tokens, mass assignment, SSRF targets for webhooks, odd bodies, the holes found by
probing (lockout bypass, the 500 that closed a neighbour's connection, page ranges, huge
pages, revocation, headers), and a bounded schemathesis run that must find no server error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cnid import make_credit_code
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from lexseal_cli.client import Gateway, wait_for
from lexseal_cli.demo import letter_body
from lexseal_cli.sample import contract_pdf

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password"
COMPANY = "上海攻防测试有限公司"
MUTATING = ("post", "put", "patch", "delete")
# capability URLs: the secret is the path itself; probed with unknown values below
CAPABILITY = re.compile(r"\{(token|code)\}")
REFUSED = {401, 403, 404, 405, 409, 413, 422}
# what any signed-in caller does to their own account, whatever their role
SELF_SERVICE = {"/api/auth/login", "/api/auth/logout", "/api/notify/contact"}


@dataclass
class World:
    """What lawyer1 owns, and clients for everyone else."""

    url: str
    users: dict[str, Gateway]
    ids: dict[str, str] = field(default_factory=dict)
    invite_token: str = ""

    def token(self, username: str) -> str:
        return str(self.users[username].token)

    def fill(self, path: str) -> str:
        """Put lawyer1's real ids (or a fresh uuid) into a path template."""

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in ("n", "page"):
                return "1"
            if name == "fmt":
                return "png"
            if name == "name":
                return "x.js"
            return self.ids.get(name, str(uuid.uuid4()))

        return re.sub(r"\{([a-z_]+)\}", one, path)


def _hdr(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


@pytest.fixture(scope="module")
def world(system: Any) -> Iterator[World]:
    """lawyer1's contract (in signing, with an invitation), draft letter, notification, ..."""
    url = system.gateway_url
    users = {
        name: Gateway(url).login(name, PASSWORD)
        for name in ("lawyer1", "lawyer2", "risk1", "clerk1", "admin")
    }
    w = World(url=url, users=users)
    lawyer, risk, admin = users["lawyer1"], users["risk1"], users["admin"]
    credit_code = make_credit_code(body="91310115MA1K" + f"{secrets.randbelow(10**5):05d}")
    contract = lawyer.call(
        "POST",
        "/api/contract/contracts",
        json={"title": "攻防测试合同", "contract_type": "service", "client_name": COMPANY},
    )
    cid = contract["id"]
    lawyer.call(
        "PUT",
        f"/api/contract/contracts/{cid}/document",
        files={
            "file": (
                "c.pdf",
                contract_pdf(title="攻防测试合同", parties=(COMPANY, "示例律师事务所")),
                "application/pdf",
            )
        },
    )
    signer = lawyer.call(
        "POST",
        f"/api/contract/contracts/{cid}/signers",
        json={
            "kind": "enterprise",
            "name": COMPANY,
            "id_number": credit_code,
            "legal_representative": "王五",
            "operator_name": "赵六",
            "operator_mobile": "13800138000",
            "bank_account_name": COMPANY,
            "bank_account_number": "310012345678",
            "bank_name": "招商银行上海分行",
        },
    )
    lawyer.call("POST", f"/api/contract/contracts/{cid}/submit")

    def queued() -> dict[str, Any] | None:
        items = risk.call("GET", "/api/review/queue", params={"state": "pending"})["data"]
        return next((i for i in items if i["contract_id"] == cid), None)

    item = wait_for("the review item", queued)
    risk.call("POST", f"/api/review/items/{item['id']}/claim")
    keys = [c["key"] for c in risk.call("GET", f"/api/review/items/{item['id']}")["checklist"]]
    risk.call("POST", f"/api/review/items/{item['id']}/approve", json={"confirmations": keys})

    def envelope() -> dict[str, Any] | None:
        env = lawyer.call("GET", "/api/signing/envelopes", params={"contract_id": cid})["data"]
        return env[0] if env else None

    eid = wait_for("the envelope", envelope)["id"]
    inv = lawyer.call(
        "POST", f"/api/signing/envelopes/{eid}/invitations", json={"signer_id": signer["id"]}
    )
    w.invite_token = inv["url"].rstrip("/").rsplit("/", 1)[1]
    letter = lawyer.call("POST", "/api/letters/letters", json=letter_body("electronic"))
    sub = admin.call(
        "POST",
        "/api/notify/webhooks",
        json={"url": "https://partner.example/hook", "event_types": ["contract.*"]},
    )
    key = admin.call("POST", "/api/auth/api-keys", json={"name": "attack-suite"})
    notes = lawyer.call("GET", "/api/notify/notifications")["data"]
    w.ids = {
        "contract_id": cid,
        "signer_id": signer["id"],
        "round_id": item["id"],
        "envelope_id": eid,
        "invitation_id": inv["invitation_id"],
        "letter_id": letter["id"],
        "subscription_id": sub["id"],
        "key_id": key["id"],
        "user_id": lawyer.call("GET", "/api/auth/me")["id"],
        **({"notification_id": notes[0]["id"]} if notes else {}),
    }
    w.ids["partner_key"] = key["key"]
    yield w
    for g in users.values():
        g.close()


@pytest.fixture(scope="module")
def openapi(world: World) -> dict[str, Any]:
    doc: dict[str, Any] = httpx.get(world.url + "/openapi.json", timeout=60).json()
    return doc


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, item in sorted(doc["paths"].items()):
        for method in item:
            if method in ("get", *MUTATING):
                yield method, path


def _call(world: World, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: dict[str, Any] | None = None if method in ("get", "delete") else {}
    return httpx.request(
        method.upper(), world.url + world.fill(path), json=body, headers=headers, timeout=60
    )


def test_bola_no_route_with_an_id_answers_another_lawyer(
    world: World, openapi: dict[str, Any]
) -> None:
    """lawyer2 asks for (and tries to change) each of lawyer1's objects by id: never served."""
    other = _hdr(world.token("lawyer2"))
    tried, leaks = 0, []
    for method, path in _operations(openapi):
        if "{" not in path or CAPABILITY.search(path) or path.endswith("/logout"):
            continue
        if path.startswith("/api/verify"):
            continue  # public by design: verification, CA certificates, CRLs, OCSP
        resp = _call(world, method, path, other)
        tried += 1
        if resp.status_code not in REFUSED:
            leaks.append(f"{method.upper()} {path} -> {resp.status_code} {resp.text[:120]}")
    assert tried > 40  # the merged document names every service's id routes
    assert not leaks, "\n".join(leaks)


def test_wrong_role_on_every_mutating_route(world: World, openapi: dict[str, Any]) -> None:
    """A user with no role, and a partner's API key, change nothing anywhere they may not."""
    admin = world.users["admin"]
    name = f"noroles{secrets.token_hex(3)}"
    admin.call(
        "POST",
        "/api/auth/users",
        json={"username": name, "display_name": "无角色", "password": "long-enough-pw"},
    )
    nobody = _hdr(str(Gateway(world.url).login(name, "long-enough-pw").token))
    partner = {"X-API-Key": world.ids["partner_key"], "Accept-Language": "en"}
    wrong = []
    for method, path in _operations(openapi):
        if method not in MUTATING or CAPABILITY.search(path) or path.startswith("/api/verify"):
            continue
        if path in SELF_SERVICE:
            continue
        for who, headers in (("no role", nobody), ("partner", partner)):
            if who == "partner" and path.startswith("/api/notify/webhooks"):
                continue  # partners manage their own webhooks
            resp = _call(world, method, path, headers)
            if resp.status_code not in REFUSED:
                wrong.append(f"{who}: {method.upper()} {path} -> {resp.status_code}")
    assert not wrong, "\n".join(wrong)


def _gateway_key(system: Any) -> Ed25519PrivateKey:
    pem = (Path(system.data_dir) / "gateway/keys/jwt-ed25519.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hs256(claims: dict[str, Any], key: bytes) -> str:
    """Return a token MACed with `key` (the algorithm-confusion attack on a public key)."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{head}.{_b64(json.dumps(claims).encode())}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def test_forged_tokens_are_refused(system: Any, world: World) -> None:
    me = world.users["lawyer1"].call("GET", "/api/auth/me")
    now = int(time.time())
    claims = {
        "sub": me["id"],
        "name": "lawyer1",
        "roles": ["admin", "lawyer", "risk_control"],
        "iss": "lexseal-gateway",
        "aud": "lexseal",
        "iat": now,
        "exp": now + 600,
    }
    real = _gateway_key(system)
    public_pem = real.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    none_head = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    unsigned = f"{none_head}.{_b64(json.dumps(claims).encode())}."
    genuine = world.token("lawyer1")
    head, body, sig = genuine.split(".")
    tampered_body = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    tampered_body["roles"] = ["admin"]
    tampered = ".".join((head, _b64(json.dumps(tampered_body).encode()), sig))
    forged = {
        "alg none": unsigned,
        "HS256 keyed with the public key": _hs256(claims, public_pem),
        "another Ed25519 key": jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA"),
        "expired": jwt.encode({**claims, "exp": now - 5}, real, algorithm="EdDSA"),
        "wrong audience": jwt.encode({**claims, "aud": "other"}, real, algorithm="EdDSA"),
        "wrong issuer": jwt.encode({**claims, "iss": "evil"}, real, algorithm="EdDSA"),
        "stale token version": jwt.encode({**claims, "ver": 999}, real, algorithm="EdDSA"),
        "unknown user": jwt.encode(
            {**claims, "sub": str(uuid.uuid4()), "ver": 0}, real, algorithm="EdDSA"
        ),
        "tampered roles": tampered,
        "garbage": "a.b.c",
    }
    for what, token in forged.items():
        for path in ("/api/contract/contracts", "/api/auth/me", "/api/auth/users"):
            resp = httpx.get(world.url + path, headers=_hdr(token), timeout=30)
            assert resp.status_code == 401, (what, path, resp.status_code, resp.text)


def test_mass_assignment_fields_are_refused_and_nothing_is_created(world: World) -> None:
    """Server-side fields (status, owner, numbers, ids) in a body are a 422, never applied."""
    lawyer = world.users["lawyer1"].http
    auth = _hdr(world.token("lawyer1"))
    before = world.users["lawyer1"].call("GET", "/api/contract/contracts")["count"]
    forged = {"status": "completed", "owner_id": "someone-else", "id": str(uuid.uuid4())}
    base = {"title": "批量赋值", "contract_type": "service", "client_name": COMPANY}
    for field_name, value in forged.items():
        resp = lawyer.post(
            "/api/contract/contracts", json={**base, field_name: value}, headers=auth
        )
        assert resp.status_code == 422, (field_name, resp.text)
        assert resp.json()["error"]["details"][0]["type"] == "extra_forbidden"
    assert world.users["lawyer1"].call("GET", "/api/contract/contracts")["count"] == before
    cid = world.ids["contract_id"]
    patched = lawyer.patch(
        f"/api/contract/contracts/{cid}", json={"status": "approved"}, headers=auth
    )
    assert patched.status_code in (409, 422), patched.text
    detail = world.users["lawyer1"].call("GET", f"/api/contract/contracts/{cid}")
    assert detail["status"] not in ("approved", "draft")  # still where the workflow put it
    for field_name, value in {"status": "sealed", "number": "伪造号", "owner_id": "x"}.items():
        resp = lawyer.post(
            "/api/letters/letters",
            json={**letter_body("electronic"), field_name: value},
            headers=auth,
        )
        # refused, or the field ignored: the letter is a draft without a number either way
        assert resp.status_code in (201, 422), (field_name, resp.text)
        if resp.status_code == 201:
            letter = resp.json()
            assert letter["status"] == "draft" and not letter.get("number"), letter
            assert letter.get("owner_id", world.ids["user_id"]) == world.ids["user_id"]
    me = world.users["lawyer1"].call("GET", "/api/auth/me")
    assert me["roles"] == ["lawyer"]


@pytest.mark.parametrize(
    "target",
    [
        # loopback (127.0.0.1, ::1) is allowed only in development (NOTIFY_WEBHOOK_ALLOW_LOOPBACK_
        # TARGETS, which this system sets for `lexseal demo`'s receiver; production refuses it)
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://167772161/",  # 10.0.0.1 as one decimal number
        "http://0x0a000001/",  # and in hex
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "ftp://example.com/x",
    ],
)
def test_webhooks_to_internal_targets_are_refused(world: World, target: str) -> None:
    resp = world.users["admin"].http.post(
        "/api/notify/webhooks",
        json={"url": target, "event_types": ["contract.*"]},
        headers=_hdr(world.token("admin")),
    )
    assert resp.status_code == 422, (target, resp.status_code, resp.text)
    assert resp.json()["error"]["code"] in ("webhook_url_invalid", "webhook_url_private")


def test_odd_bodies_are_client_errors_never_server_errors(world: World) -> None:
    lawyer = _hdr(world.token("lawyer1"))
    url = world.url + "/api/contract/contracts"
    odd: dict[str, tuple[bytes, str]] = {
        "huge title": (json.dumps({"title": "长" * 3_000_000}).encode(), "application/json"),
        "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        "invalid utf-8": (b'{"title": "\xff\xfe"}', "application/json"),
        "not json": (b"{title:", "application/json"),
        "json as text": (b'{"title": "x"}', "text/plain"),
        "NUL": (b'{"title": "a\\u0000b", "contract_type": "service"}', "application/json"),
        "Infinity": (b'{"title": "x", "amount": Infinity}', "application/json"),
        "NaN amount": (b'{"title": "x", "amount": "NaN"}', "application/json"),
        "empty": (b"", "application/json"),
        "array": (b"[]", "application/json"),
    }
    for what, (body, ctype) in odd.items():
        resp = httpx.post(url, content=body, headers={**lawyer, "content-type": ctype}, timeout=60)
        assert 400 <= resp.status_code < 500, (what, resp.status_code, resp.text[:200])
        assert resp.headers["content-type"].startswith("application/json"), what
    for query in ("limit=100000000000000000000", "limit=-1", "limit=abc", "offset=1e309"):
        resp = httpx.get(f"{url}?{query}", headers=lawyer, timeout=30)
        assert resp.status_code < 500, (query, resp.status_code)


def test_an_infinite_deposit_amount_is_a_422_and_the_next_request_is_served(
    world: World,
) -> None:
    """Finding 2: the 500 here used to close the connection the next request went out on."""
    with httpx.Client(base_url=world.url, timeout=30) as client:
        for amount in ("inf", "-inf", "Infinity", "NaN", "1e400"):
            bad = client.post(
                "/api/signing/invite/" + "x" * 43 + "/deposit/confirm", json={"amount": amount}
            )
            assert bad.status_code == 422, (amount, bad.text)
            assert bad.json()["error"]["code"] == "deposit_amount_format"
            after = client.post(
                "/api/signing/invite/" + "y" * 43 + "/decline", json={"reason": "x"}
            )
            assert after.status_code == 404, after.text  # answered, not "connection closed"


def test_page_images_past_either_end_are_404(world: World) -> None:
    lawyer = _hdr(world.token("lawyer1"))
    bases = [
        (f"/api/signing/envelopes/{world.ids['envelope_id']}", lawyer),
        (f"/api/signing/invite/{world.invite_token}", {}),
        (f"/api/contract/contracts/{world.ids['contract_id']}", lawyer),
    ]
    for base, headers in bases:
        for n in (0, -1, 999999):
            resp = httpx.get(f"{world.url}{base}/pages/{n}.png", headers=headers, timeout=30)
            assert resp.status_code in (404, 422), (base, n, resp.status_code, resp.text[:200])
        ok = httpx.get(f"{world.url}{base}/pages/1.png", headers=headers, timeout=60)
        assert ok.status_code == 200 and ok.content.startswith(b"\x89PNG"), base


def _huge_page_pdf() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import FloatObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=14_400, height=14_400)
    page[NameObject("/UserUnit")] = FloatObject(10)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_a_page_beyond_the_size_limit_is_refused_at_upload(world: World) -> None:
    lawyer = world.users["lawyer1"]
    made = lawyer.call(
        "POST",
        "/api/contract/contracts",
        json={"title": "巨型页面", "contract_type": "service", "client_name": COMPANY},
    )
    resp = lawyer.http.put(
        f"/api/contract/contracts/{made['id']}/document",
        files={"file": ("huge.pdf", _huge_page_pdf(), "application/pdf")},
        headers=_hdr(world.token("lawyer1")),
    )
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "pdf_page_too_large"


def test_login_lockout_cannot_be_dodged_with_x_forwarded_for(world: World) -> None:
    admin = world.users["admin"]
    name = f"lockme{secrets.token_hex(3)}"
    admin.call(
        "POST",
        "/api/auth/users",
        json={"username": name, "display_name": "锁定", "password": "long-enough-pw"},
    )
    codes = [
        httpx.post(
            world.url + "/api/auth/login",
            json={"username": name, "password": "wrong"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
            timeout=30,
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429], codes
    right = httpx.post(
        world.url + "/api/auth/login",
        json={"username": name, "password": "long-enough-pw"},
        headers={"X-Forwarded-For": "203.0.113.99"},
        timeout=30,
    )
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0


def test_removed_roles_and_deactivation_stop_the_old_token_at_once(world: World) -> None:
    admin = world.users["admin"]
    name = f"leaver{secrets.token_hex(3)}"
    user = admin.call(
        "POST",
        "/api/auth/users",
        json={
            "username": name,
            "display_name": "离职",
            "password": "long-enough-pw",
            "roles": ["lawyer"],
        },
    )
    token = str(Gateway(world.url).login(name, "long-enough-pw").token)
    body = {"title": "离职前", "contract_type": "service", "client_name": COMPANY}
    before = httpx.post(world.url + "/api/contract/contracts", json=body, headers=_hdr(token))
    assert before.status_code == 201
    admin.call("PATCH", f"/api/auth/users/{user['id']}", json={"roles": []})
    after = httpx.post(world.url + "/api/contract/contracts", json=body, headers=_hdr(token))
    assert after.status_code == 401 and after.json()["error"]["code"] == "token_revoked"


def test_security_headers_on_pages_api_and_documents(world: World) -> None:
    lawyer = _hdr(world.token("lawyer1"))
    checks = [
        ("/", {}),
        (f"/sign/{world.invite_token}", {}),
        ("/verify/unknown-code", {}),
        ("/share/" + "z" * 43, {}),
        ("/api/auth/me", lawyer),
        (f"/api/contract/contracts/{world.ids['contract_id']}", lawyer),
        (f"/api/contract/contracts/{world.ids['contract_id']}/document", lawyer),
        (f"/api/signing/envelopes/{world.ids['envelope_id']}/document.pdf", lawyer),
    ]
    for path, headers in checks:
        resp = httpx.get(world.url + path, headers=headers, timeout=30)
        h = resp.headers
        assert h.get("x-content-type-options") == "nosniff", path
        csp = h.get("content-security-policy", "")
        script = next((p for p in csp.split(";") if p.strip().startswith("script-src")), "")
        assert "frame-ancestors 'none'" in csp and "'self'" in script, (path, csp)
        assert "unsafe-inline" not in script, (path, csp)
        assert h.get("referrer-policy") == "no-referrer", path
        if path.startswith("/api/"):
            assert h.get("cache-control") == "no-store", path
        assert len(h.get_list("server")) <= 1 and len(h.get_list("date")) == 1, path
        if path.startswith(("/sign/", "/verify/")) and resp.status_code == 200:
            assert "<script>" not in resp.text, path


def test_capability_urls_with_unknown_secrets_are_404(world: World) -> None:
    for path in (
        "/sign/" + "x" * 43,
        "/api/signing/invite/" + "x" * 43,
        "/api/signing/invite/" + "x" * 43 + "/document.pdf",
        "/share/" + "x" * 43,
        "/api/letters/share/" + "x" * 43 + "/document.pdf",
    ):
        assert httpx.get(world.url + path, timeout=30).status_code == 404, path


def test_schemathesis_finds_no_server_error(world: World, tmp_path: Path) -> None:
    """A bounded property-based run over the merged document, as lawyer1: zero 5xx."""
    cli = Path(sys.executable).with_name("schemathesis")
    assert cli.exists(), "schemathesis is a dev dependency: run make install"
    report = tmp_path / "junit.xml"
    done = subprocess.run(
        [
            str(cli),
            "run",
            world.url + "/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "5",
            "--phases",
            "examples,fuzzing,stateful",
            "--header",
            f"Authorization: Bearer {world.token('lawyer1')}",
            "--exclude-path",
            "/api/auth/logout",
            "--exclude-path",
            "/api/auth/login",
            "--workers",
            "2",
            "--request-timeout",
            "60",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,  # its cache directory goes there, not into the checkout
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]

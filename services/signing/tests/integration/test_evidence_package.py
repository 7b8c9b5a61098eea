"""The evidence package (出证) lists each signature's facts and verifies on its own with
`lexseal evidence verify` (the CLI beside the interpreter: no running system, no import)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ONE_SIGNER, counterparty_signs, firm_signs, started
from lexseal_ca.pki import CertificateAuthority
from servicekit.testing import TestIdentity, missing_tool

pytestmark = pytest.mark.integration

LEXSEAL = Path(sys.executable).with_name("lexseal")


def _verify(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LEXSEAL), "evidence", "verify", str(path), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _repack(package: bytes, changes: dict[str, bytes], *, fix_manifest: bool) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files.update(changes)
    if fix_manifest:
        manifest = json.loads(files["manifest.json"])
        for name in changes:
            manifest["files"][name]["sha256"] = hashlib.sha256(changes[name]).hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


async def test_the_evidence_package_lists_each_signature_and_verifies_on_its_own(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    if not LEXSEAL.exists():
        missing_tool("lexseal CLI not installed")
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        await counterparty_signs(s)
        assert (await firm_signs(s)).status_code == 200
        r = await s.client.get(f"/api/signing/envelopes/{s.eid}/evidence.zip", headers=s.lawyer)
        assert r.status_code == 200, r.text
        package = r.content

    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert set(zf.namelist()) == {
            "manifest.json", "signed.pdf", "audit-trail.pdf", "evidence.json", "root.pem",
        }  # fmt: skip
        facts = json.loads(zf.read("evidence.json"))
    person, firm = facts["signatures"]
    assert (person["field"], person["signer"], firm["field"]) == ("sig_1", "张三", "firm")
    for sig in (person, firm):
        assert sig["certificate_serial"] and "Signing CA" in sig["certificate_issuer"]
        assert sig["signing_time"] and sig["timestamp"]
        assert sig["revocation_at_signing"] == {"status": "good", "revocation": None}
        assert sig["signed_revision_sha256"] in {r["sha256"] for r in facts["revisions"]}
    # the counterparty confirmed their intent by SMS code; the firm signs with its own key
    assert person["intent_confirmation"]["action"] == "intent_confirmed"
    assert person["intent_confirmation"]["detail"]["method"] == "sms_otp"
    assert firm["intent_confirmation"] is None
    assert [t["field"] for t in facts["document_timestamps"]] == ["archive_ts_1"]
    assert facts["revisions"][-1]["sha256"] == facts["signed_sha256"]

    good = tmp_path / "evidence.zip"
    good.write_bytes(package)
    result = _verify(good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VERIFIED:" in result.stdout and "NOT VERIFIED" not in result.stdout
    assert "张三" in result.stdout and "timestamp" in result.stdout

    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        signed, evidence = zf.read("signed.pdf"), zf.read("evidence.json")
    flipped = bytearray(signed)
    at = signed.index(b"/Contents", len(signed) // 3) - 200
    flipped[at] = (flipped[at] + 1) % 256
    other_root = CertificateAuthority.open(tmp_path / "other", passphrase=b"x").root_pem()
    forged_facts = evidence.replace(person["certificate_serial"].encode(), b"abc123")
    tampered = {
        "a signed PDF changed, manifest not": _repack(
            package, {"signed.pdf": bytes(flipped)}, fix_manifest=False
        ),
        "a signed PDF changed, manifest too": _repack(
            package, {"signed.pdf": bytes(flipped)}, fix_manifest=True
        ),
        "evidence.json edited": _repack(
            package, {"evidence.json": forged_facts}, fix_manifest=True
        ),
        "another root": _repack(package, {"root.pem": other_root}, fix_manifest=True),
        "a file smuggled in": _repack(package, {"note.txt": b"trust me"}, fix_manifest=False),
    }
    for case, data in tampered.items():
        path = tmp_path / "tampered.zip"
        path.write_bytes(data)
        result = _verify(path)
        assert result.returncode == 1, (case, result.stdout, result.stderr)
        assert "NOT VERIFIED:" in result.stdout and "FAIL" in result.stdout, case

    # an independently obtained root that is not the package's is refused too
    (tmp_path / "other.pem").write_bytes(other_root)
    assert _verify(good, "--root", str(tmp_path / "other.pem")).returncode == 1
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert _verify(tmp_path / "junk.zip").returncode == 1
    assert _verify(tmp_path / "missing.zip").returncode == 2

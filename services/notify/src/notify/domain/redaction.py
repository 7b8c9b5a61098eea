"""What partners may see: events leave the firm with personal identifiers masked."""

from __future__ import annotations

import json
from typing import Any

from cnid import mask_account, mask_credit_code, mask_mobile, mask_resident_id
from lexseal_events import CloudEvent

_MASKS = {
    "mobile": mask_mobile,
    "operator_mobile": mask_mobile,
    "bank_account_number": mask_account,
}


def _mask_signer(signer: dict[str, Any]) -> dict[str, Any]:
    out = dict(signer)
    number = out.get("id_number")
    if isinstance(number, str):
        out["id_number"] = (
            mask_credit_code(number)
            if out.get("kind") == "enterprise"
            else mask_resident_id(number)
        )
    for key, mask in _MASKS.items():
        if isinstance(out.get(key), str):
            out[key] = mask(out[key])
    return out


def partner_payload(event: CloudEvent) -> str:
    """Return the event as partners receive it: identifiers masked, documents by public URL."""
    body = json.loads(event.model_dump_json())
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("signers"), list):
        data["signers"] = [_mask_signer(s) if isinstance(s, dict) else s for s in data["signers"]]
    if isinstance(data, dict) and isinstance(data.get("document"), dict):
        data["document"] = _public_document(data["document"])
    return json.dumps(body, ensure_ascii=False)


def _public_document(document: dict[str, Any]) -> dict[str, Any]:
    """Name the document by its public gateway route; the internal claim-check never leaves."""
    out = {k: v for k, v in document.items() if k not in ("url", "public_url")}
    public = document.get("public_url")
    if isinstance(public, str) and public:
        out["url"] = out["public_url"] = public
    return out

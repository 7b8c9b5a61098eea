"""The merged OpenAPI document and the AsyncAPI document."""

from __future__ import annotations

import json

from gateway.domain.asyncapi import build_asyncapi
from gateway.domain.openapi import merge_openapi
from lexseal_events import ALL_EVENTS


def _doc(path: str, schema_name: str, props: dict[str, object]) -> dict[str, object]:
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    return {
        "paths": {
            path: {
                "get": {"responses": {"200": {"content": {"application/json": {"schema": ref}}}}}
            },
            "/internal/documents/{id}": {"get": {}},
        },
        "components": {"schemas": {schema_name: {"type": "object", "properties": props}}},
    }


def test_colliding_schema_names_are_prefixed_and_refs_follow() -> None:
    base = {"openapi": "3.1.0", "info": {"title": "lexseal"}, "paths": {"/api/auth/me": {}}}
    merged = merge_openapi(
        base=base,
        services={
            "contract": _doc("/api/contract/x", "ItemPublic", {"title": {"type": "string"}}),
            "letters": _doc("/api/letters/x", "ItemPublic", {"number": {"type": "integer"}}),
        },
        missing=["signing"],
    )
    schemas = merged["components"]["schemas"]
    assert schemas["ItemPublic"]["properties"] == {"title": {"type": "string"}}
    assert schemas["LettersItemPublic"]["properties"] == {"number": {"type": "integer"}}
    letters_ref = merged["paths"]["/api/letters/x"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    assert letters_ref == "#/components/schemas/LettersItemPublic"
    contract_ref = merged["paths"]["/api/contract/x"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    assert contract_ref == "#/components/schemas/ItemPublic"
    assert "/api/auth/me" in merged["paths"]
    assert not any(p.startswith("/internal") for p in merged["paths"])
    assert merged["x-lexseal-missing"] == ["signing"]


def test_identical_schemas_are_shared_not_duplicated() -> None:
    same = {"type": "object", "properties": {"detail": {"type": "string"}}}
    docs = {
        name: {"paths": {}, "components": {"schemas": {"HTTPValidationError": same}}}
        for name in ("review", "notify")
    }
    merged = merge_openapi(base={"paths": {}}, services=docs, missing=[])
    assert list(merged["components"]["schemas"]) == ["HTTPValidationError"]
    assert "x-lexseal-missing" not in merged


def test_asyncapi_has_a_channel_and_payload_schema_for_every_event() -> None:
    doc = build_asyncapi(events=ALL_EVENTS, exchange="lexseal.events", version="1")
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {cls.model_fields["type"].default for cls in ALL_EVENTS}
    for channel in doc["channels"].values():
        assert channel["bindings"]["amqp"]["exchange"] == {
            "name": "lexseal.events",
            "type": "topic",
            "durable": True,
        }
    submitted = doc["components"]["schemas"]["ContractSubmitted"]
    assert "data" in submitted["properties"]
    text = str(doc)
    assert "#/$defs/" not in text  # every nested model is reachable under components


def test_every_operation_declares_how_it_authenticates() -> None:
    signing = _doc("/api/signing/partner/envelopes/{envelope_id}/signed.pdf", "Sig", {})
    signing["paths"]["/verify/{code}"] = {"get": {}}  # type: ignore[index]
    signing["paths"]["/api/signing/invite/{token}"] = {"get": {}, "post": {}}  # type: ignore[index]
    base = {"paths": {"/api/auth/login": {"post": {}}, "/api/auth/me": {"get": {}}}}
    merged = merge_openapi(base=base, services={"signing": signing}, missing=[])
    schemes = merged["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert (schemes["apiKey"]["in"], schemes["apiKey"]["name"]) == ("header", "X-API-Key")
    both = [{"bearerAuth": []}, {"apiKey": []}]
    paths = merged["paths"]
    assert (
        paths["/api/signing/partner/envelopes/{envelope_id}/signed.pdf"]["get"]["security"] == both
    )
    assert paths["/api/auth/me"]["get"]["security"] == both
    assert paths["/api/auth/login"]["post"]["security"] == []
    assert paths["/verify/{code}"]["get"]["security"] == []
    assert paths["/api/signing/invite/{token}"]["post"]["security"] == []
    for item in paths.values():
        for op in item.values():
            assert "security" in op


def test_the_partner_asyncapi_documents_webhooks_and_the_partner_bus_not_internal_events() -> None:
    from gateway.domain.asyncapi import build_partner_asyncapi
    from lexseal_events import PARTNER_EVENTS

    doc = build_partner_asyncapi(
        events=PARTNER_EVENTS, partner_exchange="lexseal.partner", amqp_host="mq:5672", version="1"
    )
    webhook = doc["channels"]["webhook"]
    names = {
        doc["components"]["messages"][m["$ref"].rsplit("/", 1)[1]]["name"]
        for m in webhook["messages"].values()
    }
    assert "sms.requested" not in names and {"signing.completed", "webhook.test"} <= names
    headers = doc["components"]["schemas"]["WebhookHeaders"]
    assert set(headers["required"]) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    bus = [c for k, c in doc["channels"].items() if k.startswith("partnerBus_")]
    assert {c["address"] for c in bus} == names - {"webhook.test"}
    assert all(c["bindings"]["amqp"]["exchange"]["name"] == "lexseal.partner" for c in bus)
    assert doc["servers"]["partnerBus"]["host"] == "mq:5672"
    signer = doc["components"]["schemas"]["SignerInfo"]["properties"]
    assert "Masked" in signer["id_number"]["description"]
    assert "lexseal.events" not in json.dumps(doc)  # the internal exchange is not in it
    assert "urn:lexseal:events:{type}:v{N}" in doc["info"]["description"]

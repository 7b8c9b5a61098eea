"""AsyncAPI 3.0 documents: what partners receive (webhooks, partner bus); the internal bus."""

from __future__ import annotations

from typing import Any

from lexseal_events import CloudEvent
from pydantic import TypeAdapter


def _event_type(cls: type[CloudEvent]) -> str:
    return str(cls.model_fields["type"].default)


def _hoist_defs(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Move pydantic's $defs into components/schemas and point refs there."""
    for name, sub in schema.pop("$defs", {}).items():
        schemas[name] = sub
    return schema


def _repoint(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else _repoint(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_repoint(v) for v in node]
    return node


def build_asyncapi(
    *, events: tuple[type[CloudEvent], ...], exchange: str, version: str
) -> dict[str, Any]:
    """Return the internal bus's AsyncAPI 3.0 document: a channel per event type on the exchange."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for cls in events:
        event_type = _event_type(cls)
        key = event_type.replace(".", "_")
        schema = _hoist_defs(TypeAdapter(cls).json_schema(mode="serialization"), schemas)
        schemas[cls.__name__] = schema
        messages[key] = {
            "name": event_type,
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else event_type,
            "contentType": "application/cloudevents+json",
            "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
        }
        channels[key] = {
            "address": event_type,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": exchange, "type": "topic", "durable": True},
                    "bindingVersion": "0.3.0",
                }
            },
        }
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "lexseal internal events",
            "version": version,
            "description": f"The services' own CloudEvents 1.0 JSON messages on the topic "
            f"exchange `{exchange}` (the routing key is the event type), full identifiers "
            "included: internal only. What partners receive is /asyncapi.json.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "rabbitmq": {"host": "127.0.0.1:5672", "protocol": "amqp", "protocolVersion": "0.9.1"}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": _repoint(schemas)},
    }


# what a partner sees instead of the internal values (notify masks them before they leave)
_MASKED = {
    "id_number": "Masked: the first and last few characters only (resident ID or credit code).",
    "mobile": "Masked: 138****8000.",
    "operator_mobile": "Masked: 138****8000.",
    "bank_account_number": "Masked: the last four digits only.",
}
_WEBHOOK_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
    "properties": {
        "webhook-id": {
            "type": "string",
            "description": "The event's id: the same on every retry, resend and replay of one "
            "event, so a receiver deduplicates on it.",
        },
        "webhook-timestamp": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "Seconds since the epoch when this attempt was signed; refuse one "
            "more than 5 minutes away from now.",
        },
        "webhook-signature": {
            "type": "string",
            "pattern": "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$",
            "description": "Standard Webhooks: `v1,` + base64 HMAC-SHA256 under the "
            "subscription's `whsec_` secret over `{webhook-id}.{webhook-timestamp}.{body}`. "
            "During a secret rotation's overlap one signature per secret, space-separated; "
            "one match is enough.",
        },
        "content-type": {"type": "string", "const": "application/cloudevents+json; charset=utf-8"},
        "user-agent": {"type": "string", "examples": ["lexseal-webhooks/1"]},
    },
}
_TEST_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "Sent by POST /api/notify/webhooks/{id}/test: the endpoint is reachable "
    "and verifies signatures. Carries no business data.",
    "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
    "properties": {
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string"},
        "source": {"type": "string"},
        "type": {"type": "string", "const": "webhook.test"},
        "subject": {"type": "string", "description": "The subscription's id."},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"type": "string"},
        "data": {
            "type": "object",
            "properties": {"subscription_id": {"type": "string"}, "test": {"type": "boolean"}},
        },
    },
}


def _partner_view(schemas: dict[str, Any]) -> dict[str, Any]:
    """Describe what partners receive: identifiers masked, documents by their public route."""
    signer = schemas.get("SignerInfo")
    if isinstance(signer, dict):
        signer["description"] = "A counterparty signer, identifiers masked for partners."
        for name, text in _MASKED.items():
            prop = signer.get("properties", {}).get(name)
            if isinstance(prop, dict):
                prop["description"] = text
    doc = schemas.get("DocumentRef")
    if isinstance(doc, dict):
        props = doc.get("properties", {})
        if isinstance(props.get("url"), dict):
            props["url"]["description"] = (
                "The public gateway route to download the document from with an API key "
                "holding `documents:read` (the same as public_url); never an internal URL."
            )
    return schemas


def build_partner_asyncapi(
    *,
    events: tuple[type[CloudEvent], ...],
    partner_exchange: str,
    amqp_host: str,
    version: str,
) -> dict[str, Any]:
    """Return the AsyncAPI 3.0 document of what partners receive: webhooks and the partner bus.

    Both carry the same masked, versioned CloudEvents: `dataschema` names the event's schema
    version (`urn:lexseal:events:{type}:v{N}`); a version only ever gains fields.
    """
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    webhook_messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for cls in events:
        event_type = _event_type(cls)
        key = event_type.replace(".", "_")
        schemas[cls.__name__] = _hoist_defs(
            TypeAdapter(cls).json_schema(mode="serialization"), schemas
        )
        summary = (cls.__doc__ or event_type).strip().splitlines()[0]
        payload = {"$ref": f"#/components/schemas/{cls.__name__}"}
        messages[f"webhook_{key}"] = {
            "name": event_type,
            "title": f"{cls.__name__} (webhook)",
            "summary": summary,
            "contentType": "application/cloudevents+json",
            "headers": {"$ref": "#/components/schemas/WebhookHeaders"},
            "payload": payload,
        }
        messages[f"bus_{key}"] = {
            "name": event_type,
            "title": f"{cls.__name__} (partner bus)",
            "summary": summary,
            "contentType": "application/cloudevents+json",
            "payload": payload,
            "bindings": {"amqp": {"messageType": event_type, "bindingVersion": "0.3.0"}},
        }
        webhook_messages[key] = {"$ref": f"#/components/messages/webhook_{key}"}
        bus = f"partnerBus_{key}"
        channels[bus] = {
            "address": event_type,
            "title": f"{event_type} on {partner_exchange}",
            "servers": [{"$ref": "#/servers/partnerBus"}],
            "messages": {key: {"$ref": f"#/components/messages/bus_{key}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": partner_exchange, "type": "topic", "durable": True},
                    "bindingVersion": "0.3.0",
                }
            },
        }
        operations[f"publish_{key}"] = {
            "action": "send",
            "summary": f"notify publishes {event_type} to {partner_exchange}",
            "channel": {"$ref": f"#/channels/{bus}"},
            "messages": [{"$ref": f"#/channels/{bus}/messages/{key}"}],
        }
    schemas["WebhookHeaders"] = _WEBHOOK_HEADERS
    schemas["WebhookTest"] = _TEST_EVENT
    messages["webhook_test"] = {
        "name": "webhook.test",
        "title": "Test delivery",
        "contentType": "application/cloudevents+json",
        "headers": {"$ref": "#/components/schemas/WebhookHeaders"},
        "payload": {"$ref": "#/components/schemas/WebhookTest"},
    }
    webhook_messages["webhook_test"] = {"$ref": "#/components/messages/webhook_test"}
    channels["webhook"] = {
        "address": None,
        "title": "The partner's webhook endpoint",
        "description": "Every event a subscription's `event_types` select is POSTed to the URL "
        "registered with POST /api/notify/webhooks. Answer 2xx within 10 s; anything else is "
        "retried with backoff for about 3 days. Deliveries of one subscription arrive in order.",
        "servers": [{"$ref": "#/servers/partnerEndpoint"}],
        "messages": webhook_messages,
    }
    operations["deliverWebhook"] = {
        "action": "send",
        "summary": "notify POSTs a signed event to the partner's endpoint",
        "channel": {"$ref": "#/channels/webhook"},
        "messages": [{"$ref": f"#/channels/webhook/messages/{k}"} for k in webhook_messages],
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "lexseal partner events",
            "version": version,
            "description": "What partner systems receive: CloudEvents 1.0 JSON, personal "
            "identifiers masked, documents named by public gateway routes. By webhook (signed "
            "per Standard Webhooks) or, inside the firm's network, from the topic exchange "
            f"`{partner_exchange}` (routing key = event type) with a RabbitMQ user of the "
            "partner's own (`lexseal partner bus-user`). Each event's `dataschema` is "
            "`urn:lexseal:events:{type}:v{N}`; a version only ever gains fields. The internal "
            "bus is documented separately at /asyncapi-internal.json.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "partnerEndpoint": {
                "host": "{host}",
                "pathname": "{path}",
                "protocol": "https",
                "title": "The partner's webhook endpoint",
                "variables": {
                    "host": {"description": "The host of the registered URL."},
                    "path": {"description": "The path of the registered URL."},
                },
            },
            "partnerBus": {
                "host": amqp_host,
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "title": "The firm's RabbitMQ, for partners inside its network",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": _partner_view(_repoint(schemas)),
        },
    }

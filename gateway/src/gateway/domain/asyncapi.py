"""An AsyncAPI 3.0 document describing every published event."""

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
    """Return an AsyncAPI 3.0 document: one channel per event type on the topic exchange."""
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
            "title": "lexseal events",
            "version": version,
            "description": f"CloudEvents 1.0 JSON messages on the topic exchange `{exchange}`; "
            "the routing key is the event type.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "rabbitmq": {"host": "127.0.0.1:5672", "protocol": "amqp", "protocolVersion": "0.9.1"}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": _repoint(schemas)},
    }

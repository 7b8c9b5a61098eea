"""Merge the services' OpenAPI documents into one, renaming colliding component names."""

from __future__ import annotations

import copy
import json
from typing import Any

from .routing import route_for

REF_PREFIX = "#/components/"
_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
# how callers authenticate through the gateway (generated clients carry these)
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A user's access token from POST /api/auth/login (EdDSA JWT).",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A partner system's API key (scopes chosen at creation).",
    },
}
AUTHENTICATED: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKey": []}]
# the gateway's own routes that need no credentials
_OPEN_GATEWAY_PATHS = frozenset(
    {
        "/api/auth/login",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/asyncapi.json",
    }
)


def _open(path: str) -> bool:
    """Tell whether `path` is answered without credentials (public pages, token links)."""
    if path in _OPEN_GATEWAY_PATHS:
        return True
    routed = route_for(path.replace("{", "x").replace("}", "x"))
    return routed is not None and routed[1]


def declare_security(doc: dict[str, Any]) -> None:
    """Declare the security schemes and give every operation its requirement (none if open)."""
    doc.setdefault("components", {})["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    for path, item in doc.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            op = item.get(method)
            if isinstance(op, dict) and "security" not in op:
                op["security"] = [] if _open(path) else copy.deepcopy(AUTHENTICATED)


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def _prefix(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", "_").split("_"))


def merge_openapi(
    *,
    base: dict[str, Any],
    services: dict[str, dict[str, Any]],
    missing: list[str],
) -> dict[str, Any]:
    """Return `base` with every service's paths and components merged in, collisions renamed."""
    merged = copy.deepcopy(base)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    components: dict[str, dict[str, Any]] = merged.setdefault("components", {})
    tags: list[dict[str, Any]] = merged.setdefault("tags", [])
    known_tags = {t.get("name") for t in tags}
    for service, doc in sorted(services.items()):
        renames: dict[str, str] = {}
        doc_components: dict[str, dict[str, Any]] = doc.get("components", {})
        for section, entries in doc_components.items():
            target = components.setdefault(section, {})
            for name, schema in entries.items():
                existing = target.get(name)
                if existing is None or existing == schema:
                    continue
                new = f"{_prefix(service)}{name}"
                renames[f"{REF_PREFIX}{section}/{name}"] = f"{REF_PREFIX}{section}/{new}"
        for section, entries in doc_components.items():
            target = components.setdefault(section, {})
            for name, schema in entries.items():
                ref = f"{REF_PREFIX}{section}/{name}"
                new_name = renames.get(ref, ref).rsplit("/", 1)[1]
                target[new_name] = _rewrite_refs(schema, renames)
        for path, item in doc.get("paths", {}).items():
            if path.startswith("/internal"):
                continue  # service-to-service routes are not reachable through the gateway
            paths[path] = _rewrite_refs(item, renames)
        for tag in doc.get("tags", []):
            if tag.get("name") not in known_tags:
                tags.append(tag)
                known_tags.add(tag.get("name"))
    declare_security(merged)
    if missing:
        merged["x-lexseal-missing"] = sorted(missing)
    result: dict[str, Any] = json.loads(json.dumps(merged))
    return result

"""Merge the services' OpenAPI documents into one, renaming colliding component names."""

from __future__ import annotations

import copy
import json
from typing import Any

REF_PREFIX = "#/components/"


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
    if missing:
        merged["x-lexseal-missing"] = sorted(missing)
    result: dict[str, Any] = json.loads(json.dumps(merged))
    return result

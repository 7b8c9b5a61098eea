"""Use cases: ask every service whether it is ready; assemble the merged OpenAPI document."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import text

from ..adapters.upstream import UpstreamDown
from ..deps import GatewayDeps
from ..domain.openapi import merge_openapi


async def _ready(deps: GatewayDeps, service: str) -> dict[str, Any]:
    timeout = deps.settings.health_timeout
    try:
        status, body = await deps.upstreams.get_json(
            service=service, path="/readyz", timeout=timeout
        )
    except UpstreamDown as exc:
        return {"status": "down", "reason": exc.reason, "reasons": {"service": exc.reason}}
    checks = body.get("checks") if isinstance(body, dict) else None
    reasons = body.get("reasons") if isinstance(body, dict) else None
    return {
        "status": "ready" if status == 200 else "not_ready",
        "http_status": status,
        "checks": checks,
        "reasons": reasons if isinstance(reasons, dict) else {},
    }


def _broker(services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Sum up the broker as the services see it: down for whom, and why."""
    seen = {n: r["checks"]["broker"] for n, r in services.items() if _check(r, "broker")}
    down = {
        n: services[n]["reasons"].get("broker", state) for n, state in seen.items() if state != "ok"
    }
    status = "down" if down else ("ok" if seen else "unknown")
    return {"status": status, "down_for": down}


def _check(result: dict[str, Any], name: str) -> bool:
    checks = result.get("checks")
    return isinstance(checks, dict) and isinstance(checks.get(name), str)


def _reasons(services: dict[str, dict[str, Any]]) -> list[str]:
    """List what is wrong, one line per service and failing dependency."""
    lines: list[str] = []
    for name, result in services.items():
        if result["status"] == "ready":
            continue
        reasons = result.get("reasons") or {"service": result["status"]}
        lines.extend(f"{name}: {dep}: {why}" for dep, why in reasons.items())
    return lines


async def readiness(deps: GatewayDeps) -> tuple[bool, dict[str, Any]]:
    """Return whether everything is ready and each service's state, asked concurrently."""
    names = list(deps.upstreams.urls)
    results = await asyncio.gather(*(_ready(deps, n) for n in names))
    services = dict(zip(names, results, strict=True))
    gateway_ok = await database_ok(deps)
    ready = gateway_ok and all(r["status"] == "ready" for r in results)
    reasons = _reasons(services)
    if not gateway_ok:
        reasons.insert(0, "gateway: database: down")
    return ready, {
        "status": "ready" if ready else "not_ready",
        "reasons": reasons,
        "broker": _broker(services),
        "gateway": {
            "status": "ready" if gateway_ok else "not_ready",
            "checks": {"database": "ok" if gateway_ok else "down"},
        },
        "services": services,
    }


async def database_ok(deps: GatewayDeps) -> bool:
    """Tell whether the gateway's own database answers."""
    try:
        async with deps.engine.connect() as conn:
            await asyncio.wait_for(
                conn.execute(text("SELECT 1")), timeout=deps.settings.health_timeout
            )
        return True
    except Exception:
        return False


async def _openapi_of(deps: GatewayDeps, service: str) -> dict[str, Any] | None:
    try:
        status, body = await deps.upstreams.get_json(
            service=service, path="/openapi.json", timeout=deps.settings.health_timeout
        )
    except UpstreamDown:
        return None
    return body if status == 200 and isinstance(body, dict) else None


async def merged_openapi(deps: GatewayDeps, *, own: dict[str, Any]) -> dict[str, Any]:
    """Return one OpenAPI document for the gateway and every service (cached briefly)."""
    cached = deps.openapi_cache
    now = time.monotonic()
    if cached.document is not None and cached.until > now:
        return cached.document
    names = list(deps.upstreams.urls)
    docs = await asyncio.gather(*(_openapi_of(deps, n) for n in names))
    found = {n: d for n, d in zip(names, docs, strict=True) if d is not None}
    missing = [n for n, d in zip(names, docs, strict=True) if d is None]
    merged = merge_openapi(base=own, services=found, missing=missing)
    # a partial document is kept only briefly so a recovered service shows up soon
    ttl = (
        deps.settings.openapi_ttl_seconds
        if not missing
        else min(5.0, deps.settings.openapi_ttl_seconds)
    )
    cached.until, cached.document = now + ttl, merged
    return merged

"""The gateway measures what it proxies by service and the route template that answered."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from gateway.bootstrap import create_app
from gateway.config import Settings
from prometheus_client import REGISTRY
from servicekit.observability import CorrelationMiddleware

from .servers import free_port, serve

pytestmark = pytest.mark.integration
SERVICES = ("contract", "review", "signing", "letters", "notify")
TEMPLATE = "/api/contract/things/{thing_id}"


def templated_service() -> FastAPI:
    """A stand-in service with the kit's middleware, which names the route that answered."""
    app = FastAPI()
    app.add_middleware(CorrelationMiddleware)

    @app.get(TEMPLATE)
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    return app


def count(service: str, method: str, route: str, status: str) -> float:
    labels = {"service": service, "method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("lexseal_gateway_proxied_requests_total", labels) or 0.0


def observed(service: str, method: str, route: str) -> float:
    labels = {"service": service, "method": method, "route": route}
    value = REGISTRY.get_sample_value("lexseal_gateway_proxied_request_seconds_count", labels)
    return value or 0.0


async def test_proxied_requests_are_measured_by_service_and_route_template(
    tmp_path: Path, pg_url: str
) -> None:
    async with serve(templated_service()) as up:
        urls = {s: up for s in SERVICES}
        urls["letters"] = f"http://127.0.0.1:{free_port()}"  # nobody listens
        settings = Settings(
            environment="test",
            data_dir=tmp_path,
            database_url=pg_url,
            log_json=False,
            **{f"{s}_url": u for s, u in urls.items()},  # type: ignore[arg-type]
        )
        app = create_app(settings)
        before = {
            "ok": count("contract", "GET", TEMPLATE, "200"),
            "seen": observed("contract", "GET", TEMPLATE),
            "unmatched": count("contract", "GET", "unmatched", "404"),
            "down": count("letters", "GET", "unanswered", "503"),
            "own": REGISTRY.get_sample_value(
                "lexseal_http_requests_total",
                {"method": "GET", "route": "unmatched", "status": "503"},
            ),
        }
        async with serve(app) as gw, httpx.AsyncClient(base_url=gw, timeout=30) as client:
            for thing in ("thing-a1x", "thing-b2y", "thing-c3z"):
                resp = await client.get(f"/api/contract/things/{thing}")
                assert resp.status_code == 200 and resp.json() == {"id": thing}
                # the route header is for the gateway only: never passed on to the caller
                assert "x-lexseal-route" not in resp.headers
            assert (await client.get("/api/contract/no/such/route")).status_code == 404
            assert (await client.get("/share/some-token")).status_code == 503
            exposed = (await client.get("/metrics")).text

    assert count("contract", "GET", TEMPLATE, "200") == before["ok"] + 3
    assert observed("contract", "GET", TEMPLATE) == before["seen"] + 3
    assert count("contract", "GET", "unmatched", "404") == before["unmatched"] + 1
    assert count("letters", "GET", "unanswered", "503") == before["down"] + 1
    # bounded: no raw path ever becomes a label
    assert 'route="/api/contract/things/{thing_id}"' in exposed
    assert "thing-a1x" not in exposed and "some-token" not in exposed and "no/such" not in exposed
    # nor counted again as the gateway's own "unmatched" route (only the gateway saw this one;
    # the stand-in service shares this process's registry, so its own 404 is not evidence)
    own = {"method": "GET", "route": "unmatched", "status": "503"}
    assert REGISTRY.get_sample_value("lexseal_http_requests_total", own) == before["own"]

"""The gateway's own metrics: requests it proxies, by service and the route that answered."""

from __future__ import annotations

from functools import lru_cache

from prometheus_client import Counter, Histogram

# route: the answering service's route template (its x-lexseal-route header), never the raw
# path; "unmatched" when no route of the service matched, "unanswered" when it never answered
PROXY_REQUESTS = Counter(
    "lexseal_gateway_proxied_requests_total",
    "Requests the gateway proxied, by upstream service, method, route template and status",
    ["service", "method", "route", "status"],
)
PROXY_LATENCY = Histogram(
    "lexseal_gateway_proxied_request_seconds",
    "Latency of requests the gateway proxied (until the answer is streamed back)",
    ["service", "method", "route"],
)


# labels() validates and looks up the child under a lock on every call (~3.4 µs for both
# metrics); the children of a label set never change, so each is looked up once (~1.1 µs).
# Routes are templates, so the label sets are few; the bound only guards against a surprise.
@lru_cache(maxsize=4096)
def _proxied(service: str, method: str, route: str, status: str) -> Counter:
    return PROXY_REQUESTS.labels(service, method, route, status)


@lru_cache(maxsize=4096)
def _latency(service: str, method: str, route: str) -> Histogram:
    return PROXY_LATENCY.labels(service, method, route)


def observe_proxied(service: str, method: str, route: str, status: str, seconds: float) -> None:
    """Count one proxied request and its latency."""
    _proxied(service, method, route, status).inc()
    _latency(service, method, route).observe(seconds)

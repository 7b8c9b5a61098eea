"""The gateway's own metrics: requests it proxies, by service and the route that answered."""

from __future__ import annotations

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

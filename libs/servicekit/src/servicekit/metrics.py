"""Prometheus metrics shared by every service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "lexseal_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "lexseal_http_request_seconds", "HTTP request latency", ["method", "route"]
)
EVENTS_CONSUMED = Counter("lexseal_events_consumed_total", "Events handled", ["type", "outcome"])
OUTBOX_PUBLISHED = Counter("lexseal_outbox_published_total", "Outbox events published")
OUTBOX_RELAY_ERRORS = Counter("lexseal_outbox_relay_errors_total", "Outbox relay failures")
OUTBOX_UNPUBLISHED = Gauge(
    "lexseal_outbox_unpublished", "Outbox events not yet published (as last checked)"
)
OUTBOX_OLDEST_AGE = Gauge(
    "lexseal_outbox_oldest_unpublished_seconds",
    "Age of the oldest unpublished outbox event when last checked (0: none)",
)

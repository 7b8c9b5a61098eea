"""Prometheus metrics shared by every service."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "lexseal_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "lexseal_http_request_seconds", "HTTP request latency", ["method", "route"]
)
EVENTS_CONSUMED = Counter("lexseal_events_consumed_total", "Events handled", ["type", "outcome"])
OUTBOX_PUBLISHED = Counter("lexseal_outbox_published_total", "Outbox events published")
OUTBOX_RELAY_ERRORS = Counter("lexseal_outbox_relay_errors_total", "Outbox relay failures")

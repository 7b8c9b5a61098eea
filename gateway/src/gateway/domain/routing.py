"""Which upstream service answers a public path, if any."""

from __future__ import annotations

SERVICES = frozenset({"contract", "review", "signing", "letters", "notify"})
# (prefix, service): exact match or followed by "/"
_PUBLIC = (
    ("/api/verify", "signing"),
    ("/verify", "signing"),
    ("/sign", "signing"),
    ("/share", "letters"),
)
# token-addressed pages under a service's own prefix: an invalid bearer token is dropped there
_PUBLIC_API = ("/api/signing/invite/", "/api/letters/share/")


def route_for(path: str) -> tuple[str, bool] | None:
    """Return (service, is_public) for a routed path, or None when the gateway answers it."""
    if path.startswith("/api/"):
        name = path[5:].split("/", 1)[0]
        if name in SERVICES:
            return name, path.startswith(_PUBLIC_API)
    for prefix, service in _PUBLIC:
        if path == prefix or path.startswith(prefix + "/"):
            # /verify and /sign and /share need something after the prefix; /api/verify may not
            if path == prefix and prefix != "/api/verify":
                return None
            return service, True
    return None


def is_internal(path: str) -> bool:
    """Tell whether `path` is a service-to-service route that is never routed."""
    return path == "/internal" or path.startswith("/internal/")

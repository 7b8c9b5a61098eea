"""Which address a request comes from, when load balancers stand in front of the gateway.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as
it was appended by proxies the operator configured (GATEWAY_TRUSTED_PROXIES): walking the
header from the right, the first address that is not a trusted proxy is the client. A
client that talks to the gateway directly cannot rotate the header to dodge a limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(specs: Sequence[str]) -> tuple[Network, ...]:
    """Parse CIDRs or single addresses (``10.0.0.0/8``, ``127.0.0.1``); raise ValueError."""
    return tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs if spec.strip())


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str:
    """Return the client's address for ``peer`` (the TCP peer) and its X-Forwarded-For."""
    if peer is None:
        return "unknown"
    if not trusted or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: keep what we know
    return hops[0] if hops else peer

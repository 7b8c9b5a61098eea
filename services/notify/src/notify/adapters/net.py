"""Where a webhook URL's host resolves: partner endpoints must not reach the firm's own network."""

from __future__ import annotations

import asyncio
import ipaddress
import socket


async def resolves_to_private(host: str) -> bool:
    """Tell whether `host` is or resolves to a loopback, private, link-local or reserved address."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # unresolvable now: delivery will fail and be logged, nothing is reached
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if not addr.is_global or addr.is_multicast:
            return True
    return False

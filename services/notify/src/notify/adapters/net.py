"""Where a webhook URL's host resolves: partner endpoints must not reach the firm's own network."""

from __future__ import annotations

import asyncio
import ipaddress
import socket


async def resolves_to_private(
    host: str, *, allow_private: bool = False, allow_loopback: bool = False
) -> bool:
    """Tell whether `host` is or resolves to an address partner deliveries may not reach.

    Loopback (this machine: the services themselves) is refused unless `allow_loopback`
    (a development setting production refuses); private, link-local and reserved ranges
    unless `allow_private`; multicast always.
    """
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # unresolvable now: delivery will fail and be logged, nothing is reached
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_multicast:
            return True
        if addr.is_loopback:
            if not allow_loopback:
                return True
        elif not addr.is_global and not allow_private:
            return True
    return False

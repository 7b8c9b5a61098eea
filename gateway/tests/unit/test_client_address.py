"""X-Forwarded-For counts only when it comes through a configured trusted proxy."""

from __future__ import annotations

import pytest
from gateway.domain.client_address import client_address, parse_networks

LB = parse_networks(["10.0.0.0/8", "127.0.0.1"])


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"


def test_a_direct_client_cannot_pick_its_address() -> None:
    # the peer is not a proxy we trust: whatever it wrote is ignored
    for forged in ("1.1.1.1", "1.1.1.2, 10.0.0.5", "garbage"):
        assert client_address("203.0.113.9", forged, LB) == "203.0.113.9"


def test_behind_the_balancer_the_first_untrusted_hop_from_the_right_is_the_client() -> None:
    assert client_address("10.0.0.2", "198.51.100.7", LB) == "198.51.100.7"
    # the client prepended a forged hop; the balancer appended the real one
    assert client_address("10.0.0.2", "1.1.1.1, 198.51.100.7", LB) == "198.51.100.7"
    assert client_address("127.0.0.1", "198.51.100.7, 10.1.2.3", LB) == "198.51.100.7"


def test_only_proxies_in_the_chain_gives_the_leftmost() -> None:
    assert client_address("10.0.0.2", "10.0.0.9, 10.0.0.3", LB) == "10.0.0.9"


def test_garbage_from_the_balancer_falls_back_to_the_peer() -> None:
    assert client_address("10.0.0.2", "not-an-ip", LB) == "10.0.0.2"


def test_bad_network_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_networks(["10.0.0.0/33"])

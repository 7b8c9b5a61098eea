"""`lexseal demo` talks to the gateway through lexseal's Python client, so the client cannot rot
unnoticed: the end-to-end run of the demo exercises it (its behaviour: clients/python/tests)."""

from __future__ import annotations

from lexseal_cli import client as cli_client
from lexseal_cli import demo, partner
from lexseal_client import ApiError, Client


def test_the_demo_and_its_partner_use_lexseal_client() -> None:
    assert cli_client.Gateway is Client and cli_client.ApiError is ApiError
    assert demo.Client is Client and partner.Client is Client

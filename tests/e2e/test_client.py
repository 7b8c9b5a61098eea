"""lexseal's Python client against the running system: a partner key's scopes, typed answers
and lexseal's error codes, sync and async (the demo drives the client through a whole
lifecycle in test_system.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lexseal_client import ApiError, AsyncClient, Client

pytestmark = pytest.mark.e2e


def test_a_partner_key_reads_with_its_scopes_only(system: Any) -> None:
    url = system.gateway_url
    with Client(url).login("admin", "demo-password") as admin:
        assert "admin" in admin.me().roles
        readers = admin.create_api_key("e2e client: contracts", ["contracts:read"])
        downloads = admin.create_api_key("e2e client: documents", ["documents:read"])
    assert readers.key and readers.scopes == ["contracts:read"]
    with Client(url).login("lawyer1", "demo-password") as lawyer:
        made = lawyer.call(
            "POST",
            "/api/contract/contracts",
            json={"title": "客户端测试", "contract_type": "service", "client_name": "甲公司"},
        )

    async def as_partners() -> None:
        async with AsyncClient(url, api_key=readers.key) as partner:
            contract = await partner.contract(made["id"])
            assert (contract.id, contract.status) == (made["id"], "draft")
            page = await partner.contracts(limit=5)
            assert made["id"] in [c.id for c in page.data]
            with pytest.raises(ApiError) as refused:
                await partner.signed_pdf("no-such-envelope")
            assert (refused.value.status, refused.value.code) == (403, "insufficient_scope")
        async with AsyncClient(url, api_key=downloads.key) as partner:
            with pytest.raises(ApiError) as refused:
                await partner.contract(made["id"])
            assert refused.value.code == "insufficient_scope"
            with pytest.raises(ApiError) as missing:
                await partner.signed_pdf("no-such-envelope")
            assert missing.value.status == 404 and missing.value.request_id

    asyncio.run(as_partners())

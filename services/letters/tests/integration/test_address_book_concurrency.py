"""A lawyer's address book keeps exactly one default when changes arrive at once on replicas."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import pytest
from letters.bootstrap import create_app
from servicekit.pytest_plugin import running

pytestmark = pytest.mark.integration

REPLICAS = 2
EACH = 6  # requests per kind, all in flight together

HOME = {
    "name": "张律师",
    "phone": "13800000000",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "street": "建国路88号",
}


async def test_first_addresses_saved_at_once_on_two_replicas_leave_one_default(
    settings: Any, auth: Any, helpers: Any
) -> None:
    # The first address of a book becomes its default; two requests that both saw an empty
    # book used to both insert a default, and the loser answered 500 (unique default index).
    lawyer = auth(helpers.lawyer)
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(running(create_app(settings))) for _ in range(REPLICAS)
        ]

        def add(i: int) -> Any:
            body = {**HOME, "street": f"建国路{i}号"}
            return clients[i % REPLICAS].post("/api/letters/addresses", json=body, headers=lawyer)

        def mail(i: int) -> Any:
            address = {**HOME, "street": f"东长安街{i}号"}
            delivery = {"method": "mail", "address": address, "save_to_book": True}
            payload = helpers.payload(kind="paper", delivery=delivery)
            return clients[i % REPLICAS].post("/api/letters/letters", json=payload, headers=lawyer)

        answers = await asyncio.gather(*(f(i) for i in range(EACH) for f in (add, mail)))
        assert [r.status_code for r in answers] == [201] * (2 * EACH), [r.text for r in answers]
        book = (await clients[0].get("/api/letters/addresses", headers=lawyer)).json()["data"]
    assert len(book) == 2 * EACH
    assert sum(a["is_default"] for a in book) == 1

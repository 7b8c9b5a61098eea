"""Letter numbers stay unique and gapless under parallel approvals on several replicas."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack
from typing import Any

import pytest
from letters.bootstrap import create_app
from servicekit.pytest_plugin import running

pytestmark = pytest.mark.integration

N = 30
REPLICAS = 3


async def test_parallel_approvals_across_replicas_give_numbers_1_to_n(
    settings: Any, auth: Any, helpers: Any
) -> None:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(running(create_app(settings))) for _ in range(REPLICAS)
        ]
        ids = []
        for i in range(N):
            c = clients[i % REPLICAS]
            r = await c.post("/api/letters/letters", json=helpers.payload(), headers=lawyer)
            ids.append(r.json()["id"])
            assert (
                await c.post(f"/api/letters/letters/{ids[-1]}/submit", headers=lawyer)
            ).status_code == 200
        # another type has its own sequence, also under the same concurrency
        other = await clients[0].post(
            "/api/letters/letters", json=helpers.payload(letter_type="会"), headers=lawyer
        )
        other_id = other.json()["id"]
        await clients[0].post(f"/api/letters/letters/{other_id}/submit", headers=lawyer)

        async def approve(i: int, letter_id: str) -> Any:
            return await clients[i % REPLICAS].post(
                f"/api/letters/letters/{letter_id}/approve", headers=admin
            )

        # each letter is approved twice at once on different replicas: exactly one may win
        jobs = [approve(i, lid) for i, lid in enumerate(ids)]
        jobs += [approve(i + 1, lid) for i, lid in enumerate(ids)]
        jobs.append(approve(0, other_id))
        answers = await asyncio.gather(*jobs)

    ok = [a.json() for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert len(ok) == N + 1
    assert {a.status_code for a in refused} == {409}
    assert {a.json()["error"]["code"] for a in refused} == {"letter_invalid_transition"}
    letters_seqs = sorted(
        int(re.search(r"第(\d+)号", a["number"]).group(1))  # type: ignore[union-attr]
        for a in ok
        if "函字" in a["number"]
    )
    assert letters_seqs == list(range(1, N + 1))
    assert len({a["id"] for a in ok}) == N + 1
    meeting = [a["number"] for a in ok if "会字" in a["number"]]
    assert len(meeting) == 1 and meeting[0].endswith("第0001号")

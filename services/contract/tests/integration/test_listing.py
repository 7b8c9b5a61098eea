"""The application list: own only for lawyers, all for risk control, filtered, searched, paged."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import OTHER_LAWYER, RISK, harness
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration


@pytest.fixture
async def h(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
):  # type: ignore[no-untyped-def]
    async with harness(
        pg_url=pg_url, amqp_url=amqp_url, bus=bus, identity=identity, data_dir=tmp_path
    ) as h:
        yield h


async def test_lists_are_scoped_filtered_searched_and_paged_newest_first(h) -> None:  # type: ignore[no-untyped-def]
    mine = [
        await h.create(title=f"采购合同{i}", client_name=f"客户{i}", case_serial_no=f"AJ-{i}")
        for i in range(7)
    ]
    theirs = await h.create(OTHER_LAWYER, title="采购合同 他人")
    ready = await h.ready()
    await h.post(f"/contracts/{ready['id']}/submit")

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await h.get("/contracts", params=params)).json()
        assert page["count"] == len(page["data"]) <= 3
        seen += [c["id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [ready["id"], *[c["id"] for c in reversed(mine)]]
    assert theirs["id"] not in seen

    everyone = (await h.get("/contracts", RISK, params={"limit": 100})).json()["data"]
    assert {c["id"] for c in everyone} == {*seen, theirs["id"]}
    submitted = (await h.get("/contracts", RISK, params={"status": "submitted"})).json()["data"]
    assert [c["id"] for c in submitted] == [ready["id"]]
    for q in ("客户3", "aj-3", "合同3"):
        found = (await h.get("/contracts", params={"q": q})).json()["data"]
        assert [c["id"] for c in found] == [mine[3]["id"]], q
    assert (await h.get("/contracts", OTHER_LAWYER, params={"q": "采购"})).json()["count"] == 1
    assert (await h.get("/contracts", params={"q": "100%"})).json()["count"] == 0
    bad = await h.get("/contracts", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "cursor_invalid"
    assert (await h.get("/contracts", params={"status": "nonsense"})).status_code == 422
    assert (await h.get("/contracts", {"user_id": "p", "roles": ["partner"]})).status_code == 403

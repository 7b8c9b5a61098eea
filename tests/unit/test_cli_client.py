"""`lexseal demo`'s client: one Idempotency-Key per action, reused when the answer is lost."""

from __future__ import annotations

import httpx
import pytest
from lexseal_cli import client as cli_client
from lexseal_cli.client import ApiError, Gateway

LOST = {"error": {"code": "upstream_outcome_unknown", "message": "m", "details": None}}


def gateway_answering(answers: list[object], seen: list[httpx.Request]) -> Gateway:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if answer == "drop":
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        assert isinstance(answer, tuple)
        return httpx.Response(answer[0], json=answer[1])

    gw = Gateway("http://gateway.test")
    gw.http = httpx.Client(base_url=gw.base_url, transport=httpx.MockTransport(handle))
    return gw


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_client.time, "sleep", lambda s: None)


def test_a_create_whose_answer_is_lost_is_retried_with_the_same_key() -> None:
    seen: list[httpx.Request] = []
    gw = gateway_answering(["drop", (503, LOST), (201, {"id": "c1"})], seen)

    assert gw.call("POST", "/api/contract/contracts", json={"title": "t"}) == {"id": "c1"}

    keys = {r.headers.get("idempotency-key") for r in seen}
    assert len(seen) == 3 and len(keys) == 1 and None not in keys


def test_every_action_has_its_own_key_reads_none_and_errors_are_not_retried() -> None:
    seen: list[httpx.Request] = []
    conflict = {"error": {"code": "conflict", "message": "m", "details": None}}
    gw = gateway_answering([(201, {}), (201, {}), (200, {}), (409, conflict)], seen)
    gw.call("POST", "/api/letters/letters", json={})
    gw.call("POST", "/api/letters/letters", json={})
    gw.call("GET", "/api/letters/letters")
    with pytest.raises(ApiError):
        gw.call("POST", "/api/letters/letters/l1/submit")

    first, second, read, refused = (r.headers.get("idempotency-key") for r in seen)
    assert first and second and first != second and read is None and refused
    assert len(seen) == 4

"""The published events parse in one call; unknown or malformed messages are clear errors."""

from __future__ import annotations

import json

import pytest
from lexseal_events import (
    ALL_EVENTS,
    EVENT_TYPES,
    ContractWithdrawn,
    ContractWithdrawnData,
    InvalidEvent,
    UnknownEventType,
    parse_event,
)


def withdrawn() -> ContractWithdrawn:
    return ContractWithdrawn(
        source="lexseal/contract",
        subject="c-1",
        correlationid="corr",
        data=ContractWithdrawnData(contract_id="c-1", round=2, owner_id="u", actor_id="u"),
    )


def test_envelope_is_cloudevents_1_0_with_versioned_schema() -> None:
    body = json.loads(withdrawn().to_json())
    assert body["specversion"] == "1.0"
    assert body["type"] == "contract.withdrawn"
    assert body["dataschema"] == "urn:lexseal:events:contract.withdrawn:v1"
    assert {"id", "source", "subject", "time", "correlationid", "data"} <= body.keys()


def test_round_trip_gives_the_typed_event() -> None:
    event = withdrawn()
    parsed = parse_event(event.to_json())
    assert isinstance(parsed, ContractWithdrawn)
    assert parsed == event
    assert parse_event(json.loads(event.to_json())) == event


def test_every_event_type_is_in_the_union_once() -> None:
    assert len(EVENT_TYPES) == len(ALL_EVENTS)
    assert all("." in t for t in EVENT_TYPES)


def test_unknown_type_is_a_clear_error() -> None:
    body = json.loads(withdrawn().to_json())
    body["type"] = "contract.teleported"
    with pytest.raises(UnknownEventType) as info:
        parse_event(json.dumps(body))
    assert info.value.event_type == "contract.teleported"
    with pytest.raises(UnknownEventType):
        parse_event(body)


def test_malformed_payload_is_invalid_not_a_crash() -> None:
    body = json.loads(withdrawn().to_json())
    del body["data"]["contract_id"]
    with pytest.raises(InvalidEvent):
        parse_event(json.dumps(body))
    with pytest.raises(InvalidEvent):
        parse_event(b"not json")


def test_additive_fields_from_a_newer_producer_are_kept() -> None:
    body = json.loads(withdrawn().to_json())
    body["data"]["new_field"] = "from v1.1"
    parsed = parse_event(json.dumps(body))
    assert parsed.data.model_extra == {"new_field": "from v1.1"}

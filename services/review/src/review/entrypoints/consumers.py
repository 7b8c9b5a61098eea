"""Thin event handlers: each hands the event to its use case."""

from __future__ import annotations

from lexseal_events import ContractSubmitted, ContractWithdrawn
from servicekit.consumer import EventConsumer

from ..service_layer.intake import open_round, withdraw_round

consumer = EventConsumer()
consumer.on(ContractSubmitted)(open_round)
consumer.on(ContractWithdrawn)(withdraw_round)

"""Signing's event handlers before the service is wired: wait, never spend an attempt."""

from __future__ import annotations

import pytest
from servicekit.consumer import NotReady
from signing.entrypoints.consumers import Wiring


def test_an_unwired_handler_asks_for_a_retry_that_spends_no_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Wiring, "settings", None)
    monkeypatch.setattr(Wiring, "keyring", None)
    with pytest.raises(NotReady, match="not wired yet"):
        Wiring.get()

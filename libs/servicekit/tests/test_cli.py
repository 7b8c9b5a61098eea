"""The command line names a bad setting without echoing its value (it may be a secret)."""

from __future__ import annotations

import pytest
from servicekit.cli import load_settings
from servicekit.config import ServiceSettings


class Secretive(ServiceSettings):
    pin: int = 0


def test_invalid_settings_are_named_without_their_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIT_PIN", "s3cret-not-a-number")
    with pytest.raises(SystemExit) as stop:
        load_settings(lambda: Secretive(_env_prefix="KIT_"))  # type: ignore[call-arg]
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "pin" in err
    assert "s3cret" not in err

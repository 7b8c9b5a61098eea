"""Production refuses settings that would be unsafe or permanent mistakes, naming the setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict
from servicekit.config import ServiceSettings


class LettersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LETTERS_", extra="ignore")


GOOD = {
    "environment": "production",
    "internal_secret": "k" * 32,
    "public_base_url": "https://sign.example.com",
}


def test_a_complete_production_configuration_is_accepted() -> None:
    assert LettersSettings(**GOOD).public_base_url == "https://sign.example.com"


@pytest.mark.parametrize(
    ("override", "setting"),
    [
        ({"internal_secret": ""}, "LETTERS_INTERNAL_SECRET"),
        ({"internal_secret": "short-secret-x"}, "LETTERS_INTERNAL_SECRET"),
        ({"internal_secret": "dev-internal-secret-change-me"}, "LETTERS_INTERNAL_SECRET"),
        ({"public_base_url": "http://127.0.0.1:8000"}, "LETTERS_PUBLIC_BASE_URL"),
        ({"public_base_url": "http://localhost:8000/"}, "LETTERS_PUBLIC_BASE_URL"),
    ],
)
def test_production_names_the_setting_and_never_echoes_it(
    override: dict[str, str], setting: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        LettersSettings(**{**GOOD, **override})
    messages = "; ".join(e["msg"] for e in exc.value.errors(include_input=False))
    assert setting in messages
    if override.get("internal_secret"):
        assert override["internal_secret"] not in messages


def test_an_empty_secret_from_an_unset_variable_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # compose turns an unset ${LEXSEAL_INTERNAL_SECRET} into "": a token signed with the
    # empty key must never pass, so the service must not start.
    monkeypatch.setenv("LETTERS_ENVIRONMENT", "production")
    monkeypatch.setenv("LETTERS_INTERNAL_SECRET", "")
    monkeypatch.setenv("LETTERS_PUBLIC_BASE_URL", "https://sign.example.com")
    with pytest.raises(ValidationError, match="LETTERS_INTERNAL_SECRET"):
        LettersSettings()


def test_development_keeps_its_defaults() -> None:
    assert LettersSettings().public_base_url == "http://127.0.0.1:8000"

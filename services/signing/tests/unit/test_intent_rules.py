"""Signing intent (意愿认证) by SMS code: the rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from servicekit.errors import AppError
from signing.domain import intent

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_codes_are_kept_only_as_a_hash_bound_to_their_challenge() -> None:
    kept = intent.code_hash("challenge-1", "123456")
    assert "123456" not in kept and len(kept) == 64
    assert intent.code_matches("challenge-1", " 123456 ", kept)
    assert not intent.code_matches("challenge-1", "123457", kept)
    assert not intent.code_matches("challenge-2", "123456", kept)  # another challenge's code


def test_a_code_lives_five_minutes_and_five_wrong_entries_void_it() -> None:
    assert timedelta(minutes=5) == intent.CODE_TTL
    assert intent.MAX_ATTEMPTS == 5 and intent.CODE_DIGITS == 6


def test_a_new_code_waits_a_minute_and_the_day_has_a_limit() -> None:
    intent.ensure_can_send(last_sent=None, sent_24h=0, now=NOW)
    intent.ensure_can_send(last_sent=NOW - timedelta(seconds=61), sent_24h=3, now=NOW)
    with pytest.raises(AppError) as soon:
        intent.ensure_can_send(last_sent=NOW - timedelta(seconds=20), sent_24h=1, now=NOW)
    assert soon.value.code == "intent_code_too_soon" and soon.value.status_code == 429
    assert soon.value.details == {"retry_after_seconds": 41}
    with pytest.raises(AppError) as daily:
        intent.ensure_can_send(last_sent=None, sent_24h=intent.DAILY_SENDS, now=NOW)
    assert daily.value.code == "intent_code_daily_limit"


def test_the_sms_names_the_document_and_the_validity() -> None:
    text = intent.sms_text(code="042917", title="采购合同")
    assert "042917" in text and "《采购合同》" in text and "5 分钟" in text

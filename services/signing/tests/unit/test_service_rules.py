"""Service rules that need no database: settings safety, placement, deposit quota, Shanghai day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from servicekit.errors import AppError
from signing.config import DEV_KEY_PASSPHRASE, Settings
from signing.domain import model


def test_production_refuses_the_default_key_passphrase() -> None:
    with pytest.raises(ValueError, match="SIGNING_KEY_PASSPHRASE"):
        Settings(
            environment="production",
            internal_secret="s" * 32,
            public_base_url="https://sign.example.com",
            key_passphrase=DEV_KEY_PASSPHRASE,
        )
    ok = Settings(
        environment="production",
        internal_secret="s" * 32,
        public_base_url="https://sign.example.com",
        key_passphrase="a long secret",
        allow_sandbox_providers=True,
    )
    assert ok.port == 8103


def test_production_refuses_sandbox_providers_and_names_the_setting() -> None:
    base = {
        "environment": "production",
        "internal_secret": "s" * 32,
        "key_passphrase": "k" * 20,
        "public_base_url": "https://sign.example.com",
    }
    with pytest.raises(ValueError, match="SIGNING_ALLOW_SANDBOX_PROVIDERS") as exc:
        Settings(**base, face_provider="http", bank_provider="http")  # type: ignore[arg-type]
    assert "SIGNING_SMS_PROVIDER=sandbox" in str(exc.value)
    assert "SIGNING_FACE_PROVIDER" not in str(exc.value)
    real = Settings(**base, face_provider="http", bank_provider="http", sms_provider="notify")  # type: ignore[arg-type]
    assert real.sandbox_providers() == []
    staging = Settings(**base, allow_sandbox_providers=True)  # type: ignore[arg-type]
    assert staging.sandbox_providers() == [
        "SIGNING_FACE_PROVIDER",
        "SIGNING_BANK_PROVIDER",
        "SIGNING_SMS_PROVIDER",
    ]
    assert Settings(environment="development").sms_provider == "sandbox"


def test_placement_box_is_lower_left_corner_plus_size() -> None:
    assert model.Placement(page=0, x=10, y=20, width=30, height=40).box == (10, 20, 40, 60)


def test_the_sixth_amount_of_a_day_is_refused_with_a_stable_code_and_retry_after() -> None:
    now = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    model.ensure_deposit_quota(4, now=now)
    with pytest.raises(AppError) as exc:
        model.ensure_deposit_quota(5, now=now)
    assert exc.value.code == "deposit_daily_limit" and exc.value.status_code == 429
    assert exc.value.retry_after == 3601  # until midnight in Shanghai, not UTC


@pytest.mark.parametrize(
    "typed",
    [
        "inf",
        "-inf",
        "Infinity",
        "NaN",
        "1e3",
        "-0.37",
        "0.371",
        "",
        " ",
        "0x1",
        "1234567",
        "٣.٠",
        "0,37",
        "+1",
        "1_0",
        ".5",
    ],
)
def test_a_deposit_amount_that_is_not_plain_yuan_is_a_format_error(typed: str) -> None:
    with pytest.raises(AppError) as exc:
        model.parse_deposit_amount(typed)
    assert exc.value.code == "deposit_amount_format" and exc.value.status_code == 422


def test_deposit_amounts_parse_to_fen() -> None:
    assert [model.parse_deposit_amount(a) for a in ("0.37", " 0.3 ", "1", "12.05", "0.")] == [
        37,
        30,
        100,
        1205,
        0,
    ]


def test_identity_checks_lock_after_five_wrong_entries_in_the_window() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    four = [now - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    model.ensure_id_check_allowed(four, now=now)
    model.ensure_id_check_allowed([*four, now - timedelta(minutes=16)], now=now)  # aged out
    with pytest.raises(AppError) as exc:
        model.ensure_id_check_allowed([*four, now - timedelta(minutes=10)], now=now)
    assert exc.value.code == "identity_attempts_exceeded" and exc.value.status_code == 429
    assert exc.value.retry_after == 5 * 60 + 1  # the oldest counted failure leaves in 5 min


def test_the_deposit_day_is_the_shanghai_calendar_day() -> None:
    # 16:30 UTC is already the next day in Shanghai (UTC+8)
    assert model.shanghai_day(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)).isoformat() == "2026-03-02"
    assert model.shanghai_day(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)).isoformat() == "2026-03-01"


def test_the_firm_waits_for_every_counterparty() -> None:
    model.ensure_counterparties_done(0)
    with pytest.raises(AppError) as one:
        model.ensure_counterparties_done(1)  # a single pending counterparty already blocks
    assert one.value.details == {"remaining_counterparties": 1}
    with pytest.raises(AppError) as exc:
        model.ensure_counterparties_done(2)
    assert exc.value.code == "counterparties_pending" and exc.value.details == {
        "remaining_counterparties": 2
    }


def test_entered_names_and_ids_are_compared_without_spacing_or_case() -> None:
    assert model.names_match(" 张 三", "张三") and not model.names_match("张三丰", "张三")
    assert model.ids_match("11010519491231002x", "11010519491231002X")


@pytest.mark.parametrize(
    "field,value",
    [
        ("x", "inf"),
        ("y", "Infinity"),
        ("x", "nan"),
        ("width", "-inf"),
        ("x", 1e300),
        ("page", 10**20),
    ],
)
def test_a_placement_with_an_infinite_or_huge_number_is_refused_at_the_edge(
    field: str, value: object
) -> None:
    from pydantic import ValidationError
    from signing.entrypoints.schemas import PlacementIn

    good = {"page": 0, "x": 10, "y": 10, "width": 100, "height": 100}
    PlacementIn.model_validate(good)
    with pytest.raises(ValidationError):
        PlacementIn.model_validate({**good, field: value})


def test_every_unsigned_counterparty_is_pending_whatever_its_kind() -> None:
    from types import SimpleNamespace as S

    rows = [
        S(kind=model.INDIVIDUAL, status=model.SIGNED),
        S(kind=model.ENTERPRISE, status=model.VERIFIED),
        S(kind=model.ENTERPRISE, status=model.PENDING),
        S(kind=model.FIRM, status=model.PENDING),
    ]
    assert model.pending_counterparties(rows) == 2
    assert model.pending_counterparties(rows[:1] + rows[3:]) == 0
    assert model.pending_counterparties([S(kind=model.INDIVIDUAL, status="id_checked")]) == 1

"""Contract amounts: yuan with at most two decimals, never negative."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("9999999999999999.99")


class AmountInvalid(ValueError):
    """The amount is not a non-negative yuan value with at most two decimals."""


def normalise_amount(value: Decimal | str | None) -> Decimal | None:
    """Return the amount quantised to fen, or raise AmountInvalid."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise AmountInvalid("not a number") from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise AmountInvalid("out of range")
    if amount != amount.quantize(Decimal("0.01")):
        raise AmountInvalid("more than two decimals")
    return amount.quantize(Decimal("0.01"))

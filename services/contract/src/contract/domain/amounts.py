"""Contract amounts: yuan with at most two decimals, never negative."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from servicekit.domain import Invalid

MAX_AMOUNT = Decimal("9999999999999999.99")


class AmountInvalid(Invalid, ValueError):
    """The amount is not a non-negative yuan value with at most two decimals."""

    code = "amount_invalid"
    message_zh = "金额须为不小于零、最多两位小数的人民币数额"
    message_en = "The amount must be a non-negative CNY value with at most two decimals"

    def __init__(self, reason: str) -> None:
        super().__init__(details={"reason": reason})
        self.reason = reason


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

"""Business errors of the signing service: stable codes, messages in Chinese and English."""

from __future__ import annotations

from typing import Any

from servicekit.errors import AppError, Conflict, Forbidden, Invalid, NotFound, Unavailable


def not_found(what: str = "envelope") -> NotFound:
    """Return the error for an object the caller may not see or that does not exist."""
    return NotFound(f"{what} not found", "对象不存在或无权查看", code=f"{what}_not_found")


def conflict(code: str, en: str, zh: str, details: Any = None) -> Conflict:
    """Return a state conflict (409) with a stable code."""
    return Conflict(en, zh, code=code, details=details)


def invalid(code: str, en: str, zh: str, details: Any = None) -> Invalid:
    """Return an input error (422) with a stable code."""
    return Invalid(en, zh, code=code, details=details)


def forbidden(code: str, en: str, zh: str) -> Forbidden:
    """Return a refusal (403) with a stable code."""
    return Forbidden(en, zh, code=code)


def unavailable(code: str, en: str, zh: str) -> Unavailable:
    """Return a temporary failure (503) with a stable code."""
    return Unavailable(en, zh, code=code)


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"
    message_zh = "请求过于频繁"
    message_en = "Too many requests"


class IntentCodeVoided(Conflict):
    code = "intent_code_voided"
    message_en = "Five wrong entries: this code is void; request a new one"
    message_zh = "验证码输错 5 次，已失效，请重新获取"

    def __init__(self) -> None:
        super().__init__(details={"attempts_left": 0})


class IntentCodeWrong(Invalid):
    code = "intent_code_wrong"

    def __init__(self, left: int) -> None:
        super().__init__(
            f"Wrong code; {left} attempt(s) left",
            f"验证码不正确，还可输入 {left} 次",
            details={"attempts_left": left},
        )


class DepositVoided(Conflict):
    code = "deposit_voided"
    message_en = "Three wrong entries: the amount is void; request a new one"
    message_zh = "金额输错 3 次，该笔打款已作废，请重新申请打款"

    def __init__(self) -> None:
        super().__init__(details={"attempts_left": 0})


class DepositWrongAmount(Invalid):
    code = "deposit_wrong_amount"

    def __init__(self, left: int) -> None:
        super().__init__(
            f"Wrong amount; {left} attempt(s) left",
            f"金额不正确，还可输入 {left} 次",
            details={"attempts_left": left},
        )

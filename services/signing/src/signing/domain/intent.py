"""Signing intent (意愿认证) by SMS one-time code: the rules. Pure, no I/O."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from . import attempts, errors

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = attempts.INTENT_CODE.max_wrong  # the fifth wrong entry voids the code
RESEND_AFTER = timedelta(seconds=60)  # one code per minute at most
DAILY_SENDS = 10  # codes per signer per rolling 24 hours
# a confirmed code authorises the signature that follows it, within this time
CONFIRMED_VALID = timedelta(minutes=10)
METHOD = "sms_otp"


def code_hash(challenge_id: str, code: str) -> str:
    """Return what is kept of a code: its sha256 bound to its challenge."""
    return hashlib.sha256(f"{challenge_id}:{code}".encode()).hexdigest()


def code_matches(challenge_id: str, code: str, kept: str) -> bool:
    """Tell, in constant time, whether `code` is the challenge's code."""
    return hmac.compare_digest(code_hash(challenge_id, code.strip()), kept)


def ensure_can_send(*, last_sent: datetime | None, sent_24h: int, now: datetime) -> None:
    """Refuse a new code within a minute of the last one, or past the daily number."""
    if sent_24h >= DAILY_SENDS:
        raise errors.TooManyRequests(
            f"At most {DAILY_SENDS} codes a day; try again tomorrow",
            f"验证码每天最多发送 {DAILY_SENDS} 次，请明天再试",
            code="intent_code_daily_limit",
            details={"limit": DAILY_SENDS},
        )
    if last_sent is not None and now - last_sent < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last_sent)).total_seconds()) + 1
        raise errors.TooManyRequests(
            f"A code was just sent; ask for another in {wait} s",
            f"验证码已发送，请 {wait} 秒后再重新获取",
            code="intent_code_too_soon",
            details={"retry_after_seconds": wait},
        )


def sms_text(*, code: str, title: str) -> str:
    """Return the SMS that carries a code."""
    minutes = int(CODE_TTL.total_seconds() // 60)
    return (
        f"【lexseal】您正在签署《{title}》，验证码 {code}，{minutes} 分钟内有效。"
        "如非本人操作，请勿告知他人。"
    )

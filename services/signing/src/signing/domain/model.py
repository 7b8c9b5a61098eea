"""Envelope rules: states, signing order, placement, deposit limits. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from . import errors

SHANGHAI = ZoneInfo("Asia/Shanghai")

# envelope states
PREPARED = "prepared"
COMPLETED = "completed"
VOIDED = "voided"
DECLINED = "declined"
EXPIRED = "expired"
OPEN_STATES = (PREPARED,)

# signer states
PENDING = "pending"
VERIFIED = "verified"
SIGNED = "signed"

FIRM = "firm"
INDIVIDUAL = "individual"
ENTERPRISE = "enterprise"

DEPOSIT_DAILY_LIMIT = 5
DEPOSIT_MAX_ATTEMPTS = 3
DEPOSIT_TTL = timedelta(days=7)


@dataclass(frozen=True)
class Placement:
    """Where a seal goes: a 0-based page and a box in placement coordinates (see geometry)."""

    page: int
    x: float
    y: float
    width: float
    height: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Return the box as (x1, y1, x2, y2)."""
        return (self.x, self.y, self.x + self.width, self.y + self.height)


def ensure_open(status: str) -> None:
    """Refuse any change to an envelope that is over."""
    if status not in OPEN_STATES:
        raise errors.conflict(
            f"envelope_{status}",
            f"The envelope is {status}",
            f"签署流程已结束（{_STATUS_ZH.get(status, status)}）",
        )


_STATUS_ZH = {COMPLETED: "已完成", VOIDED: "已作废", DECLINED: "已拒签", EXPIRED: "已过期"}


def ensure_counterparties_done(pending: int) -> None:
    """Refuse the firm's signature while any counterparty has not signed."""
    if pending:
        raise errors.conflict(
            "counterparties_pending",
            f"{pending} counterparty signer(s) have not signed yet; the firm signs last",
            f"尚有 {pending} 位对方签章人未签章，律所须最后签章",
            details={"remaining_counterparties": pending},
        )


def shanghai_day(moment: datetime) -> date:
    """Return the calendar day in Asia/Shanghai of `moment`."""
    return moment.astimezone(SHANGHAI).date()


def ensure_deposit_quota(sent_today: int) -> None:
    """Refuse a sixth amount for the same enterprise on the same Shanghai day."""
    if sent_today >= DEPOSIT_DAILY_LIMIT:
        raise errors.TooManyRequests(
            f"At most {DEPOSIT_DAILY_LIMIT} amounts per enterprise per day; try again tomorrow",
            f"同一企业每天最多打款 {DEPOSIT_DAILY_LIMIT} 次，请明天再试",
            code="deposit_daily_limit",
            details={"limit": DEPOSIT_DAILY_LIMIT},
        )


def names_match(entered: str, expected: str) -> bool:
    """Tell whether a name typed by the signer is the one the lawyer entered."""
    return "".join(entered.split()) == "".join(expected.split())


def ids_match(entered: str, expected: str) -> bool:
    """Tell whether an identifier typed by the signer is the one the lawyer entered."""
    return entered.strip().upper() == expected.strip().upper()

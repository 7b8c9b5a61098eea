"""Envelope rules: states, signing order, placement, deposit limits. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from . import attempts, errors
from .states import EnvelopeStatus, SignerKind, SignerStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")

# envelope states
PREPARED = EnvelopeStatus.PREPARED
COMPLETED = EnvelopeStatus.COMPLETED
VOIDED = EnvelopeStatus.VOIDED
DECLINED = EnvelopeStatus.DECLINED
EXPIRED = EnvelopeStatus.EXPIRED
OPEN_STATES = (PREPARED,)

# signer states
PENDING = SignerStatus.PENDING
ID_CHECKED = SignerStatus.ID_CHECKED
VERIFIED = SignerStatus.VERIFIED
SIGNED = SignerStatus.SIGNED

FIRM = SignerKind.FIRM
INDIVIDUAL = SignerKind.INDIVIDUAL
ENTERPRISE = SignerKind.ENTERPRISE

DEPOSIT_DAILY_LIMIT = 5
DEPOSIT_MAX_ATTEMPTS = attempts.DEPOSIT.max_wrong
DEPOSIT_TTL = timedelta(days=7)
ID_CHECK_MAX_FAILURES = attempts.ID_CHECK.max_failures
ID_CHECK_WINDOW = attempts.ID_CHECK.window
# a deposit amount in yuan as typed: at most 6 integer digits and 2 decimals
DEPOSIT_AMOUNT_MAX_FEN = 99_999_999


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


def ensure_open(status: EnvelopeStatus) -> None:
    """Refuse any change to an envelope that is over."""
    if status not in OPEN_STATES:
        raise errors.Conflict(
            f"The envelope is {status}",
            f"签署流程已结束（{_STATUS_ZH.get(status, status)}）",
            code=f"envelope_{status}",
        )


_STATUS_ZH = {COMPLETED: "已完成", VOIDED: "已作废", DECLINED: "已拒签", EXPIRED: "已过期"}


class SignerState(Protocol):
    """What the signing-order rule reads of a signer."""

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> str: ...


def pending_counterparties(signers: Iterable[SignerState]) -> int:
    """Count the counterparties (individuals and enterprises alike) who have not signed."""
    return sum(1 for s in signers if s.kind != FIRM and s.status != SIGNED)


def ensure_counterparties_done(pending: int) -> None:
    """Refuse the firm's signature while any counterparty has not signed."""
    if pending:
        raise errors.Conflict(
            f"{pending} counterparty signer(s) have not signed yet; the firm signs last",
            f"尚有 {pending} 位对方签章人未签章，律所须最后签章",
            code="counterparties_pending",
            details={"remaining_counterparties": pending},
        )


def shanghai_day(moment: datetime) -> date:
    """Return the calendar day in Asia/Shanghai of `moment`."""
    return moment.astimezone(SHANGHAI).date()


def seconds_to_next_shanghai_day(now: datetime) -> int:
    """Return the whole seconds from `now` until the next midnight in Asia/Shanghai."""
    local = now.astimezone(SHANGHAI)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return max(1, int((midnight - local).total_seconds()) + 1)


def ensure_deposit_quota(sent_today: int, *, now: datetime) -> None:
    """Refuse a sixth amount for the same enterprise on the same Shanghai day."""
    if sent_today >= DEPOSIT_DAILY_LIMIT:
        raise errors.TooManyRequests(
            f"At most {DEPOSIT_DAILY_LIMIT} amounts per enterprise per day; try again tomorrow",
            f"同一企业每天最多打款 {DEPOSIT_DAILY_LIMIT} 次，请明天再试",
            code="deposit_daily_limit",
            details={"limit": DEPOSIT_DAILY_LIMIT},
            retry_after=seconds_to_next_shanghai_day(now),
        )


def ensure_id_check_allowed(failures: list[datetime], *, now: datetime) -> None:
    """Refuse an identity check after ID_CHECK_MAX_FAILURES wrong entries in the window."""
    attempts.ID_CHECK.ensure_allowed(failures, now=now)


def parse_deposit_amount(amount: str) -> int:
    """Return a typed yuan amount (e.g. "0.37") in fen, or raise deposit_amount_format."""
    text = amount.strip()
    whole, dot, frac = text.partition(".")
    if (
        not whole.isascii()
        or not whole.isdigit()
        or len(whole) > 6
        or (frac != "" and (not frac.isascii() or not frac.isdigit() or len(frac) > 2))
    ):
        raise errors.DepositAmountFormat()
    return int(whole) * 100 + int(frac.ljust(2, "0") if dot else 0)


def names_match(entered: str, expected: str) -> bool:
    """Tell whether a name typed by the signer is the one the lawyer entered."""
    return "".join(entered.split()) == "".join(expected.split())


def ids_match(entered: str, expected: str) -> bool:
    """Tell whether an identifier typed by the signer is the one the lawyer entered."""
    return entered.strip().upper() == expected.strip().upper()

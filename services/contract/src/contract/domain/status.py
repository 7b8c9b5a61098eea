"""The application's lifecycle as the lawyer sees it: which action moves which status where."""

from __future__ import annotations

from enum import StrEnum

from servicekit.domain import Conflict


class Status(StrEnum):
    """Where an application stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SIGNING = "signing"
    COUNTERPARTY_SIGNED = "counterparty_signed"
    COMPLETED = "completed"
    DECLINED = "declined"
    VOIDED = "voided"
    EXPIRED = "expired"


class Action(StrEnum):
    """What can happen to an application (by the lawyer or by another service's event)."""

    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"
    INVITE = "invite"
    COUNTERPARTY_SIGN = "counterparty_sign"
    ALL_COUNTERPARTIES_SIGNED = "all_counterparties_signed"
    COMPLETE = "complete"
    DECLINE = "decline"
    VOID = "void"
    EXPIRE = "expire"


S = Status
_IN_SIGNING = (S.APPROVED, S.SIGNING, S.COUNTERPARTY_SIGNED)

# action -> {from status: to status}
_TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.EDIT: {S.DRAFT: S.DRAFT, S.REJECTED: S.REJECTED},
    Action.SUBMIT: {S.DRAFT: S.SUBMITTED, S.REJECTED: S.SUBMITTED},
    # Once every counterparty has signed, only the signing service may end the envelope.
    Action.WITHDRAW: {
        s: S.WITHDRAWN for s in (S.DRAFT, S.SUBMITTED, S.REJECTED, S.APPROVED, S.SIGNING)
    },
    Action.APPROVE: {S.SUBMITTED: S.APPROVED},
    Action.REJECT: {S.SUBMITTED: S.REJECTED},
    Action.INVITE: {S.APPROVED: S.SIGNING, S.SIGNING: S.SIGNING},
    Action.COUNTERPARTY_SIGN: {S.APPROVED: S.SIGNING, S.SIGNING: S.SIGNING},
    Action.ALL_COUNTERPARTIES_SIGNED: {
        S.APPROVED: S.COUNTERPARTY_SIGNED,
        S.SIGNING: S.COUNTERPARTY_SIGNED,
    },
    Action.COMPLETE: {s: S.COMPLETED for s in _IN_SIGNING},
    Action.DECLINE: {s: S.DECLINED for s in _IN_SIGNING},
    Action.VOID: {s: S.VOIDED for s in _IN_SIGNING},
    Action.EXPIRE: {s: S.EXPIRED for s in _IN_SIGNING},
}

# Actions a user asks for (refused loudly) versus facts from events (ignored when stale).
USER_ACTIONS = frozenset({Action.EDIT, Action.SUBMIT, Action.WITHDRAW})


_ACTION_ZH = {
    Action.EDIT: "修改",
    Action.SUBMIT: "提交",
    Action.WITHDRAW: "撤回",
}


class TransitionRefused(Conflict):
    """The action is not allowed in the application's current status (a 409 that says why)."""

    code = "invalid_status"

    def __init__(self, action: Action, status: Status) -> None:
        verb = _ACTION_ZH.get(action, str(action))
        super().__init__(
            f"Cannot {action} an application that is {status}",
            f"当前状态（{status}）不允许{verb}",
            details={"action": str(action), "status": str(status)},
        )
        self.action = action
        self.status = status


def allowed(action: Action, status: Status) -> bool:
    """Tell whether `action` may happen while the application is in `status`."""
    return status in _TRANSITIONS[action]


def next_status(action: Action, status: Status) -> Status:
    """Return the status `action` leads to from `status`, or raise TransitionRefused."""
    target = _TRANSITIONS[action].get(status)
    if target is None:
        raise TransitionRefused(action, status)
    return target


def editable(status: Status) -> bool:
    """Tell whether the lawyer may still change the application's fields, document and signers."""
    return allowed(Action.EDIT, status)

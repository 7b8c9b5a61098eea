"""Events published by the contract service."""

from __future__ import annotations

from typing import Literal

from .common import DocumentRef, ScanWarning, SignerInfo
from .envelope import CloudEvent, Payload


class ContractSubmittedData(Payload):
    contract_id: str
    round: int
    owner_id: str
    owner_name: str
    title: str
    contract_type: str
    client_name: str
    amount: str | None = None
    currency: str = "CNY"
    case_serial_no: str | None = None
    remarks: str | None = None
    document: DocumentRef
    signers: list[SignerInfo]
    scan_warning: ScanWarning | None = None
    # the lawyer asked for the firm's seal across every page's right edge (骑缝章)
    cross_page_seal: bool = False


class ContractSubmitted(CloudEvent):
    """A lawyer submitted (or resubmitted) a contract application for review."""

    type: Literal["contract.submitted"] = "contract.submitted"
    data: ContractSubmittedData


class ContractWithdrawnData(Payload):
    contract_id: str
    round: int
    owner_id: str
    actor_id: str
    reason: str | None = None


class ContractWithdrawn(CloudEvent):
    """A lawyer withdrew an application; any open review round or envelope ends."""

    type: Literal["contract.withdrawn"] = "contract.withdrawn"
    data: ContractWithdrawnData

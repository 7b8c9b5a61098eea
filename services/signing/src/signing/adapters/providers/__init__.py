"""External identity services behind small interfaces: face check and bank transfer."""

from .base import BankTransferProvider, ProviderUnavailable, Transfer
from .face_h5 import (
    SIGNATURE_HEADER,
    CallbackRejected,
    FaceCallback,
    FaceSessionProvider,
    FaceStart,
    HttpFaceSessions,
    SandboxFaceSessions,
)
from .http import HttpBankTransfer
from .sandbox import SandboxBankTransfer

__all__ = [
    "SIGNATURE_HEADER",
    "BankTransferProvider",
    "CallbackRejected",
    "FaceCallback",
    "FaceSessionProvider",
    "FaceStart",
    "HttpBankTransfer",
    "HttpFaceSessions",
    "ProviderUnavailable",
    "SandboxBankTransfer",
    "SandboxFaceSessions",
    "Transfer",
]

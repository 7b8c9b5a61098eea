"""External identity services behind small interfaces: face check and bank transfer."""

from .base import BankTransferProvider, FaceCheckProvider, FaceResult, ProviderUnavailable, Transfer
from .http import HttpBankTransfer, HttpFaceCheck
from .sandbox import SANDBOX_FAIL_FLAG, SandboxBankTransfer, SandboxFaceCheck

__all__ = [
    "SANDBOX_FAIL_FLAG",
    "BankTransferProvider",
    "FaceCheckProvider",
    "FaceResult",
    "HttpBankTransfer",
    "HttpFaceCheck",
    "ProviderUnavailable",
    "SandboxBankTransfer",
    "SandboxFaceCheck",
    "Transfer",
]

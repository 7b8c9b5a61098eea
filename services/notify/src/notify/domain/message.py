"""An in-app message, in both languages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One in-app message: to a user or to a role, in Chinese (the default) and English.

    The API answers in the reader's language (Accept-Language); e-mail and SMS copies are
    Chinese, the firm's language.
    """

    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    user_id: str | None = None
    role: str | None = None
    title_en: str = ""
    body_en: str = ""

"""The letters refusals that once had their own exception handlers answer exactly as before."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from letters.adapters.letter_fonts import UnrenderableTextError
from letters.adapters.previews import PreviewUnavailable
from letters.domain.case_serial import CaseSerialInvalid, normalize_case_serial
from letters.domain.errors import MailRecipientNotApplicant
from letters.domain.numbering import LetterTypeError, letter_type_by_code
from servicekit.errors import install_error_handlers


def _serial() -> None:
    normalize_case_serial("bad serial")


def _type() -> None:
    letter_type_by_code("X")


def _glyphs() -> None:
    raise UnrenderableTextError("\U0001f600")


def _preview() -> None:
    raise PreviewUnavailable("pdftoppm took longer than 20 s")


def _rule() -> None:
    raise MailRecipientNotApplicant(details={"applicant_id": "lawyer-1"})


CASES: list[tuple[Any, int, str, str, str]] = [
    (_serial, 422, "case_serial_invalid", "案件流水号格式不正确",
     "The case serial number does not match the firm's format"),
    (_type, 422, "letter_type_invalid", "函件类型不存在", "Unknown letter type"),
    (_glyphs, 422, "letter_text_unrenderable", "函件中含有无法打印的字符，请修改",
     "The letter contains characters the letter font cannot print"),
    (_preview, 503, "preview_unavailable", "暂时无法生成页面图片", "Page images are unavailable"),
    (_rule, 403, "mail_recipient_not_applicant", "纸质所函只能邮寄给申请律师本人",
     "A paper letter can only be mailed to the applying lawyer"),
]  # fmt: skip


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    for i, (raise_it, *_) in enumerate(CASES):
        app.add_api_route(f"/{i}", raise_it)
    return TestClient(app)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_each_refusal_keeps_its_code_status_and_both_languages(
    client: TestClient, index: int
) -> None:
    _, status, code, zh, en = CASES[index]
    answer = client.get(f"/{index}")
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message"] == zh
    english = client.get(f"/{index}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.json()["error"]["message"] == en
    assert "Retry-After" not in answer.headers  # as before: no retry hint on these


def test_details_are_kept(client: TestClient) -> None:
    serial = client.get("/0").json()["error"]["details"]
    assert serial == {"value": "bad serial", "pattern": r"^[A-Z0-9][A-Z0-9-]{5,39}$"}
    assert "unknown letter type code 'X'" in client.get("/1").json()["error"]["details"]
    assert client.get("/2").json()["error"]["details"] == {"chars": ["\U0001f600"]}
    assert client.get("/3").json()["error"]["details"] is None  # the reason stays in the log
    assert client.get("/4").json()["error"]["details"] == {"applicant_id": "lawyer-1"}


def test_validators_still_see_value_errors() -> None:
    # settings and request validators report these as bad values (pydantic catches ValueError)
    for raise_it in (_serial, _type, _glyphs):
        with pytest.raises(ValueError):
            raise_it()
    with pytest.raises(CaseSerialInvalid, match="does not match"):
        _serial()
    with pytest.raises(LetterTypeError, match="unknown letter type"):
        _type()

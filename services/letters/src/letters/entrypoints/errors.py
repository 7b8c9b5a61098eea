"""Render the domain's rule violations in the one error shape, in Chinese or English."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from servicekit.errors import error_body, preferred_language

from ..adapters.letter_fonts import UnrenderableTextError
from ..adapters.previews import PreviewUnavailable
from ..domain.case_serial import CaseSerialInvalid
from ..domain.errors import LetterRuleError
from ..domain.numbering import LetterTypeError


def install_letter_errors(app: FastAPI) -> None:
    """Add handlers for the letters domain's errors."""

    @app.exception_handler(LetterRuleError)
    async def _rule(request: Request, exc: LetterRuleError) -> JSONResponse:
        en = preferred_language(request) == "en"
        message = exc.message_en if en else exc.message_zh
        return JSONResponse(error_body(exc.code, message, exc.details), status_code=exc.status_code)

    @app.exception_handler(CaseSerialInvalid)
    async def _serial(request: Request, exc: CaseSerialInvalid) -> JSONResponse:
        en = preferred_language(request) == "en"
        message = (
            "The case serial number does not match the firm's format"
            if en
            else "案件流水号格式不正确"
        )
        details = {"value": exc.value, "pattern": exc.pattern}
        return JSONResponse(error_body(exc.code, message, details), status_code=422)

    @app.exception_handler(LetterTypeError)
    async def _type(request: Request, exc: LetterTypeError) -> JSONResponse:
        en = preferred_language(request) == "en"
        message = "Unknown letter type" if en else "函件类型不存在"
        return JSONResponse(error_body(exc.code, message, str(exc)), status_code=422)

    @app.exception_handler(UnrenderableTextError)
    async def _glyphs(request: Request, exc: UnrenderableTextError) -> JSONResponse:
        en = preferred_language(request) == "en"
        message = (
            "The letter contains characters the letter font cannot print"
            if en
            else "函件中含有无法打印的字符，请修改"
        )
        details = {"chars": list(exc.chars)}
        return JSONResponse(error_body(exc.code, message, details), status_code=422)

    @app.exception_handler(PreviewUnavailable)
    async def _preview(request: Request, exc: PreviewUnavailable) -> JSONResponse:
        en = preferred_language(request) == "en"
        message = "Page images are unavailable" if en else "暂时无法生成页面图片"
        return JSONResponse(error_body("preview_unavailable", message), status_code=503)

"""The public pages' files (/sign/assets/...), the hosted face check's callback and its sandbox."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from servicekit.app import UowDep

from ..adapters.providers import SIGNATURE_HEADER
from ..domain import errors
from ..service_layer import face
from . import pages
from .deps import Deps

router = APIRouter(tags=["signer"])

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
}


@lru_cache(maxsize=64)
def _asset(path: str) -> bytes | None:
    parts = path.split("/")
    if not 1 <= len(parts) <= 2 or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    node = resources.files("signing").joinpath("static", *parts)
    return node.read_bytes() if node.is_file() else None


@router.get("/sign/assets/{path:path}", include_in_schema=False)
async def asset(path: str) -> Response:
    """Serve a file of the public pages (scripts, styles, message catalogues, icons)."""
    suffix = path[path.rfind(".") :] if "." in path else ""
    data = _asset(path) if suffix in _TYPES else None
    if data is None:
        raise errors.AssetNotFound()
    # short cache: a new release is picked up within minutes
    return Response(
        data, media_type=_TYPES[suffix], headers={"cache-control": "public, max-age=300"}
    )


@router.post(face.CALLBACK_PATH)
async def face_callback(request: Request, uow: UowDep, deps: Deps) -> dict[str, Any]:
    """Accept the face-check provider's result, signed with the shared secret (HMAC-SHA256)."""
    body = await request.body()
    session = await face.accept_callback(
        uow,
        provider=deps.face,
        pki=deps.pki,
        body=body,
        signature=request.headers.get(SIGNATURE_HEADER),
    )
    return {"received": True, "status": session.status}


@router.get("/sign/face-sandbox/{reference}", response_class=HTMLResponse, include_in_schema=False)
async def sandbox_face_page(reference: str, deps: Deps) -> HTMLResponse:
    """Serve the sandbox face-check provider's own page (labelled sandbox)."""
    face.sandbox_of(deps.face)
    return HTMLResponse(pages.face_sandbox_page())


class SandboxResultIn(BaseModel):
    passed: bool


@router.post("/sign/face-sandbox/{reference}/result", include_in_schema=False)
async def sandbox_face_result(reference: str, body: SandboxResultIn, deps: Deps) -> dict[str, Any]:
    """Sign the sandbox's callback for the tester's choice; the sandbox page delivers it.

    The page POSTs it to the public callback route (through the gateway), as a real
    provider's server would: the platform applies only what that route accepts.
    """
    raw, signature = face.sandbox_of(deps.face).result(reference, passed=body.passed)
    return {"callback": raw.decode(), "signature": signature, "callback_path": face.CALLBACK_PATH}

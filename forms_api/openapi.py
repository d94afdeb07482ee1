"""`/api/openapi.json`, built from the form declarations (stub, filled in below)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse


async def schema(request: Request) -> JSONResponse:
    return JSONResponse({"openapi": "3.1.0"})

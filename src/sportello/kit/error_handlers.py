"""Turns every error into `{"detail", "code"}` with the right status; nothing leaks as a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sportello.errors import RateLimited, SportelloError

logger = logging.getLogger("sportello.errors")

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header"))
        message = str(error.get("msg", "is not valid"))
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        if error.get("type") == "extra_forbidden":
            message = "is not a known field"
        elif error.get("type") == "missing":
            message = "is required"
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts) or "The request is not valid."


def _error_response(status: int, detail: str, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    async def sportello_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SportelloError)
        response = _error_response(exc.status_code, exc.detail, exc.code)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return _error_response(400, _describe(list(exc.errors())), "invalid_input", errors=errors)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address."
        response = _error_response(exc.status_code, detail, code)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        # SQLite gives up waiting for its write lock after its busy timeout: the request did
        # nothing (its transaction is rolled back) and may simply be sent again.
        if "database is locked" in str(exc):
            logger.warning("database busy: request refused", extra={"path": request.url.path})
            response = _error_response(503, "The database is busy. Try again in a moment.", "database_busy")
            response.headers["Retry-After"] = "1"
            return response
        return await unexpected_error(request, exc)

    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", extra={"path": request.url.path})
        return _error_response(500, "Something went wrong on our side. It has been logged.", "internal_error")

    app.add_exception_handler(SportelloError, sportello_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_error)
    app.add_exception_handler(Exception, unexpected_error)

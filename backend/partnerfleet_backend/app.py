"""The FastAPI application: routers, problem+json errors, request ids, body limits."""

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from partnerfleet_backend import __version__
from partnerfleet_backend.addon.endpoints import router as addon_router
from partnerfleet_backend.customer.endpoints import router as customer_router
from partnerfleet_backend.kit.errors import (
    PayloadTooLarge,
    ServiceError,
    ServiceUnavailable,
    ValidationFailed,
)
from partnerfleet_backend.license.endpoints import router as license_router
from partnerfleet_backend.partner.endpoints import router as partner_router
from partnerfleet_backend.settings import get_settings
from partnerfleet_backend.system.endpoints import router as system_router
from partnerfleet_backend.wallet.endpoints import router as wallet_router

log = logging.getLogger("partnerfleet")

PROBLEM = "application/problem+json"
STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
}


def problem_response(error: ServiceError, request_id: str | None) -> JSONResponse:
    body = error.problem()
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM, headers=error.headers)


class RequestIdAndBodyLimit:
    """Give every request an id (X-Request-Id) and refuse bodies over the limit with 413."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"\x00" in target or b"%00" in target:
            bad = ValidationFailed("the URL must not contain NUL characters", field="url")
            await problem_response(bad, request_id)(scope, receive, send)
            return
        too_large = PayloadTooLarge(f"the body is larger than {self.max_body_bytes} bytes")
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await problem_response(too_large, request_id)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-request-id", request_id.encode())]
                present = {name.lower() for name, _ in message.get("headers", [])}
                for name, value in scope["state"].get("ratelimit", {}).items():
                    if name.lower().encode() not in present:
                        extra.append((name.encode(), value.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await problem_response(too_large, request_id)(scope, receive, send_with_id)


class _BodyTooLarge(Exception):
    pass


def _request_id(request: Request) -> str | None:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else None


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return ".".join(parts) or "body"


def create_app() -> FastAPI:
    """The service."""
    settings = get_settings()
    app = FastAPI(
        title="partnerfleet licensing backend",
        version=__version__,
        description="The vendor's partner-program service: partners, wallet, customer orgs, "
        "licenses, add-ons and support levels. Errors are application/problem+json with a "
        "stable `code`. Money is integer cents, percentages integer basis points.",
    )

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, error: ServiceError) -> JSONResponse:
        return problem_response(error, _request_id(request))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_of(tuple(e.get("loc", ()))), "reason": e.get("msg", "invalid")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem_response(ValidationFailed(detail, errors=errors), _request_id(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        failure = ServiceError(str(error.detail))
        failure.status = error.status_code
        failure.code = STATUS_CODES.get(error.status_code, "http_error")
        failure.title = failure.code.replace("_", " ").capitalize()
        if error.headers:
            failure.headers.update(error.headers)
        return problem_response(failure, _request_id(request))

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
        text = str(error.orig).lower()
        sqlstate = getattr(error.orig, "sqlstate", None)
        if (isinstance(error, OperationalError) or sqlstate in ("53100", "53200")) and (
            "full" in text
            or "locked" in text
            or sqlstate is not None
            or error.connection_invalidated
        ):
            log.warning("database unavailable: %s", text)
            return problem_response(
                ServiceUnavailable("the database cannot take this change now; retry later"),
                _request_id(request),
            )
        raise error

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=error)
        failure = ServiceError("an internal error occurred; it has been logged")
        failure.status, failure.code, failure.title = 500, "internal_error", "Internal error"
        return problem_response(failure, _request_id(request))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (
        partner_router,
        wallet_router,
        customer_router,
        license_router,
        addon_router,
        system_router,
    ):
        app.include_router(router)
    app.add_middleware(RequestIdAndBodyLimit, max_body_bytes=settings.max_body_bytes)
    return app

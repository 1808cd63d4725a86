"""Every error answered as application/problem+json (RFC 9457) with a stable `code`."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from partnerfleet_backend.kit.errors import ServiceError, ServiceUnavailable, ValidationFailed

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
    """The problem+json answer of `error`, with the request id."""
    body = error.problem()
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM, headers=error.headers)


async def refusal(state: Any) -> ServiceError | None:
    """Finish a request's pipeline (`api.Api.settle`: who calls, and the call counted) if its
    route did not (the route failed first, or answered without it): the pipeline's own refusal
    (401, 403, 429), which outranks the route's error; None if there is none."""
    pipeline = getattr(state, "pipeline", None)
    if pipeline is None or not pipeline.unsettled:
        return None
    try:
        await run_in_threadpool(pipeline.settle)
    except ServiceError as refused:
        return refused
    except Exception:  # the database failing again: the route's own answer stays
        log.warning("could not finish a request's pipeline", exc_info=True)
    return None


def _request_id(request: Request) -> str | None:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else None


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return ".".join(parts) or "body"


def install_problem_handlers(
    app: FastAPI, pages: Callable[[Request, ServiceError], Response | None] | None = None
) -> None:
    """Answer service errors, validation errors, HTTP errors, database outages and bugs;
    `pages` may answer a service error as a page (the portal's, for a browser)."""

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, error: ServiceError) -> Response:
        error = await refusal(request.state) or error
        page = pages(request, error) if pages is not None else None
        return page if page is not None else problem_response(error, _request_id(request))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        refused = await refusal(request.state)
        if refused is not None:
            return problem_response(refused, _request_id(request))
        errors = [
            {"field": _field_of(tuple(e.get("loc", ()))), "reason": e.get("msg", "invalid")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem_response(ValidationFailed(detail, errors=errors), _request_id(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        refused = await refusal(request.state)
        if refused is not None:
            return problem_response(refused, _request_id(request))
        failure = ServiceError(str(error.detail))
        failure.status = error.status_code
        failure.code = STATUS_CODES.get(error.status_code, "http_error")
        failure.title = failure.code.replace("_", " ").capitalize()
        if error.headers:
            failure.headers.update(error.headers)
        return problem_response(failure, _request_id(request))

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
        await refusal(request.state)
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
        await refusal(request.state)
        failure = ServiceError("an internal error occurred; it has been logged")
        failure.status, failure.code, failure.title = 500, "internal_error", "Internal error"
        return problem_response(failure, _request_id(request))

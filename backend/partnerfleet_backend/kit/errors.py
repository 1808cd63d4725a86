"""One error base class with an HTTP status and a stable code, answered as problem+json."""

from typing import Any


class ServiceError(Exception):
    """A failure the caller can act on; `code` is stable, `detail` says what happened."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 body of this error."""
        return {
            "type": f"https://partnerfleet.dev/problems/{self.code.replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extra,
        }


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    title = "Not found"


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthenticated"
    title = "Unauthenticated"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"
    title = "Validation failed"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    title = "Conflict"


class VersionConflict(ServiceError):
    status = 409
    code = "version_conflict"
    title = "Version conflict"


class PreconditionFailed(ServiceError):
    status = 412
    code = "version_conflict"
    title = "Precondition failed"


class InsufficientCredit(ServiceError):
    status = 402
    code = "insufficient_credit"
    title = "Insufficient credit"

    def __init__(self, needed_cents: int, available_cents: int) -> None:
        super().__init__(
            f"this needs {needed_cents} cents of credit but {available_cents} are available; "
            "top up the wallet and try again",
            needed_cents=needed_cents,
            available_cents=available_cents,
        )


class IdempotencyKeyReused(ServiceError):
    status = 422
    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class IdempotencyKeyInUse(ServiceError):
    status = 409
    code = "idempotency_key_in_use"
    title = "Request with this idempotency key still running"


class RequestTimeout(ServiceError):
    status = 408
    code = "request_timeout"
    title = "Request timeout"


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class ServiceUnavailable(ServiceError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"

"""Errors a user can act on, each with a one-line message."""

from collections.abc import Iterator
from contextlib import contextmanager


class PartnerfleetError(Exception):
    """Base of every error the provider raises; `str()` is one line the user can act on."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        suffix = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.message}{suffix}"


class BackendUnreachable(PartnerfleetError):
    """No connection to the backend, or it kept failing."""


class AuthenticationFailed(PartnerfleetError):
    """401: the key is wrong or revoked."""


class ReadOnlyKey(PartnerfleetError):
    """403 on a change: a read key was used."""


class Forbidden(PartnerfleetError):
    """403 for another reason (an operator route with a partner key...)."""


class NotFound(PartnerfleetError):
    """404: gone, or never there (or another partner's)."""


class Conflict(PartnerfleetError):
    """409: an object with this reference exists, an option is already active..."""

    def __init__(self, message: str, *, existing_id: str | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.existing_id = existing_id


class VersionConflict(PartnerfleetError):
    """412/409 version_conflict: the object changed at the backend since the last refresh."""


class InvalidInput(PartnerfleetError):
    """422: the backend refused the values."""


class InsufficientCredit(PartnerfleetError):
    """402: the wallet cannot pay."""


class QuotaExhausted(PartnerfleetError):
    """429 quota_exhausted: this month's API calls are used up."""


class Transient(PartnerfleetError):
    """5xx or 429 that stayed after the retries."""


class ProviderError(Exception):
    """Raised from provider methods: one line naming the resource, no traceback noise."""


@contextmanager
def user_errors(what: str) -> Iterator[None]:
    """Turn client errors into one-line provider errors that start with `what`."""
    try:
        yield
    except PartnerfleetError as error:
        raise ProviderError(f"{what}: {error}") from None

"""The one clock of the service: real UTC time, or the shared test clock when enabled."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from partnerfleet_backend.operations import repository
from partnerfleet_backend.settings import Settings


def utcnow() -> datetime:
    """Wall-clock time in UTC (for timeouts, never for business dates)."""
    return datetime.now(UTC)


def current_time(session: Session, settings: Settings) -> datetime:
    """Business 'now': the test clock's value when the service runs with it."""
    if settings.test_clock:
        now = repository.test_clock(session)
        if now is not None:
            return now
    return utcnow()


def set_test_clock(session: Session, now: datetime) -> datetime:
    """Move the shared test clock (every worker reads it)."""
    repository.set_test_clock(session, now)
    return now

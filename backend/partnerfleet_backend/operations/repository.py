"""Queries of the service's own rows: the shared test clock, the calendar's failures."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from partnerfleet_backend.models import CalendarFailure, TestClock


def test_clock(session: Session) -> datetime | None:
    row = session.get(TestClock, 1)
    return row.now if row is not None else None


def set_test_clock(session: Session, now: datetime) -> None:
    row = session.get(TestClock, 1)
    if row is None:
        session.add(TestClock(id=1, now=now))
    else:
        row.now = now


def failing_partners(session: Session, step: str) -> dict[str, datetime]:
    """Partner id -> when to try again, of the partners this step failed for."""
    rows = session.execute(
        select(CalendarFailure.partner_id, CalendarFailure.retry_at).where(
            CalendarFailure.step == step
        )
    )
    return {str(pid): retry_at for pid, retry_at in rows}


def record_failure(
    session: Session, step: str, partner_id: str, error: str, now: datetime, backoff: timedelta
) -> int:
    """Record (or count again) the step's failure for the partner; how often it failed."""
    dialect = session.get_bind().dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(CalendarFailure)
    statement = upsert.values(
        step=step,
        partner_id=partner_id,
        error=error[:300],
        attempts=1,
        first_failed_at=now,
        last_failed_at=now,
        retry_at=now + backoff,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[CalendarFailure.step, CalendarFailure.partner_id],
        set_={
            "error": statement.excluded.error,
            "attempts": CalendarFailure.attempts + 1,
            "last_failed_at": statement.excluded.last_failed_at,
            "retry_at": statement.excluded.retry_at,
        },
    )
    return int(session.scalar(statement.returning(CalendarFailure.attempts)) or 1)


def set_retry(session: Session, step: str, partner_id: str, retry_at: datetime) -> None:
    session.execute(
        update(CalendarFailure)
        .where(CalendarFailure.step == step, CalendarFailure.partner_id == partner_id)
        .values(retry_at=retry_at)
    )


def clear_failure(session: Session, step: str, partner_id: str) -> bool:
    """The step worked for the partner again: True if it had failed before."""
    result = session.execute(
        delete(CalendarFailure).where(
            CalendarFailure.step == step, CalendarFailure.partner_id == partner_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


def failures(session: Session) -> list[CalendarFailure]:
    return list(
        session.scalars(
            select(CalendarFailure).order_by(CalendarFailure.step, CalendarFailure.partner_id)
        )
    )

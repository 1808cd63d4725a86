"""Queries of the service's own rows: the shared test clock."""

from datetime import datetime

from sqlalchemy.orm import Session

from partnerfleet_backend.models import TestClock


def test_clock(session: Session) -> datetime | None:
    row = session.get(TestClock, 1)
    return row.now if row is not None else None


def set_test_clock(session: Session, now: datetime) -> None:
    row = session.get(TestClock, 1)
    if row is None:
        session.add(TestClock(id=1, now=now))
    else:
        row.now = now

"""Queries of the overview: the licenses its lists show."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerfleet_backend.models import RENEWING, License


def _managed(session: Session, partner_id: str, *where: object) -> list[License]:
    return list(
        session.scalars(
            select(License)
            .where(License.partner_id == partner_id, License.managed.is_(True), *where)  # type: ignore[arg-type]
            .order_by(License.ends_at, License.id)
        )
    )


def ending_by(session: Session, partner_id: str, now: datetime, end: datetime) -> list[License]:
    """Licenses in force whose term ends after `now` and by `end`, soonest first."""
    return _managed(
        session,
        partner_id,
        License.status.in_(RENEWING),
        License.ends_at > now,
        License.ends_at <= end,
    )


def with_status(session: Session, partner_id: str, statuses: Sequence[str]) -> list[License]:
    """Managed licenses in these statuses, soonest end first."""
    return _managed(session, partner_id, License.status.in_(statuses))

"""Every query of usage: reports from the product, monthly bills of usage-billed licenses."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.errors import ValidationFailed
from partnerfleet_backend.models import RENEWING, License, UsageBill, UsageReport


def latest_report_at(session: Session, license_id: str) -> datetime | None:
    return session.scalar(
        select(UsageReport.at)
        .where(UsageReport.license_id == license_id)
        .order_by(UsageReport.at.desc())
        .limit(1)
    )


def unbilled(
    session: Session, products: Sequence[str], period: str, started_before: datetime
) -> list[License]:
    """Managed usage-billed licenses in force before `started_before` with no bill for
    `period` yet."""
    billed_already = select(UsageBill.license_id).where(UsageBill.period == period)
    return list(
        session.scalars(
            select(License).where(
                License.product.in_(products),
                License.status.in_(RENEWING),
                License.managed.is_(True),
                License.starts_at < started_before,
                License.id.not_in(billed_already),
            )
        )
    )


def peak(session: Session, license_id: str, start: datetime, end: datetime) -> int:
    """The highest usage reported from `start` (inclusive) to `end` (exclusive); 0 if none."""
    value = session.scalar(
        select(func.max(UsageReport.used)).where(
            UsageReport.license_id == license_id,
            UsageReport.at >= start,
            UsageReport.at < end,
        )
    )
    return int(value or 0)


def reports_of_prepaid_in_force(
    session: Session, since: datetime, until: datetime
) -> list[tuple[str, datetime, int]]:
    """(license id, at, used) of reports after `since` and by `until`, for prepaid licenses in
    force with a seat count."""
    rows = session.execute(
        select(UsageReport.license_id, UsageReport.at, UsageReport.used)
        .join(License, License.id == UsageReport.license_id)
        .where(
            UsageReport.at > since,
            UsageReport.at <= until,
            License.status.in_(RENEWING),
            License.seats.is_not(None),
            License.term_months.is_not(None),
        )
    ).all()
    return [(str(lid), at, int(used)) for lid, at, used in rows]


def reports_page(
    session: Session, license_id: str, limit: int, cursor: str | None
) -> tuple[list[UsageReport], str | None]:
    """A license's usage reports in the order they came (the cursor is a report's number)."""
    statement = select(UsageReport).where(UsageReport.license_id == license_id)
    if cursor:
        if not cursor.isdigit():
            raise ValidationFailed(
                "cursor must be the next_cursor of the previous page", field="cursor"
            )
        statement = statement.where(UsageReport.id > int(cursor))
    rows = list(session.scalars(statement.order_by(UsageReport.id).limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], str(rows[limit - 1].id)
    return rows, None

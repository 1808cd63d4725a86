"""Every query of usage: reports from the product, monthly bills of usage-billed licenses."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from partnerfleet_backend.db.bulk import chunks
from partnerfleet_backend.kit.errors import ValidationFailed
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.models import RENEWING, License, UsageBill, UsageReport


def latest_report_at(session: Session, license_id: str) -> datetime | None:
    return session.scalar(
        select(UsageReport.at)
        .where(UsageReport.license_id == license_id)
        .order_by(UsageReport.at.desc())
        .limit(1)
    )


def unbilled(
    session: Session,
    products: Sequence[str],
    period: str,
    started_before: datetime,
    scope: PartnerScope = EVERY,
) -> list[str]:
    """Ids of the managed usage-billed licenses in force before `started_before` with no bill
    for `period` yet."""
    billed_already = select(UsageBill.license_id).where(UsageBill.period == period)
    return [
        str(license_id)
        for license_id in session.scalars(
            select(License.id).where(
                License.product.in_(products),
                License.status.in_(RENEWING),
                License.managed.is_(True),
                License.starts_at < started_before,
                License.id.not_in(billed_already),
                scope.where(License.partner_id),
            )
        )
    ]


def peaks(
    session: Session, license_ids: Sequence[str], start: datetime, end: datetime
) -> dict[str, int]:
    """Each license's highest usage reported from `start` (inclusive) to `end` (exclusive);
    licenses without a report are left out (their peak is 0)."""
    found: dict[str, int] = {}
    for chunk in chunks(license_ids):
        found.update(
            (str(license_id), int(used))
            for license_id, used in session.execute(
                select(UsageReport.license_id, func.max(UsageReport.used))
                .where(
                    UsageReport.license_id.in_(chunk),
                    UsageReport.at >= start,
                    UsageReport.at < end,
                )
                .group_by(UsageReport.license_id)
            )
        )
    return found


def claim_bills(session: Session, bills: Sequence[dict[str, Any]]) -> set[str]:
    """Insert the bills no other runner has made yet (one per license and period): the ids of
    the licenses whose bill this call made."""
    dialect = session.get_bind().dialect.name
    make = postgresql_insert if dialect == "postgresql" else sqlite_insert
    made: set[str] = set()
    for chunk in chunks(bills):
        statement = (
            make(UsageBill)
            .values(list(chunk))
            .on_conflict_do_nothing(index_elements=[UsageBill.license_id, UsageBill.period])
            .returning(UsageBill.license_id)
        )
        made.update(
            str(license_id) for license_id in session.connection().execute(statement).scalars()
        )
    return made


def mark_charged(session: Session, license_ids: Sequence[str], period: str) -> None:
    """The bills of `period` of these licenses were paid."""
    for chunk in chunks(license_ids):
        session.execute(
            update(UsageBill)
            .where(UsageBill.period == period, UsageBill.license_id.in_(chunk))
            .values(charged=True)
            .execution_options(synchronize_session=False)
        )


def reports_of_prepaid_in_force(
    session: Session, since: datetime, until: datetime, scope: PartnerScope = EVERY
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
            scope.where(License.partner_id),
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

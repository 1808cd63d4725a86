"""Every query of licenses."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from partnerfleet_backend.db import bulk
from partnerfleet_backend.db.bulk import chunks
from partnerfleet_backend.db.compiled import Prepared
from partnerfleet_backend.db.objects import columns_of, persistent
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.models import (
    CHANGEABLE,
    RENEWING,
    Customer,
    License,
    LicenseIncrease,
    LicenseStatus,
    UsageReport,
)

TABLE = cast(Table, License.__table__)


def get(session: Session, license_id: str) -> License | None:
    return session.get(License, license_id)


_FIELDS = columns_of(License)
_VIEW = Prepared(
    select(*(getattr(License, name) for name in _FIELDS)).where(
        License.id == bindparam("license_id")
    ),
)


def view(session: Session, license_id: str) -> dict[str, Any] | None:
    """A license's fields as plain values (one statement, compiled once; no ORM object: a read
    that changes nothing)."""
    row = _VIEW.first(session, {"license_id": license_id})
    return None if row is None else dict(zip(_FIELDS, row, strict=True))


def of_partner_among(session: Session, partner_id: str, ids: Sequence[str]) -> list[License]:
    """The partner's licenses among `ids` (one query per thousand)."""
    return bulk.of_partner_among(session, License, partner_id, ids)


def get_with_customer(session: Session, license_id: str) -> tuple[License, Customer] | None:
    """A license and its customer org in one query (both then in the session); none when the
    session holds them already (a plan reads its fleet up front)."""
    held = session.identity_map.get(session.identity_key(License, license_id))
    if isinstance(held, License):
        customer = session.get(Customer, held.customer_id)
        return None if customer is None else (held, customer)
    row = _WITH_CUSTOMER.first(session, {"license_id": license_id})
    if row is None:
        return None
    split = len(_FIELDS)
    return (
        persistent(session, License, dict(zip(_FIELDS, row[:split], strict=True))),
        persistent(session, Customer, dict(zip(_CUSTOMER_FIELDS, row[split:], strict=True))),
    )


# One prepared statement, its rows made into the session's objects (every license change
# reads them: the ORM's query machinery cost more than the round trip).
_CUSTOMER_FIELDS = columns_of(Customer)
_WITH_CUSTOMER = Prepared(
    select(
        *(getattr(License, name) for name in _FIELDS),
        *(getattr(Customer, name) for name in _CUSTOMER_FIELDS),
    )
    .join(Customer, Customer.id == License.customer_id)
    .where(License.id == bindparam("license_id")),
    sees=(License, Customer),
)


def save(session: Session, lic: License) -> None:
    """Write the session's changes now, the license's among them, guarded by its version
    (the ORM's versioned UPDATE, as every versioned object: a row changed meanwhile raises
    StaleDataError)."""
    session.flush()


def get_locked(session: Session, license_id: str) -> License | None:
    return session.get(License, license_id, with_for_update=True)


def by_key(session: Session, license_key: str) -> License | None:
    return session.scalar(select(License).where(License.license_key == license_key))


def holds_reference(partner_id: str, reference: str) -> ColumnElement[bool]:
    """The partner's license that holds `reference`: managed and not cancelled (a cancelled
    license releases its reference). The one meaning of "the license with this reference",
    for the plan's lookup and the list's filter alike."""
    return and_(
        License.partner_id == partner_id,
        License.reference == reference,
        License.managed.is_(True),
        License.status != LicenseStatus.CANCELLED,
    )


def by_reference(session: Session, partner_id: str, reference: str) -> License | None:
    return session.scalar(select(License).where(holds_reference(partner_id, reference)))


def trial_of(session: Session, customer_id: str, product: str) -> str | None:
    """The id of the customer's trial of `product`, if it ever had one."""
    return session.scalar(
        select(License.id)
        .where(
            License.customer_id == customer_id,
            License.product == product,
            License.trial.is_(True),
        )
        .limit(1)
    )


def managed_page(
    session: Session,
    partner_id: str,
    limit: int,
    cursor: str | None,
    *,
    customer_id: str | None,
    status: str | None,
    reference: str | None,
    product: str | None = None,
    ends_before: datetime | None = None,
) -> tuple[list[License], str | None]:
    statement = select(License).where(License.partner_id == partner_id, License.managed.is_(True))
    if product is not None:
        statement = statement.where(License.product == product)
    if ends_before is not None:
        statement = statement.where(License.ends_at <= ends_before)
    if customer_id is not None:
        statement = statement.where(License.customer_id == customer_id)
    if status is not None:
        statement = statement.where(License.status == status)
    if reference is not None:
        statement = statement.where(holds_reference(partner_id, reference))
    return page_rows(session, statement, License.id, limit, cursor)


def lock_due_for_renewal(
    session: Session, now: datetime, scope: PartnerScope = EVERY
) -> list[dict[str, Any]]:
    """Prepaid licenses whose term ended, as rows, locked, in partner order."""
    rows = session.execute(
        select(TABLE)
        .where(
            TABLE.c.status.in_(RENEWING),
            TABLE.c.term_months.is_not(None),
            TABLE.c.ends_at <= now,
            scope.where(TABLE.c.partner_id),
        )
        .order_by(TABLE.c.partner_id, TABLE.c.id)
        .with_for_update()
    ).mappings()
    return [dict(row) for row in rows]


def run_rate_of_customer(session: Session, partner_id: str, customer_id: str) -> int:
    """The customer's licenses' part of the partner's run-rate (`License.run_rate_cents`)."""
    total = session.scalar(
        select(func.sum(License.run_rate_cents)).where(
            License.partner_id == partner_id, License.customer_id == customer_id
        )
    )
    return int(total or 0)


def segment_of(session: Session, customer_id: str) -> str:
    """The customer's segment (read from the customer the session holds, if it does)."""
    customer = session.get(Customer, customer_id)
    assert customer is not None
    return customer.segment


def lock_trials_due(
    session: Session, now: datetime, scope: PartnerScope = EVERY
) -> list[dict[str, Any]]:
    """Trials whose 14 days are over, as rows, locked, in partner order."""
    rows = session.execute(
        select(TABLE)
        .where(
            TABLE.c.status == LicenseStatus.TRIAL,
            TABLE.c.ends_at <= now,
            scope.where(TABLE.c.partner_id),
        )
        .order_by(TABLE.c.partner_id, TABLE.c.id)
        .with_for_update()
    ).mappings()
    return [dict(row) for row in rows]


def lock_rows(session: Session, license_ids: Sequence[str]) -> list[dict[str, Any]]:
    """These licenses as rows, locked, in partner order (one query per thousand)."""
    rows: list[dict[str, Any]] = []
    for chunk in chunks(sorted(license_ids)):
        rows.extend(
            dict(row)
            for row in session.execute(
                select(TABLE)
                .where(TABLE.c.id.in_(chunk))
                .order_by(TABLE.c.partner_id, TABLE.c.id)
                .with_for_update()
            ).mappings()
        )
    return rows


def segments_of(session: Session, customer_ids: Sequence[str]) -> dict[str, str]:
    """Customer id -> segment (one query per thousand)."""
    found: dict[str, str] = {}
    for chunk in chunks(customer_ids):
        found.update(
            (str(cid), str(segment))
            for cid, segment in session.execute(
                select(Customer.id, Customer.segment).where(Customer.id.in_(chunk))
            )
        )
    return found


def ending_between(
    session: Session, start: datetime, end: datetime, scope: PartnerScope = EVERY
) -> list[tuple[License, Customer]]:
    """Managed licenses in force whose term ends after `start` and by `end`, with their
    customer."""
    rows = session.execute(
        select(License, Customer)
        .join(Customer, Customer.id == License.customer_id)
        .where(
            License.status.in_(RENEWING),
            License.managed.is_(True),
            License.ends_at > start,
            License.ends_at <= end,
            scope.where(License.partner_id),
        )
    ).all()
    return [(lic, customer) for lic, customer in rows]


def lapsed_between(
    session: Session, start: datetime, end: datetime, scope: PartnerScope = EVERY
) -> list[License]:
    """Managed licenses that lapsed with a term end after `start` and by `end`."""
    return list(
        session.scalars(
            select(License).where(
                License.status == LicenseStatus.LAPSED,
                License.managed.is_(True),
                License.ends_at <= end,
                License.ends_at > start,
                scope.where(License.partner_id),
            )
        )
    )


def ids_with_status(
    session: Session, statuses: Sequence[str], scope: PartnerScope = EVERY
) -> list[str]:
    return [
        str(i)
        for i in session.scalars(
            select(License.id).where(License.status.in_(statuses), scope.where(License.partner_id))
        )
    ]


def under_licensed(session: Session, partner_id: str) -> list[License]:
    """Managed licenses in force whose reported use exceeds the seats asked for (the next
    term's, where a decrease waits)."""
    asked = func.coalesce(License.seats_next_term, License.seats)
    return list(
        session.scalars(
            select(License)
            .where(
                License.partner_id == partner_id,
                License.managed.is_(True),
                License.status.in_(CHANGEABLE),
                License.used_seats.is_not(None),
                License.used_seats > asked,
            )
            .order_by(License.id)
        )
    )


def peaks_since(session: Session, license_ids: Sequence[str], since: datetime) -> dict[str, int]:
    """The most seats each license reported in use since `since` (those that reported)."""
    if not license_ids:
        return {}
    rows = session.execute(
        select(UsageReport.license_id, func.max(UsageReport.used))
        .where(UsageReport.license_id.in_(license_ids), UsageReport.at >= since)
        .group_by(UsageReport.license_id)
    )
    return {str(license_id): int(peak) for license_id, peak in rows}


def increases_paid_by(
    session: Session, license_id: str, paid_by: Sequence[str]
) -> list[LicenseIncrease]:
    """The license's increases charged by these ledger entries or invoices."""
    found: list[LicenseIncrease] = []
    for chunk in chunks(sorted(paid_by)):
        found.extend(
            session.scalars(
                select(LicenseIncrease).where(
                    LicenseIncrease.license_id == license_id,
                    or_(
                        LicenseIncrease.entry_id.in_(chunk),
                        LicenseIncrease.invoice_id.in_(chunk),
                    ),
                )
            )
        )
    return found

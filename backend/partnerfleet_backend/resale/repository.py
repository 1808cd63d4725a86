"""Every query of resale billing: the partner's prices, and the license charges of a month."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from partnerfleet_backend.models import Customer, EntryKind, LedgerEntry, License, ResalePrice


def prices(session: Session, partner_id: str) -> list[ResalePrice]:
    return list(
        session.scalars(
            select(ResalePrice)
            .where(ResalePrice.partner_id == partner_id)
            .order_by(ResalePrice.product, ResalePrice.edition)
        )
    )


def price(session: Session, partner_id: str, product: str, edition: str) -> ResalePrice | None:
    return session.scalar(
        select(ResalePrice).where(
            ResalePrice.partner_id == partner_id,
            ResalePrice.product == product,
            ResalePrice.edition == edition,
        )
    )


def add(session: Session, row: ResalePrice) -> None:
    session.add(row)
    session.flush()


def drop(session: Session, row: ResalePrice) -> None:
    session.delete(row)
    session.flush()


def _in_month(lo: datetime, hi: datetime) -> ColumnElement[bool]:
    """A license's charge (or its refund) that pays for some of [lo, hi): its period meets
    the month, or (a charge without a period) it was made in the month."""
    return and_(
        LedgerEntry.object_type == "license",
        LedgerEntry.kind.in_([EntryKind.CHARGE, EntryKind.REFUND]),
        or_(
            and_(LedgerEntry.covers_from < hi, LedgerEntry.covers_to > lo),
            and_(
                LedgerEntry.covers_from.is_(None),
                LedgerEntry.created_at >= lo,
                LedgerEntry.created_at < hi,
            ),
        ),
    )


def licenses_billed(
    session: Session,
    partner_id: str,
    lo: datetime,
    hi: datetime,
    *,
    customer_id: str | None,
    after: str | None,
    limit: int,
) -> list[str]:
    """The ids of the licenses with charges for the month, in id order, after `after`."""
    query = (
        select(LedgerEntry.object_id)
        .distinct()
        .where(LedgerEntry.partner_id == partner_id, _in_month(lo, hi))
        .order_by(LedgerEntry.object_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(LedgerEntry.object_id > after)
    if customer_id is not None:
        query = query.join(License, License.id == LedgerEntry.object_id).where(
            License.customer_id == customer_id
        )
    return [str(i) for i in session.scalars(query)]


def charges_of(
    session: Session, partner_id: str, license_ids: Sequence[str], lo: datetime, hi: datetime
) -> list[LedgerEntry]:
    if not license_ids:
        return []
    return list(
        session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.partner_id == partner_id,
                LedgerEntry.object_id.in_(sorted(license_ids)),
                _in_month(lo, hi),
            )
        )
    )


def licenses_with_customers(
    session: Session, license_ids: Sequence[str]
) -> list[tuple[License, Customer]]:
    if not license_ids:
        return []
    rows = session.execute(
        select(License, Customer)
        .join(Customer, Customer.id == License.customer_id)
        .where(License.id.in_(sorted(license_ids)))
        .order_by(License.id)
    )
    return [(lic, customer) for lic, customer in rows]

"""Queries of the reports: a month's ledger with the customer and license of each entry."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from partnerfleet_backend.models import AddOn, CreditLot, Customer, LedgerEntry, License


def balance_before(session: Session, partner_id: str, moment: datetime) -> int:
    """The sum of the ledger before `moment` (the credit then)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.partner_id == partner_id, LedgerEntry.created_at < moment
        )
    )
    return int(total or 0)


def ledger_lines(
    session: Session, partner_id: str, start: datetime, end: datetime, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """The ledger entries of [start, end), oldest first, each with its license, customer,
    add-on or top-up (read in batches: a month of a large fleet streams)."""
    statement = (
        select(
            LedgerEntry,
            License.product,
            License.edition,
            Customer.id,
            Customer.name,
            Customer.reference,
            AddOn.option,
            CreditLot.discount_bp,
        )
        .outerjoin(
            License,
            and_(LedgerEntry.object_type == "license", License.id == LedgerEntry.object_id),
        )
        .outerjoin(Customer, Customer.id == License.customer_id)
        .outerjoin(
            AddOn, and_(LedgerEntry.object_type == "addon", AddOn.id == LedgerEntry.object_id)
        )
        .outerjoin(
            CreditLot,
            and_(LedgerEntry.object_type == "credit_lot", CreditLot.id == LedgerEntry.object_id),
        )
        .where(
            LedgerEntry.partner_id == partner_id,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
        .execution_options(yield_per=batch)
    )
    for entry, product, edition, cid, cname, cref, option, discount in session.execute(statement):
        yield {
            "entry": entry,
            "product": product,
            "edition": edition,
            "customer_id": cid,
            "customer_name": cname,
            "customer_reference": cref,
            "option": option,
            "discount_bp": discount,
        }

"""Queries of the reports: a month's ledger with the customer and license of each entry."""

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from partnerfleet_backend.models import AddOn, CreditLot, Customer, Invoice, LedgerEntry, License


def balance_before(session: Session, partner_id: str, moment: datetime) -> int:
    """The sum of the ledger before `moment` (the credit then)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.partner_id == partner_id, LedgerEntry.created_at < moment
        )
    )
    return int(total or 0)


def ledger_lines(
    session: Session,
    partner_id: str,
    start: datetime,
    end: datetime,
    *,
    after: tuple[datetime, str] | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Up to `limit` ledger entries of [start, end) after the entry `after` (its time and
    id), oldest first, each with its license, customer, add-on or top-up: a page, so that a
    month of a large fleet is read in short transactions, never in one held while it is sent."""
    invoiced = aliased(Customer)  # a cashback's customer, through its invoice
    statement = (
        select(
            LedgerEntry,
            License.product,
            License.edition,
            func.coalesce(Customer.id, invoiced.id),
            func.coalesce(Customer.name, invoiced.name),
            func.coalesce(Customer.reference, invoiced.reference),
            AddOn.option,
            CreditLot.discount_bp,
        )
        .outerjoin(
            License,
            and_(LedgerEntry.object_type == "license", License.id == LedgerEntry.object_id),
        )
        .outerjoin(Customer, Customer.id == License.customer_id)
        .outerjoin(
            Invoice,
            and_(LedgerEntry.object_type == "invoice", Invoice.id == LedgerEntry.object_id),
        )
        .outerjoin(invoiced, invoiced.id == Invoice.customer_id)
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
        .limit(limit)
    )
    if after is not None:
        at, entry_id = after
        statement = statement.where(
            or_(
                LedgerEntry.created_at > at,
                and_(LedgerEntry.created_at == at, LedgerEntry.id > entry_id),
            )
        )
    return [
        {
            "entry": entry,
            "product": product,
            "edition": edition,
            "customer_id": cid,
            "customer_name": cname,
            "customer_reference": cref,
            "option": option,
            "discount_bp": discount,
        }
        for entry, product, edition, cid, cname, cref, option, discount in session.execute(
            statement
        )
    ]

"""Every query of invoices."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.scope import PartnerScope
from partnerfleet_backend.models import Customer, Invoice, InvoiceStatus, Partner


def get(session: Session, invoice_id: str) -> Invoice | None:
    return session.get(Invoice, invoice_id)


def level_of(session: Session, partner_id: str) -> str:
    """The partner's level now (its cashback rate is the one at the order)."""
    return str(session.scalar(select(Partner.level).where(Partner.id == partner_id)))


def customer_name(session: Session, customer_id: str) -> str:
    return str(session.scalar(select(Customer.name).where(Customer.id == customer_id)))


def levels_of(session: Session, partner_ids: set[str]) -> dict[str, str]:
    """The levels of these partners now."""
    if not partner_ids:
        return {}
    rows = session.execute(
        select(Partner.id, Partner.level).where(Partner.id.in_(sorted(partner_ids)))
    )
    return {str(pid): str(level) for pid, level in rows}


def self_paying(session: Session, customer_ids: set[str]) -> dict[str, str]:
    """Of these customer orgs, those that pay for themselves (`Customer.pays`): their partner."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(Customer.id, Customer.partner_id).where(
            Customer.id.in_(sorted(customer_ids)), Customer.pays == "customer"
        )
    )
    return {str(cid): str(pid) for cid, pid in rows}


def overdue(session: Session, now: datetime, scope: PartnerScope) -> list[tuple[Invoice, Customer]]:
    """Open invoices past their due date, with their customer."""
    rows = session.execute(
        select(Invoice, Customer)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.due_at <= now,
            scope.where(Invoice.partner_id),
        )
        .order_by(Invoice.id)
    )
    return [(invoice, customer) for invoice, customer in rows]


def unpaid_since(session: Session, issued_by: datetime, scope: PartnerScope) -> list[Invoice]:
    """Open invoices issued at or before `issued_by`."""
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.issued_at <= issued_by,
                scope.where(Invoice.partner_id),
            )
            .order_by(Invoice.id)
        )
    )


def settle(
    session: Session,
    invoice_id: str,
    to: InvoiceStatus,
    at: datetime,
    *,
    was: InvoiceStatus = InvoiceStatus.OPEN,
) -> bool:
    """Move an invoice that `was` open (or paid) to paid or void, once: of two confirmations
    at once, or a payment and a void, one finds it as it was (the row's lock decides) and the
    other finds it moved on."""
    stamp = {"paid_at": at} if to == InvoiceStatus.PAID else {"voided_at": at}
    moved = session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, Invoice.status == was)
        .values(status=to, **stamp)
        .returning(Invoice.id)
        .execution_options(synchronize_session=False)
    ).first()
    return moved is not None


def page(
    session: Session,
    limit: int,
    cursor: str | None,
    *,
    customer_id: str | None = None,
    partner_id: str | None = None,
    status: str | None = None,
) -> tuple[list[Invoice], str | None]:
    statement = select(Invoice)
    if customer_id is not None:
        statement = statement.where(Invoice.customer_id == customer_id)
    if partner_id is not None:
        statement = statement.where(Invoice.partner_id == partner_id)
    if status is not None:
        statement = statement.where(Invoice.status == status)
    return page_rows(session, statement, Invoice.id, limit, cursor)


def latest_of_customer(session: Session, customer_id: str, limit: int) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.customer_id == customer_id)
            .order_by(Invoice.id.desc())
            .limit(limit)
        )
    )


def invoices_since(
    session: Session,
    object_type: str,
    object_ids: Sequence[str],
    since: datetime,
    newest: int | None = None,
) -> list[Invoice]:
    """The invoices for these objects whose grace window started at `since` or later (issued
    then, or correcting a purchase made then) and not void, newest first (only the `newest`
    of them when given)."""
    if not object_ids:
        return []
    window_from = func.coalesce(Invoice.window_from, Invoice.issued_at)
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.object_id.in_(sorted(object_ids)),
                Invoice.object_type == object_type,
                window_from >= since,
                Invoice.status != InvoiceStatus.VOID,
            )
            .order_by(window_from.desc(), Invoice.id.desc())
            .limit(newest)
        )
    )

"""Queries of the plan: what is under-licensed, what a change drew from the credit."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerfleet_backend.models import CHANGEABLE, Customer, License


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


def customer_labels(session: Session, customer_ids: set[str]) -> dict[str, str]:
    """How a reviewer knows a customer: its reference, else its name."""
    if not customer_ids:
        return {}
    return {
        cid: reference or name
        for cid, reference, name in session.execute(
            select(Customer.id, Customer.reference, Customer.name).where(
                Customer.id.in_(customer_ids)
            )
        )
    }

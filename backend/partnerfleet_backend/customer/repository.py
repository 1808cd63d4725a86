"""Every query of customer orgs (and of the licenses a customer holds)."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerfleet_backend.db import bulk
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.models import ENDED, Customer, CustomerStatus, License


def get(session: Session, customer_id: str) -> Customer | None:
    return session.get(Customer, customer_id)


def of_partner_among(session: Session, partner_id: str, ids: Sequence[str]) -> list[Customer]:
    """The partner's customers among `ids` (one query per thousand)."""
    return bulk.of_partner_among(session, Customer, partner_id, ids)


def active_page(
    session: Session, partner_id: str, limit: int, cursor: str | None, reference: str | None
) -> tuple[list[Customer], str | None]:
    statement = select(Customer).where(
        Customer.partner_id == partner_id, Customer.status == CustomerStatus.ACTIVE
    )
    if reference is not None:
        statement = statement.where(Customer.reference == reference)
    return page_rows(session, statement, Customer.id, limit, cursor)


def has_licenses_in_force(session: Session, customer_id: str) -> bool:
    """Whether any of the customer's licenses is neither lapsed nor cancelled."""
    found = session.scalar(
        select(License.id)
        .where(License.customer_id == customer_id, License.status.not_in(ENDED))
        .limit(1)
    )
    return found is not None


def licenses_of(session: Session, customer_id: str) -> list[License]:
    return list(session.scalars(select(License).where(License.customer_id == customer_id)))


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


def names_of(session: Session, partner_id: str, customer_ids: set[str]) -> dict[str, str]:
    """The names of these orgs of the partner's, ended ones too."""
    if not customer_ids:
        return {}
    return {
        str(cid): str(name)
        for cid, name in session.execute(
            select(Customer.id, Customer.name).where(
                Customer.partner_id == partner_id, Customer.id.in_(customer_ids)
            )
        )
    }

"""Queries of partner accounts."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.models import Partner, PartnerLogo, PartnerStatus


def get(session: Session, partner_id: str) -> Partner | None:
    return session.get(Partner, partner_id)


def open_partners_page(
    session: Session, limit: int, cursor: str | None
) -> tuple[list[Partner], str | None]:
    """Partner accounts that are not closed, in id order."""
    return page_rows(
        session,
        select(Partner).where(Partner.status != PartnerStatus.CLOSED),
        Partner.id,
        limit,
        cursor,
    )


def lock(session: Session, partner_id: str) -> None:
    """Hold the partner's row until the transaction ends (changes one at a time)."""
    session.execute(select(Partner.id).where(Partner.id == partner_id).with_for_update())


def open_partner_ids(session: Session) -> list[str]:
    """The ids of every partner account that is not closed."""
    return [
        str(pid)
        for pid in session.scalars(
            select(Partner.id).where(Partner.status != PartnerStatus.CLOSED).order_by(Partner.id)
        )
    ]


def logo(session: Session, partner_id: str) -> PartnerLogo | None:
    return session.get(PartnerLogo, partner_id)


def active_with_billing_email(
    session: Session, created_before: datetime, scope: PartnerScope = EVERY
) -> list[tuple[str, str, str]]:
    """(id, name, billing email) of the active partners that have one and existed before."""
    rows = session.execute(
        select(Partner.id, Partner.name, Partner.billing_email)
        .where(
            Partner.status == PartnerStatus.ACTIVE,
            Partner.billing_email.is_not(None),
            Partner.created_at < created_before,
            scope.where(Partner.id),
        )
        .order_by(Partner.id)
    ).all()
    return [(str(i), str(n), str(e)) for i, n, e in rows]


def billing_email(session: Session, partner_id: str) -> str | None:
    return session.scalar(select(Partner.billing_email).where(Partner.id == partner_id))


def count_partners(session: Session) -> int:
    """How many partner accounts the database holds (closed ones too)."""
    return int(session.scalar(select(func.count(Partner.id))) or 0)

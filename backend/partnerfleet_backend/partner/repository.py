"""Queries of partner accounts."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.models import Partner, PartnerStatus


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


def count_partners(session: Session) -> int:
    """How many partner accounts the database holds (closed ones too)."""
    return int(session.scalar(select(func.count(Partner.id))) or 0)

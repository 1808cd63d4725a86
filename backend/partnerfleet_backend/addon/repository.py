"""Every query of add-ons."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.models import CURRENT_ADDON, AddOn, AddOnStatus


def get(session: Session, addon_id: str) -> AddOn | None:
    return session.get(AddOn, addon_id)


def current_option(session: Session, partner_id: str, option: str, now: datetime) -> AddOn | None:
    """The partner's add-on `option` in its period now and not cancelled, if any."""
    return session.scalar(
        select(AddOn).where(
            AddOn.partner_id == partner_id,
            AddOn.option == option,
            AddOn.status.in_(CURRENT_ADDON),
            AddOn.period_end > now,
            AddOn.cancelled_at.is_(None),
        )
    )


def unclaimed(session: Session, partner_id: str, option: str, now: datetime) -> AddOn | None:
    """The oldest current add-on `option` without a client_reference, not cancelled."""
    return session.scalar(
        select(AddOn)
        .where(
            AddOn.partner_id == partner_id,
            AddOn.option == option,
            AddOn.status.in_(CURRENT_ADDON),
            AddOn.period_end > now,
            AddOn.cancelled_at.is_(None),
            AddOn.client_reference.is_(None),
        )
        .order_by(AddOn.id)
        .limit(1)
    )


def latest_paid(session: Session, partner_id: str, option: str, now: datetime) -> AddOn | None:
    """The bought (charged) add-on `option` whose paid period runs longest from now."""
    return session.scalar(
        select(AddOn)
        .where(
            AddOn.partner_id == partner_id,
            AddOn.option == option,
            AddOn.status == AddOnStatus.ACTIVE,
            AddOn.period_end > now,
        )
        .order_by(AddOn.period_end.desc())
        .limit(1)
    )


def addons_page(
    session: Session,
    partner_id: str,
    limit: int,
    cursor: str | None,
    status: str | None,
    option: str | None = None,
) -> tuple[list[AddOn], str | None]:
    statement = select(AddOn).where(AddOn.partner_id == partner_id)
    if status is not None:
        statement = statement.where(AddOn.status == status)
    if option is not None:
        statement = statement.where(AddOn.option == option)
    return page_rows(session, statement, AddOn.id, limit, cursor)


def due_for_renewal(session: Session, now: datetime) -> list[AddOn]:
    """Add-ons whose period ended and that are not ended yet, locked."""
    return list(
        session.scalars(
            select(AddOn)
            .where(AddOn.status.in_(CURRENT_ADDON), AddOn.period_end <= now)
            .with_for_update()
        )
    )

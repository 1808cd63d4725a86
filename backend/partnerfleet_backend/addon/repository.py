"""Every query of add-ons."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.models import CURRENT_ADDON, AddOn, AddOnStatus, Partner

TABLE = cast(Table, AddOn.__table__)


def get(session: Session, addon_id: str) -> AddOn | None:
    return session.get(AddOn, addon_id)


def get_locked(session: Session, addon_id: str) -> AddOn | None:
    return session.get(AddOn, addon_id, with_for_update=True)


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


def _due(now: datetime, scope: PartnerScope) -> tuple[ColumnElement[bool], ...]:
    return (
        TABLE.c.status.in_(CURRENT_ADDON),
        TABLE.c.period_end <= now,
        scope.where(TABLE.c.partner_id),
    )


def lock_due_for_renewal(
    session: Session, now: datetime, scope: PartnerScope = EVERY
) -> list[dict[str, Any]]:
    """Add-ons whose period ended and that are not ended yet, as rows, locked, in partner
    order (the order every charge locks wallets in)."""
    rows = session.execute(
        select(TABLE)
        .where(*_due(now, scope))
        .order_by(TABLE.c.partner_id, TABLE.c.id)
        .with_for_update()
    ).mappings()
    return [dict(row) for row in rows]


def levels_of_due(session: Session, now: datetime, scope: PartnerScope = EVERY) -> dict[str, str]:
    """Partner id -> level, for the partners of the add-ons due for renewal."""
    due = select(TABLE.c.partner_id).where(*_due(now, scope))
    return {
        str(pid): str(level)
        for pid, level in session.execute(
            select(Partner.id, Partner.level).where(Partner.id.in_(due))
        )
    }

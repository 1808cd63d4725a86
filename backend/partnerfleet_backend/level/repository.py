"""Queries of the monthly level run: partners due, and their monthly nominal usage."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.models import (
    AddOn,
    License,
    Partner,
    PartnerStatus,
)


def lock_due(session: Session, period: str, scope: PartnerScope = EVERY) -> list[Partner]:
    """Active partners whose level is not yet set for `period`, locked."""
    return list(
        session.scalars(
            select(Partner)
            .where(
                Partner.status == PartnerStatus.ACTIVE,
                (Partner.level_period.is_(None)) | (Partner.level_period != period),
                scope.where(Partner.id),
            )
            .with_for_update()
        )
    )


def monthly_usage(session: Session, partner_ids: Sequence[str], now: datetime) -> dict[str, int]:
    """Monthly nominal usage per partner: managed licenses in force (their monthly share) plus
    add-ons in their period (their price)."""
    usage: dict[str, int] = defaultdict(int)
    for partner_id, total in session.execute(
        select(License.partner_id, func.sum(License.run_rate_cents))
        .where(License.partner_id.in_(partner_ids))
        .group_by(License.partner_id)
    ):
        usage[str(partner_id)] += int(total or 0)
    for partner_id, total in session.execute(
        select(AddOn.partner_id, func.sum(AddOn.run_rate_at(now)))
        .where(AddOn.partner_id.in_(partner_ids))
        .group_by(AddOn.partner_id)
    ):
        usage[str(partner_id)] += int(total or 0)
    return usage


def set_level(session: Session, partner_id: str, level: str, period: str) -> None:
    session.execute(
        update(Partner)
        .where(Partner.id == partner_id)
        .values(level=level, level_period=period)
        .execution_options(synchronize_session=False)
    )

"""Queries of the level: partners due for the monthly run, their monthly nominal usage, their
orders and trainings; and the order rows the operations write."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.level.service import (
    ORDER_WINDOW_MONTHS,
    TRAINING_VALID_MONTHS,
    Standing,
)
from partnerfleet_backend.models import (
    AddOn,
    License,
    OrderKind,
    Partner,
    PartnerOrder,
    PartnerStatus,
    PartnerTraining,
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


def add_order(
    session: Session,
    partner_id: str,
    kind: OrderKind,
    object_type: str,
    object_id: str,
    at: datetime,
) -> None:
    """One order of the partner (what the level run counts), made by the operation that sells."""
    session.add(
        PartnerOrder(
            id=new_id("ord"),
            partner_id=partner_id,
            kind=kind.value,
            object_type=object_type,
            object_id=object_id,
            ordered_at=at,
        )
    )


def withdraw_order(session: Session, object_type: str, object_id: str, at: datetime) -> None:
    """The order made for this object at `at`, undone within the grace window: no order."""
    session.execute(
        delete(PartnerOrder).where(
            PartnerOrder.object_type == object_type,
            PartnerOrder.object_id == object_id,
            PartnerOrder.ordered_at == at,
        )
    )


def standing(
    session: Session, partner_ids: Sequence[str], now: datetime, at: datetime | None = None
) -> dict[str, Standing]:
    """Per partner what decides its level at the run `at` (default: now): the monthly usage
    now, its orders in the six months before `at` (those made so far), and the trainings valid
    at `at`. The monthly run asks at its moment; a projection ("next month") at the next run."""
    at = at or now
    usage = monthly_usage(session, partner_ids, now)
    orders: dict[str, int] = defaultdict(int)
    for partner_id, count in session.execute(
        select(PartnerOrder.partner_id, func.count())
        .where(
            PartnerOrder.partner_id.in_(partner_ids),
            PartnerOrder.ordered_at >= add_months(at, -ORDER_WINDOW_MONTHS),
        )
        .group_by(PartnerOrder.partner_id)
    ):
        orders[str(partner_id)] = int(count)
    trainings: dict[str, set[str]] = defaultdict(set)
    oldest = add_months(at, -TRAINING_VALID_MONTHS).date()
    for partner_id, kind in session.execute(
        select(PartnerTraining.partner_id, PartnerTraining.kind).where(
            PartnerTraining.partner_id.in_(partner_ids),
            PartnerTraining.taken_on > oldest,
            PartnerTraining.taken_on <= at.date(),
        )
    ):
        trainings[str(partner_id)].add(str(kind))
    return {
        pid: Standing(usage[pid], orders[pid], frozenset(trainings[pid])) for pid in partner_ids
    }


def trainings_of(session: Session, partner_id: str) -> list[PartnerTraining]:
    return list(
        session.scalars(
            select(PartnerTraining)
            .where(PartnerTraining.partner_id == partner_id)
            .order_by(PartnerTraining.taken_on, PartnerTraining.id)
        )
    )

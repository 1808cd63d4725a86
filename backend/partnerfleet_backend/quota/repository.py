"""Every query of the API-call quota: the monthly counter and what makes up the limit."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerfleet_backend.models import AddOn, AddOnStatus, Partner, QuotaCounter


def level_and_packs(
    session: Session, partner_id: str, pack_options: Sequence[str], now: datetime
) -> tuple[str, dict[str, int]]:
    """The partner's level and how many of each API-call pack are in their period now (one
    query)."""
    rows = session.execute(
        select(Partner.level, AddOn.option, func.count(AddOn.id))
        .select_from(Partner)
        .outerjoin(
            AddOn,
            and_(
                AddOn.partner_id == Partner.id,
                AddOn.option.in_(pack_options),
                AddOn.status == AddOnStatus.ACTIVE,
                AddOn.period_start <= now,
                AddOn.period_end > now,
            ),
        )
        .where(Partner.id == partner_id)
        .group_by(Partner.level, AddOn.option)
    ).all()
    level = str(rows[0][0]) if rows else "bronze"
    return level, {str(option): int(count) for _, option, count in rows if option is not None}


def used(session: Session, partner_id: str, period: str) -> int | None:
    """The calls counted in `period`, None before the first."""
    value = session.scalar(
        select(QuotaCounter.used).where(
            QuotaCounter.partner_id == partner_id, QuotaCounter.period == period
        )
    )
    return None if value is None else int(value)


def count_call(session: Session, partner_id: str, period: str, limit: int | None) -> int | None:
    """Count one call if the counter is below `limit` (any count with None): the new count,
    or None (at the limit, or no counter yet)."""
    statement = update(QuotaCounter).where(
        QuotaCounter.partner_id == partner_id, QuotaCounter.period == period
    )
    if limit is not None:
        statement = statement.where(QuotaCounter.used < limit)
    value = session.scalar(
        statement.values(used=QuotaCounter.used + 1).returning(QuotaCounter.used)
    )
    return None if value is None else int(value)


def start_counter(session: Session, partner_id: str, period: str) -> None:
    """The month's counter at zero (a concurrent request may have made it first)."""
    try:
        with session.begin_nested():
            session.execute(
                insert(QuotaCounter).values(partner_id=partner_id, period=period, used=0)
            )
    except IntegrityError:
        pass

"""Every query of the API-call quota: the monthly counter and what makes up the limit."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
    """Count one call, creating the month's counter if needed, in one atomic statement: the new
    count, or None when the counter is at `limit` (None: no limit). Requests that race for a
    new month's counter never see each other's half-made row as an exhausted quota."""
    dialect = session.get_bind().dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(QuotaCounter)
    statement = upsert.values(partner_id=partner_id, period=period, used=1).on_conflict_do_update(
        index_elements=[QuotaCounter.partner_id, QuotaCounter.period],
        set_={"used": QuotaCounter.used + 1},
        where=(QuotaCounter.used < limit) if limit is not None else None,
    )
    value = session.scalar(statement.returning(QuotaCounter.used))
    return None if value is None else int(value)

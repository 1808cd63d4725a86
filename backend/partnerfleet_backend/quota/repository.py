"""Every query of the API-call quota: the monthly counter and what makes up the limit."""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    BindParameter,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.prepared import Pending, Prepared
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


def count_call_within_limit(
    session: Session,
    partner_id: str,
    period: str,
    now: datetime,
    level_calls: dict[str, int],
    pack_calls: dict[str, int],
    *,
    refuse: bool,
    held: Pending | None = None,
) -> tuple[int, int] | None:
    """Count one call in one statement that also works out the month's limit (the level's
    calls plus the active packs' at `now`): (the new count, the limit), or None when the
    counter is at the limit (with `refuse`; without, the call is counted whatever the limit).
    Racing requests never see each other's half-made counter as an exhausted quota."""
    dialect = session.get_bind().dialect.name
    statement = _counting_statement(
        dialect, tuple(level_calls.items()), tuple(pack_calls.items()), refuse
    )
    params = {"partner_id": partner_id, "period": period, "now": now}
    row = statement.first(session, params) if held is None else held.first(session)
    return None if row is None else (int(row[0]), int(row[1]))


def hold_call_count(
    session: Session,
    partner_id: str,
    period: str,
    now: datetime,
    level_calls: dict[str, int],
    pack_calls: dict[str, int],
    *,
    refuse: bool,
) -> Pending:
    """`count_call_within_limit`'s statement, held back to ride with a later change of the
    request (its row read by passing it as `held`)."""
    dialect = session.get_bind().dialect.name
    statement = _counting_statement(
        dialect, tuple(level_calls.items()), tuple(pack_calls.items()), refuse
    )
    return statement.hold(session, {"partner_id": partner_id, "period": period, "now": now})


@lru_cache(maxsize=32)
def _counting_statement(
    dialect: str,
    level_calls: tuple[tuple[str, int], ...],
    pack_calls: tuple[tuple[str, int], ...],
    refuse: bool,
) -> Prepared:
    """The counting upsert, built and compiled once per process: the partner, the period and
    the time are parameters."""
    partner_id = bindparam("partner_id", type_=String)
    # typed by the columns it is compared with (UTC, stored naive)
    now: BindParameter[datetime] = bindparam("now")
    level = case(dict(level_calls), value=Partner.level, else_=0)
    levels = select(level).where(Partner.id == partner_id).scalar_subquery()
    pack = case(dict(pack_calls), value=AddOn.option, else_=0)
    packs = (
        select(func.coalesce(func.sum(pack), 0))
        .where(
            AddOn.partner_id == partner_id,
            AddOn.option.in_([option for option, _ in pack_calls]),
            AddOn.status == AddOnStatus.ACTIVE,
            AddOn.period_start <= now,
            AddOn.period_end > now,
        )
        .scalar_subquery()
    )
    limit = levels + packs
    first = select(partner_id, bindparam("period", type_=String), literal(1)).where(
        (limit > 0) if refuse else true()  # SQLite's upsert needs a WHERE in its SELECT
    )
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(QuotaCounter)
    return Prepared(
        upsert.from_select(["partner_id", "period", "used"], first)
        .on_conflict_do_update(
            index_elements=[QuotaCounter.partner_id, QuotaCounter.period],
            set_={"used": QuotaCounter.used + 1},
            where=(QuotaCounter.used < limit) if refuse else None,
        )
        .returning(QuotaCounter.used, limit)
    )

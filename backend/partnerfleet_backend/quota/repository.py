"""Every query of the API-call quota: the monthly counter and what makes up the limit.

The month's limit is one SQL expression (`limit_of`: the level's calls plus the calls of the
API-call packs in their period), used alike by the statement that counts a call and by the
reads that show the quota."""

from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    case,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.dml import ReturningInsert

from partnerfleet_backend.db.compiled import Prepared
from partnerfleet_backend.keys.repository import KeyRow, key_by_hash
from partnerfleet_backend.models import AddOn, AddOnStatus, Partner, QuotaCounter

Calls = tuple[tuple[str, int], ...]  # (level or option, calls): catalog data, hashable


def limit_of(
    partner_id: ColumnElement[str] | QueryableAttribute[str],
    now: ColumnElement[datetime],
    level_calls: Calls,
    pack_calls: Calls,
) -> ColumnElement[int]:
    """The one rule of a partner's monthly limit, in SQL: its level's calls plus the calls of
    its API-call packs active at `now`."""
    level = case(_calls_in_text(level_calls), value=Partner.level, else_=_number(0))
    levels = select(level).where(Partner.id == partner_id).scalar_subquery()
    pack = case(_calls_in_text(pack_calls), value=AddOn.option, else_=_number(0))
    packs = (
        select(func.coalesce(func.sum(pack), _number(0)))
        .where(
            AddOn.partner_id == partner_id,
            AddOn.option.in_([option for option, _ in pack_calls]),
            AddOn.status == AddOnStatus.ACTIVE,
            AddOn.period_start <= now,
            AddOn.period_end > now,
        )
        .scalar_subquery()
    )
    return func.coalesce(levels, _number(0)) + packs


def _number(value: int) -> ColumnElement[int]:
    """A whole number of the catalog written into the statement's text (rendered by SQLAlchemy
    when the statement is compiled: an int, never a string), so that the counting statement,
    which holds the limit three times, stays short enough for psycopg's cache of parsed
    statements (4,096 bytes: a longer one is parsed anew on every request)."""
    return literal(int(value), Integer, literal_execute=True)


def _calls_in_text(calls: Calls) -> dict[str, ColumnElement[int]]:
    """{level or option: its calls}; the names stay bound parameters, the numbers text."""
    return {name: _number(count) for name, count in calls}


def monthly_limit(
    session: Session, partner_id: str, now: datetime, level_calls: Calls, pack_calls: Calls
) -> int:
    return int(
        session.scalar(
            select(
                limit_of(
                    literal(partner_id),
                    literal(now, type_=AddOn.period_start.type),
                    level_calls,
                    pack_calls,
                )
            )
        )
        or 0
    )


def used(session: Session, partner_id: str, period: str) -> int | None:
    """The calls counted in `period`, None before the first."""
    value = session.scalar(
        select(QuotaCounter.used).where(
            QuotaCounter.partner_id == partner_id, QuotaCounter.period == period
        )
    )
    return None if value is None else int(value)


def _count_upsert(
    dialect: str,
    first: Select[str, str, int],
    partner_id: ColumnElement[str],
    now: ColumnElement[datetime],
    level_calls: Calls,
    pack_calls: Calls,
    refuse: bool,
) -> ReturningInsert[int, int]:
    """The one counting upsert: the row `first` makes (`partner_id`, period, 1) inserted, or
    the existing counter raised by one while it is under the limit (unless not `refuse`);
    returning the new count and the limit."""
    existing = limit_of(partner_id, now, level_calls, pack_calls)
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(QuotaCounter)
    return (
        upsert.from_select(["partner_id", "period", "used"], first)
        .on_conflict_do_update(
            index_elements=[QuotaCounter.partner_id, QuotaCounter.period],
            set_={"used": QuotaCounter.used + 1},
            where=(QuotaCounter.used < existing) if refuse else None,
        )
        .returning(QuotaCounter.used.label("used"), existing.label("calls_limit"))
    )


@lru_cache(maxsize=64)
def _counting(dialect: str, level_calls: Calls, pack_calls: Calls, refuse: bool) -> Prepared:
    """Count one call of the partner `partner_id` (a parameter), within the month's limit
    unless not `refuse`: (the new count, the limit), no row when the limit is reached."""
    partner_id = bindparam("partner_id", type_=String)
    now = bindparam("now", type_=AddOn.period_start.type)
    first = select(partner_id, bindparam("period", type_=String), literal(1)).where(
        (limit_of(partner_id, now, level_calls, pack_calls) > 0) if refuse else true()
    )
    return Prepared(_count_upsert(dialect, first, partner_id, now, level_calls, pack_calls, refuse))


def count_call(
    session: Session,
    partner_id: str,
    period: str,
    now: datetime,
    level_calls: Calls,
    pack_calls: Calls,
    *,
    refuse: bool,
) -> tuple[int, int] | None:
    """Count one call in one statement: (the new count, the limit), or None at the limit
    (nothing counted). Racing requests never see each other's half-made counter as an
    exhausted quota."""
    statement = _counting(session.get_bind().dialect.name, level_calls, pack_calls, refuse)
    row = statement.first(session, {"partner_id": partner_id, "period": period, "now": now})
    return None if row is None else (int(row[0]), int(row[1]))


@lru_cache(maxsize=64)
def _key_and_count(level_calls: Calls, pack_calls: Calls, refuse: bool) -> Prepared:
    """PostgreSQL: the key with this hash and, for a partner's key in force, its call counted,
    in one statement (`pf_key` a WITH part, the upsert another)."""
    key = key_by_hash().cte("pf_key")
    now = bindparam("now", type_=AddOn.period_start.type)
    first = select(key.c.partner_id, bindparam("period", type_=String), literal(1)).where(
        key.c.partner_id.is_not(None),
        key.c.revoked_at.is_(None),
        (limit_of(key.c.partner_id, now, level_calls, pack_calls) > 0) if refuse else true(),
    )
    partner_id = select(key.c.partner_id).scalar_subquery()
    counted = _count_upsert(
        "postgresql", first, partner_id, now, level_calls, pack_calls, refuse
    ).cte("pf_counted")
    return Prepared(
        select(*key.c, counted.c.used, counted.c.calls_limit).select_from(
            key.outerjoin(counted, true())
        )
    )


def key_and_count(
    session: Session,
    digest: bytes,
    period: str,
    now: datetime,
    level_calls: Calls,
    pack_calls: Calls,
    *,
    refuse: bool,
) -> tuple[KeyRow, tuple[int, int] | None] | None:
    """PostgreSQL: the key (None: unknown) and, for a partner's key in force, (the new count,
    the limit), or None when the call was not counted (at the limit)."""
    statement = _key_and_count(level_calls, pack_calls, refuse)
    row = statement.first(session, {"digest": digest, "period": period, "now": now})
    if row is None:
        return None
    key, used, calls_limit = KeyRow(*row[:-2]), row[-2], row[-1]
    return key, None if used is None else (int(used), int(calls_limit))


def add_calls(
    session: Session,
    partner_id: str,
    period: str,
    calls: int,
    now: datetime,
    level_calls: Calls,
    pack_calls: Calls,
) -> tuple[int, int] | None:
    """Count `calls` more of the month's calls at once, if they fit under the limit: (the new
    count, the limit), or None (nothing counted)."""
    limit = limit_of(
        QuotaCounter.partner_id,
        literal(now, type_=AddOn.period_start.type),
        level_calls,
        pack_calls,
    )
    row = session.execute(
        update(QuotaCounter)
        .where(
            QuotaCounter.partner_id == partner_id,
            QuotaCounter.period == period,
            QuotaCounter.used + calls <= limit,
        )
        .values(used=QuotaCounter.used + calls)
        .returning(QuotaCounter.used, limit)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))

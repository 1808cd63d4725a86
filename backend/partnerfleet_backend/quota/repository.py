"""Every query of the API-call quota: the monthly counter and what makes up the limit."""

from collections.abc import Sequence
from dataclasses import dataclass
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
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from partnerfleet_backend.db.compiled import Pending, Prepared
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


@dataclass(frozen=True)
class CallCount:
    """One call to count in one statement that also works out the month's limit (the level's
    calls plus the active packs' at `now`). Racing requests never see each other's half-made
    counter as an exhausted quota."""

    partner_id: str
    period: str
    now: datetime
    level_calls: dict[str, int]
    pack_calls: dict[str, int]
    refuse: bool  # False: counted whatever the limit

    def counted(self, session: Session, held: Pending | None = None) -> tuple[int, int] | None:
        """(the new count, the limit), or None when the counter is at the limit (nothing
        counted); `held`: this count as `hold` held it back."""
        if held is None:
            row = self._statement(session).first(session, self._params())
        else:
            row = held.first(session)
        return None if row is None else (int(row[0]), int(row[1]))

    def hold(self, session: Session, *, early: bool = False) -> Pending:
        """The count held back to ride with a later change of the request (`counted` reads
        its row); `early`: or with a read of one row (`Prepared.hold`)."""
        return self._statement(session).hold(session, self._params(), early=early)

    def _statement(self, session: Session) -> Prepared:
        return _counting_statement(
            session.get_bind().dialect.name,
            tuple(self.level_calls.items()),
            tuple(self.pack_calls.items()),
            self.refuse,
        )

    def _params(self) -> dict[str, object]:
        return {"partner_id": self.partner_id, "period": self.period, "now": self.now}


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


def add_calls(session: Session, partner_id: str, period: str, calls: int, limit: int) -> int | None:
    """Count `calls` more of the month's calls at once, if they fit under `limit`: the new
    count, or None (nothing counted)."""
    return session.scalar(
        update(QuotaCounter)
        .where(
            QuotaCounter.partner_id == partner_id,
            QuotaCounter.period == period,
            QuotaCounter.used + calls <= limit,
        )
        .values(used=QuotaCounter.used + calls)
        .returning(QuotaCounter.used)
    )

"""The API-call quota: every partner-key request counts, with one atomic increment."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.keys.repository import KeyRow
from partnerfleet_backend.kit.errors import ServiceError
from partnerfleet_backend.kit.timeutil import period_of, start_of_next_month
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.notification.service import notify
from partnerfleet_backend.quota import repository
from partnerfleet_backend.quota.schemas import QuotaRead
from partnerfleet_backend.settings import get_settings

WARN_AT_PERCENT = (80, 95)
_LEVEL_CALLS = {name: level.api_calls for name, level in LEVELS.items()}


class QuotaExhausted(ServiceError):
    status = 429
    code = "quota_exhausted"
    title = "API-call quota exhausted"


@dataclass(frozen=True)
class QuotaState:
    limit: int
    used: int
    resets_at: datetime
    now: datetime

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def reset_seconds(self) -> int:
        return max(int((self.resets_at - self.now).total_seconds() + 0.999), 0)

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


def view(state: QuotaState) -> QuotaRead:
    """The quota as the API shows it."""
    return QuotaRead(
        limit=state.limit, used=state.used, remaining=state.remaining, resets_at=state.resets_at
    )


def _calls(session: Session) -> tuple[repository.Calls, repository.Calls]:
    """The calls of each level and of each API-call pack (the limit rule's data)."""
    packs = load_catalog(session).api_calls_by_option()
    return tuple(_LEVEL_CALLS.items()), tuple(sorted(packs.items()))


def monthly_limit(session: Session, partner_id: str, now: datetime) -> int:
    """The level's calls plus the calls of API-call packs active now (`repository.limit_of`,
    the rule the count uses too)."""
    return repository.monthly_limit(session, partner_id, now, *_calls(session))


def current(session: Session, partner_id: str, now: datetime) -> QuotaState:
    """The quota as it stands, without counting a call."""
    return QuotaState(
        limit=monthly_limit(session, partner_id, now),
        used=repository.used(session, partner_id, period_of(now)) or 0,
        resets_at=start_of_next_month(now),
        now=now,
    )


def exhausted(session: Session, partner_id: str, now: datetime) -> "QuotaExhausted":
    """The 429 of a call over the month's limit, with the quota's headers."""
    state = current(session, partner_id, now)
    period = period_of(now)
    error = QuotaExhausted(
        f"the {state.limit:,} API calls of {period} are used up. Buy an API-call pack "
        '(POST /v1/addons {"option": "api-calls-25k"}, or -50k, -100k, -200k): buying one '
        "and reading your account (/v1/me, /v1/wallet, /v1/quota) are never refused. "
        f"Otherwise calls are counted afresh from {state.resets_at.isoformat()}, when your "
        "level's calls and your active packs make the new limit",
        limit=state.limit,
        resets_at=state.resets_at.isoformat(),
    )
    error.headers.update(state.headers())
    error.headers["Retry-After"] = str(state.reset_seconds)
    return error


def _counted(
    session: Session, partner_id: str, now: datetime, counted: tuple[int, int]
) -> QuotaState:
    used, limit = counted
    state = QuotaState(limit, used, start_of_next_month(now), now)
    _warn(session, partner_id, state, period_of(now))
    return state


def consume(session: Session, partner_id: str, now: datetime, *, refuse: bool = True) -> QuotaState:
    """Count one call, or raise 429 when the month's calls are used up (nothing counted then).
    With `refuse=False` (the way out: reading the own account, buying a pack) the call is
    counted even over the limit and never refused."""
    counted = repository.count_call(
        session, partner_id, period_of(now), now, *_calls(session), refuse=refuse
    )
    if counted is None:  # at the limit (or no calls at all: Bronze without a pack)
        raise exhausted(session, partner_id, now)
    return _counted(session, partner_id, now, counted)


def key_and_count(
    session: Session, digest: bytes, now: datetime, *, refuse: bool = True
) -> tuple[KeyRow, QuotaState | None] | None:
    """PostgreSQL: the key with this hash (None: unknown) and, for a partner's key in force,
    its call counted in the same statement (the state; None for an operator's or a revoked
    key). 429 when the month's calls are used up."""
    found = repository.key_and_count(
        session, digest, period_of(now), now, *_calls(session), refuse=refuse
    )
    if found is None:
        return None
    key, counted = found
    if key.partner_id is None or key.revoked_at is not None:
        return key, None
    if counted is None:
        raise exhausted(session, key.partner_id, now)
    return key, _counted(session, key.partner_id, now, counted)


def consume_more(session: Session, partner_id: str, now: datetime, calls: int) -> QuotaState:
    """Count `calls` more calls at once (a request that costs more than one: a large plan),
    or raise 429 when they do not fit in what is left of the month's (nothing counted)."""
    counted = repository.add_calls(
        session, partner_id, period_of(now), calls, now, *_calls(session)
    )
    if counted is None:
        state = current(session, partner_id, now)
        error = QuotaExhausted(
            f"this request counts {calls + 1} API calls and {state.remaining + 1} were left "
            "before it; split it, or buy an API-call pack",
            limit=state.limit,
        )
        error.headers.update(state.headers())
        raise error
    return _counted(session, partner_id, now, counted)


def _warn(session: Session, partner_id: str, state: QuotaState, period: str) -> None:
    for percent in WARN_AT_PERCENT:
        threshold = -(-state.limit * percent // 100)  # ceil
        if state.limit and state.used == threshold:
            notify(
                Ctx(
                    session=session,
                    now=state.now,
                    actor=None,
                    request_id=None,
                    settings=get_settings(),
                ),
                partner_id,
                "quota_warning",
                f"{percent} % of the API-call quota for {period} is used "
                f"({state.used} of {state.limit}); buy an API-call pack before they run out, or "
                f"wait for {state.resets_at.isoformat()}, when they are counted afresh",
                dedupe_key=f"quota:{partner_id}:{period}:{percent}",
                data={"percent": percent, "used": state.used, "limit": state.limit},
            )

"""A charge spread over the months it pays for, exactly: the part of `amount` for a period is
what the time up to the period's end earns less what the time up to its start earns, each
rounded half-up once (by the second). So the parts of consecutive months telescope: they add
up to the amount to the cent, whatever the rounding of each."""

from datetime import datetime

from partnerfleet_backend.kit.money import div_round_half_up


def earned(amount: int, start: datetime, end: datetime, until: datetime) -> int:
    """What of `amount`, paying for [start, end), the time up to `until` has earned."""
    total = int((end - start).total_seconds())
    if total <= 0:  # an instant (a charge without a period): all of it, once it happened
        return amount if until > start else 0
    moment = min(max(until, start), end)
    return div_round_half_up(amount * int((moment - start).total_seconds()), total)


def share(amount: int, start: datetime, end: datetime, lo: datetime, hi: datetime) -> int:
    """The part of `amount` (paying for [start, end)) that pays for [lo, hi)."""
    return earned(amount, start, end, hi) - earned(amount, start, end, lo)


def overlap_seconds(start: datetime, end: datetime, lo: datetime, hi: datetime) -> int:
    """How many seconds of [lo, hi) the period [start, end) covers."""
    return max(0, int((min(end, hi) - max(start, lo)).total_seconds()))

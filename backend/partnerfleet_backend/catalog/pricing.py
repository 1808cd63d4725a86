"""Every price rule of the program, written once.

The operations (create, change, renew, convert, buy), the calendar and the plan all call these
functions; none of them multiplies a price by itself. Amounts are integer cents; anything
divided is rounded half-up exactly once (``kit.money``).
"""

from dataclasses import dataclass

from partnerfleet_backend.catalog.service import Catalog
from partnerfleet_backend.kit.money import BP_DENOMINATOR, div_round_half_up

# Top-up discount brackets: (nominal top-up from, in cents; discount in basis points), highest
# first. Intermediate amounts get the bracket they reach.
TOP_UP_BRACKETS: tuple[tuple[int, int], ...] = (
    (2_750_000, 5_000),
    (1_100_000, 4_500),
    (550_000, 4_000),
    (275_000, 3_500),
    (110_000, 3_000),
    (55_000, 2_500),
)


def top_up_discount_bp(amount_cents: int) -> int:
    """The discount a single top-up of `amount_cents` nominal reaches (0 below 550 EUR)."""
    for threshold, discount in TOP_UP_BRACKETS:
        if amount_cents >= threshold:
            return discount
    return 0


def monthly_cents(seats: int, unit_cents: int) -> int:
    """A prepaid license's monthly nominal amount (what counts for the level)."""
    return seats * unit_cents


def term_price_cents(seats: int, unit_cents: int, term_months: int) -> int:
    """The whole term, charged at assignment, trial conversion and renewal."""
    return monthly_cents(seats, unit_cents) * term_months


def prorate(amount_per_term: int, days_left: int, days_in_term: int) -> int:
    """`amount_per_term` x days left / days in the term, rounded half-up once."""
    if days_in_term <= 0 or days_left <= 0:
        return 0
    return div_round_half_up(amount_per_term * days_left, days_in_term)


def mid_term_change_cents(
    *,
    seats: int,
    unit_cents: int,
    new_seats: int,
    new_unit_cents: int,
    term_months: int,
    days_left: int,
    days_in_term: int,
) -> int:
    """A seat increase or edition upgrade mid-term: the difference, pro rata to the days left."""
    extra_per_term = term_price_cents(new_seats, new_unit_cents, term_months) - term_price_cents(
        seats, unit_cents, term_months
    )
    return prorate(extra_per_term, days_left, days_in_term)


def unused_term_cents(
    *, seats: int, unit_cents: int, term_months: int, days_left: int, days_in_term: int
) -> int:
    """The prepaid value of the days left in a term: what a cancel gives up (no refund)."""
    return prorate(term_price_cents(seats, unit_cents, term_months), days_left, days_in_term)


@dataclass(frozen=True)
class UsageBill:
    """A usage-billed license's bill for one month."""

    peak: int
    units: int
    amount_cents: int


def usage_bill(peak: int, cap: int | None, unit_cents: int) -> UsageBill:
    """Last month's peak usage, capped at the license's seats when set."""
    units = min(peak, cap) if cap is not None else peak
    return UsageBill(peak, units, units * unit_cents)


def addon_price_cents(catalog: Catalog, option: str, *, included: bool) -> int:
    """One period of an add-on: nothing when the level includes it or it is a quote request."""
    entry = catalog.addon_option(option)
    if included or entry.get("on_request"):
        return 0
    return int(entry["price_cents"])


def resale_at_price(price_cents: int, seat_seconds: int, month_seconds: int) -> int:
    """A partner's resale amount at its price per seat (or unit) and month, for `seat_seconds`
    (seats times the seconds of the month they were paid for), rounded half-up once."""
    return div_round_half_up(price_cents * seat_seconds, month_seconds)


def resale_with_markup(cost_cents: int, markup_bp: int) -> int:
    """A partner's resale amount as its markup on the cost, rounded half-up once."""
    return div_round_half_up(cost_cents * (BP_DENOMINATOR + markup_bp), BP_DENOMINATOR)

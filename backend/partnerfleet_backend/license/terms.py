"""A license's terms as the operations price them: the days of its current term, its price
per seat and month, and what its renewal renews into and charges."""

from dataclasses import dataclass
from datetime import datetime

from partnerfleet_backend.catalog.pricing import term_price_cents
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.timeutil import whole_days
from partnerfleet_backend.license import repository
from partnerfleet_backend.models import License


def term_days(ctx: Ctx, lic: License, *, at: datetime | None = None) -> tuple[int, int]:
    """(whole days left, whole days in the term) of a prepaid license's current term, now
    (or `at`: a purchase bought again as on its day)."""
    assert lic.ends_at is not None
    return (
        whole_days((at or ctx.now).date(), lic.ends_at.date()),
        whole_days(lic.starts_at.date(), lic.ends_at.date()),
    )


def unit_cents(
    ctx: Ctx, lic: License, edition: str | None = None, term_months: int | None = None
) -> int:
    """Price per seat and month of `lic` (in `edition` and for `term_months`, default its own:
    its customer's segment, its product)."""
    segment = repository.segment_of(ctx.session, lic.customer_id)
    return load_catalog(ctx.session).unit_cents(
        lic.product, segment, edition or lic.edition, term_months or lic.term_months
    )


@dataclass(frozen=True)
class NextTerm:
    """What a renewal renews into, and what it charges."""

    seats: int
    edition: str
    term_months: int | None
    price_cents: int


def next_term(
    seats: int | None,
    seats_next: int | None,
    edition: str,
    edition_next: str | None,
    term: int | None,
    term_next: int | None,
) -> tuple[int, str, int | None]:
    """The next term's seats, edition and months: what waits for the renewal, else today's."""
    return seats_next or seats or 0, edition_next or edition, term_next or term


def renewal_terms(ctx: Ctx, lic: License) -> NextTerm:
    """The renewal of `lic` at the end of its term, priced as the renewal run prices it."""
    seats, edition, term = next_term(
        lic.seats,
        lic.seats_next_term,
        lic.edition,
        lic.edition_next_term,
        lic.term_months,
        lic.term_months_next_term,
    )
    unit = unit_cents(ctx, lic, edition, term)
    return NextTerm(seats, edition, term, term_price_cents(seats, unit, term or 1))

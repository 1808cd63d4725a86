"""How a prepaid license's seats and edition change (docs/rules.md): up now, prorated to the
term's end; down at the next renewal; within the grace window of a purchase, set back to what
it was before an increase (the increases undone), or lowered to fewer seats than that purchase
made (the purchases back to it undone and it bought again with the lower count, as at its
moment, in its own window: a wrong digit corrected). The caller charges what these return
once the license is written."""

from dataclasses import dataclass, field, replace
from datetime import datetime

from partnerfleet_backend.catalog.pricing import mid_term_change_cents, term_price_cents
from partnerfleet_backend.catalog.service import Catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.license import undo
from partnerfleet_backend.license.terms import term_days
from partnerfleet_backend.models import License
from partnerfleet_backend.wallet.service import Charge


def unit(catalog: Catalog, segment: str, lic: License, edition: str) -> int:
    """Price per seat and month of `lic` in `edition` (its customer's segment, its term)."""
    return catalog.unit_cents(lic.product, segment, edition, lic.term_months)


@dataclass
class Seated:
    """What a seat or edition change did: the purchases it undid, the one it bought again
    with fewer seats, what it charges now, and the license before an increase it charges
    (kept for an undo within the window; None when the charge is a term bought again)."""

    undone: undo.Undone = field(default_factory=list)
    redo: undo.Redo | None = None
    charge: tuple[int, Charge] | None = None
    before: undo.Before | None = None

    def said(self) -> dict[str, list[str]]:
        """For the license's audit event: what was undone."""
        return {"undone": undo.said(self.undone)} if self.undone else {}


def apply(
    ctx: Ctx, catalog: Catalog, segment: str, lic: License, seats: int | None, edition: str
) -> Seated:
    """Change a prepaid license's seats and edition (the rules above)."""
    before = undo.before_increase(lic)
    undone, redo = set_back(ctx, lic, seats, edition)
    if redo is not None:  # fewer seats within the window: that purchase bought again
        before = undo.before_increase(lic)  # what it started from (restored)
        charged = made_again(ctx, catalog, segment, lic, redo, edition)
        return Seated(undone, redo, charged, before if redo.increase is not None else None)
    if undone:
        return Seated(undone)
    # asking for the current value again also withdraws a pending decrease or downgrade
    return Seated(charge=change_prepaid(ctx, catalog, segment, lic, seats, edition), before=before)


def set_back(
    ctx: Ctx, lic: License, seats: int | None, edition: str
) -> tuple[undo.Undone, undo.Redo | None]:
    """What lowering `lic` to `seats` and `edition` undoes within the grace window, and the
    purchase to buy again with fewer seats, if any; the license is put back as it was before
    the oldest increase undone (the caller gives the charges back)."""
    if seats is None or lic.seats is None or seats > lic.seats:
        return [], None
    undone, redo = undo.on_set_back(ctx, lic, seats, edition)
    undo.restore(lic, undone)
    return undone, redo


def made_again(
    ctx: Ctx, catalog: Catalog, segment: str, lic: License, redo: undo.Redo, edition: str
) -> tuple[int, Charge]:
    """The purchase `redo` undid, bought again with its seats (in `edition`, the one it left
    the license in): an increase from what the license was before it (restored), prorated as
    on its day; a term at the term's price. Its grace window stays the one of the purchase it
    corrects."""
    made = redo.purchase.made_at
    if redo.increase is not None:
        changed = change_prepaid(ctx, catalog, segment, lic, redo.seats, edition, at=made)
        assert changed is not None  # more seats than before it, on a term of months
        amount, charge = changed
    else:
        assert lic.term_months is not None and lic.ends_at is not None
        lic.seats = redo.seats
        if lic.seats_next_term is not None and lic.seats_next_term >= redo.seats:
            lic.seats_next_term = None
        amount = term_price_cents(
            redo.seats, unit(catalog, segment, lic, lic.edition), lic.term_months
        )
        charge = Charge(
            f"{lic.product} {lic.edition} x {redo.seats} for {lic.term_months} months",
            "license",
            lic.id,
            covers=(lic.starts_at, lic.ends_at),
            units=redo.seats,
        )
    corrects = f"{charge.description}, corrects the purchase of {made:%Y-%m-%d}"
    return amount, replace(charge, description=corrects, window_from=made)


def change_prepaid(
    ctx: Ctx,
    catalog: Catalog,
    segment: str,
    lic: License,
    seats: int | None,
    edition: str,
    *,
    at: datetime | None = None,
) -> tuple[int, Charge] | None:
    """Apply a seat or edition change to a prepaid license; what it charges now, if anything
    (prorated to the term's end from `at`, default now)."""
    assert lic.seats is not None and seats is not None and lic.term_months is not None
    assert lic.ends_at is not None
    old_unit = unit(catalog, segment, lic, lic.edition)
    new_unit = unit(catalog, segment, lic, edition)
    if lic.term_months == 1:
        # Monthly licenses change at the next monthly renewal.
        lic.seats_next_term = None if seats == lic.seats else seats
        lic.edition_next_term = None if edition == lic.edition else edition
        return None
    seats_now = max(seats, lic.seats)
    edition_now = edition if new_unit >= old_unit else lic.edition
    unit_now = max(new_unit, old_unit)
    lic.seats_next_term = None if seats >= lic.seats else seats
    lic.edition_next_term = None if edition_now == edition else edition
    since = ctx.now if at is None else at
    days_left, days_in_term = term_days(ctx, lic, at=since)
    amount = mid_term_change_cents(
        seats=lic.seats,
        unit_cents=old_unit,
        new_seats=seats_now,
        new_unit_cents=unit_now,
        term_months=lic.term_months,
        days_left=days_left,
        days_in_term=days_in_term,
    )
    charge = None
    if seats_now != lic.seats or edition_now != lic.edition:
        charge = (
            amount,
            Charge(
                f"{lic.product}: {lic.seats} {lic.edition} -> {seats_now} {edition_now}, "
                f"{days_left} of {days_in_term} days left",
                "license",
                lic.id,
                covers=(since, lic.ends_at),
                units=seats_now - lic.seats,  # an edition upgrade alone: none more
            ),
        )
    lic.seats, lic.edition = seats_now, edition_now
    return charge

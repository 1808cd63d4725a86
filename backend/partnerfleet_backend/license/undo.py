"""A license's purchases within the grace window (the rule: `billing/undo.py`). Cancelling
undoes all of them; setting the seats and edition back to what they were before a seat increase
or edition upgrade undoes that increase and every one after it; fewer seats than a purchase
made (more than it started from) undo it and every one after it, and it is bought again with
them (`Redo`, priced by `changes.py`). A term bought (new, renewed, converted from a trial) is
otherwise undone only by cancelling; a usage bill is never a purchase."""

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table

from partnerfleet_backend.billing import undo
from partnerfleet_backend.billing.schemas import PurchaseRead
from partnerfleet_backend.billing.undo import Purchase
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.license import repository
from partnerfleet_backend.models import ENDED, Invoice, LedgerEntry, License, LicenseIncrease

Undone = list[tuple[Purchase, LicenseIncrease | None]]


def _field(lic: Any, name: str) -> Any:
    return lic[name] if isinstance(lic, dict) else getattr(lic, name)


SHOWN = 100  # purchases a license's answer lists at most (newest first)


def _of(ctx: Ctx, licenses: list[Any], newest: int | None = None) -> dict[str, Undone]:
    """Each prepaid license's purchases still in the window, newest first, each with the
    increase it made (None for a term bought)."""
    catalog = load_catalog(ctx.session)
    ids = [
        _field(lic, "id")
        for lic in licenses
        if _field(lic, "status") not in ENDED
        and not catalog.is_usage_billed(_field(lic, "product"))
    ]
    found = undo.purchases(ctx, "license", ids, newest)
    result: dict[str, Undone] = {}
    for license_id, bought in found.items():
        if not bought:
            continue
        paid_by = [p.entry_id or p.invoice_id or "" for p in bought]
        increases = {
            inc.entry_id or inc.invoice_id: inc
            for inc in repository.increases_paid_by(ctx.session, license_id, paid_by)
        }
        result[license_id] = [(p, increases.get(p.entry_id or p.invoice_id)) for p in bought]
    return result


def on_cancel(ctx: Ctx, lic: License) -> Undone:
    """What cancelling `lic` now undoes: every purchase of it still in the window."""
    return _of(ctx, [lic]).get(lic.id, [])


@dataclass(frozen=True)
class Redo:
    """The oldest purchase a lowered seat count undoes, bought again with `seats` (fewer than
    it made): in its own grace window (`purchase.made_at`), priced as at that moment."""

    purchase: Purchase
    increase: LicenseIncrease | None  # None: a term bought
    seats: int


def on_set_back(
    ctx: Ctx, lic: License, seats: int | None, edition: str
) -> tuple[Undone, Redo | None]:
    """What setting `lic` to `seats` and `edition` now undoes, newest first: the increases
    since the one that started from exactly these; else, for fewer seats in the same edition,
    the purchases back to the newest one that started below them, which is bought again with
    these seats (a wrong digit corrected). Nothing when neither holds (a term bought after the
    increase, an edition lowered): the seats lower at the renewal, as outside the window."""
    walked: Undone = []
    left_in = lic.edition  # the edition the purchase looked at left the license in
    for purchase, increase in on_cancel(ctx, lic):
        walked.append((purchase, increase))
        if increase is not None and (increase.seats, increase.edition) == (seats, edition):
            return walked, None
        if seats is not None and lic.seats is not None and seats < lic.seats:
            started = 0 if increase is None else increase.seats or 0
            if started < seats and edition == left_in:
                return walked, Redo(purchase, increase, seats)
        if increase is None:
            return [], None
        left_in = increase.edition
    return [], None


def restore(lic: License, undone: Undone) -> None:
    """Put `lic` back as it was before the oldest increase undone."""
    increases = [increase for _, increase in undone if increase is not None]
    if increases:
        oldest = increases[-1]
        lic.seats, lic.edition = oldest.seats, oldest.edition
        lic.seats_next_term = oldest.seats_next_term
        lic.edition_next_term = oldest.edition_next_term


def give_back(ctx: Ctx, lic: License, undone: Undone, redo: Redo | None = None) -> None:
    """Refund (or void) each purchase undone, newest first (the one bought again keeps its
    order for the level)."""
    for purchase, _ in undone:
        made_again = redo is not None and purchase == redo.purchase
        undo.undo(ctx, lic.partner_id, purchase, made_again=made_again)


def said(undone: Undone) -> list[str]:
    """For the audit trail: what was undone."""
    return undo.said([p for p, _ in undone])


def undoable(ctx: Ctx, lic: Any) -> list[PurchaseRead]:
    """What can be undone of one license (the newest `SHOWN`) and how."""
    return [
        undo.read(p, undo_by="cancel")
        if inc is None
        else undo.read(
            p,
            undo_by=f"seats back to {inc.seats} and edition {inc.edition}, or cancel",
            seats_before=inc.seats,
            edition_before=inc.edition,
        )
        for p, inc in _of(ctx, [lic], SHOWN).get(_field(lic, "id"), [])
    ]


Before = tuple[int | None, str, int | None, str | None]


def before_increase(lic: License) -> Before:
    """What an increase changes from (kept by `record_increase`)."""
    return lic.seats, lic.edition, lic.seats_next_term, lic.edition_next_term


INCREASES = cast(Table, LicenseIncrease.__table__)


def record_increase(ctx: Ctx, lic: License, before: Before, billed: LedgerEntry | Invoice) -> None:
    """The license as it was before an increase charged now (`billed`: the ledger entry or the
    invoice), for an undo within the window: appended to the unit of work with the charge."""
    by_wallet = isinstance(billed, LedgerEntry)
    seats, edition, seats_next_term, edition_next_term = before
    ctx.unit.add(
        INCREASES,
        {
            "id": new_id("inc"),
            "license_id": lic.id,
            "entry_id": billed.id if by_wallet else None,
            "invoice_id": None if by_wallet else billed.id,
            "seats": seats,
            "edition": edition,
            "seats_next_term": seats_next_term,
            "edition_next_term": edition_next_term,
            "made_at": ctx.now,
        },
    )

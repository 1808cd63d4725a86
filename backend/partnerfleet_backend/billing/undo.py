"""The grace window (issue 27; docs/rules.md, "The grace window"): within 168 hours of a
purchase (a new license, a seat increase or edition upgrade, a trial converted, a renewal, an
add-on bought or renewed) the partner may undo it and gets exactly what it paid back: the
credit returns to the lots it was drawn from, each part with its lot's discount and expiry, as a
refund entry that names the purchase it reverses; an invoice to a customer paying for itself is
voided (a paid one also takes its cashback back). After the window: no refund, as before.

The purchases of an object are its charges and invoices themselves (the ledger and the
invoices already say what was paid, when, by whom): one rule for the operations that undo (a
cancel, a seat count back down) and for the plan that prices them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from partnerfleet_backend.billing import repository as invoices
from partnerfleet_backend.billing.schemas import PurchaseRead
from partnerfleet_backend.billing.service import void
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.level import repository as levels
from partnerfleet_backend.wallet import repository as ledger
from partnerfleet_backend.wallet.corrections import refund

WINDOW = timedelta(hours=168)


@dataclass(frozen=True)
class Purchase:
    """A charge to the partner's wallet (`entry_id`) or an invoice to the customer
    (`invoice_id`) for one object, made within the window and not undone."""

    object_type: str
    object_id: str
    made_at: datetime
    amount_cents: int
    description: str
    entry_id: str | None = None
    invoice_id: str | None = None

    @property
    def until(self) -> datetime:
        return self.made_at + WINDOW

    @property
    def said(self) -> str:
        return f"undoes the purchase of {self.made_at:%Y-%m-%d}"


def purchases(
    ctx: Ctx, object_type: str, object_ids: list[str], newest: int | None = None
) -> dict[str, list[Purchase]]:
    """The purchases of each object that can still be undone, newest first (for one object:
    only the `newest` when given). The charges and invoices this transaction made are written
    first, to be read back (a plan runs several changes in one transaction, where the up runs
    them one request each)."""
    ctx.unit.write(ctx.session)
    since = ctx.now - WINDOW
    found: dict[str, list[Purchase]] = {object_id: [] for object_id in object_ids}
    for entry in ledger.charges_since(ctx.session, object_type, object_ids, since, newest):
        assert entry.object_id is not None
        found[entry.object_id].append(
            Purchase(
                object_type,
                entry.object_id,
                entry.window_from or entry.created_at,
                -entry.amount_cents,
                entry.description,
                entry_id=entry.id,
            )
        )
    for invoice in invoices.invoices_since(ctx.session, object_type, object_ids, since, newest):
        assert invoice.object_id is not None
        found[invoice.object_id].append(
            Purchase(
                object_type,
                invoice.object_id,
                invoice.window_from or invoice.issued_at,
                invoice.amount_cents,
                invoice.description,
                invoice_id=invoice.id,
            )
        )
    for object_id, listed in found.items():
        listed.sort(key=lambda p: (p.made_at, p.entry_id or p.invoice_id or ""), reverse=True)
        found[object_id] = listed[:newest] if newest is not None else listed
    return found


def undo(ctx: Ctx, partner_id: str, purchase: Purchase, *, made_again: bool = False) -> None:
    """Give the purchase back: the charge refunded to its lots, or the invoice voided; and the
    order it was for the level is withdrawn (an order undone is no order), unless the purchase
    is `made_again` with fewer seats (the caller buys it again: the order stands)."""
    why = f"{purchase.said} (within {WINDOW.days * 24} hours): {purchase.description}"
    if purchase.entry_id is not None:
        refund(ctx, partner_id, purchase.entry_id, why)
    else:
        assert purchase.invoice_id is not None
        void(ctx, purchase.invoice_id, why)
    if not made_again:
        levels.withdraw_order(
            ctx.session, purchase.object_type, purchase.object_id, purchase.made_at
        )


def said(purchases: list[Purchase]) -> list[str]:
    """For the audit trail of what was cancelled or set back: what it undid."""
    return [f"{p.said}: {p.description}" for p in purchases]


def read(purchase: Purchase, **restores: object) -> PurchaseRead:
    """A purchase as the API shows it, with what undoing it does."""
    return PurchaseRead(
        made_at=purchase.made_at,
        until=purchase.until,
        amount_cents=purchase.amount_cents,
        payer="partner" if purchase.entry_id else "customer",
        description=purchase.description,
        entry_id=purchase.entry_id,
        invoice_id=purchase.invoice_id,
        **restores,
    )

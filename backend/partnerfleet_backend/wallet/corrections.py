"""Corrections of the wallet: a charge given back whole to the lots it came from (an
operator's refund, an undo within the grace window), and an operator's manual adjustment."""

from datetime import datetime

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound, ValidationFailed
from partnerfleet_backend.models import EntryKind, LedgerEntry
from partnerfleet_backend.wallet import repository
from partnerfleet_backend.wallet.service import (
    Charge,
    add_lot,
    append_entry,
    charge,
    expire_due_credit,
    lock_wallet,
)


class ChargeAlreadyRefunded(Conflict):
    code = "already_refunded"


def refund(ctx: Ctx, partner_id: str, entry_id: str, why: str | None = None) -> LedgerEntry:
    """Give back a whole charge to the lots it came from, each part with its lot's discount
    and expiry, once (the wallet's lock, and a unique index on what a refund refunds)."""
    lock_wallet(ctx, partner_id)
    original = repository.get_entry(ctx.session, entry_id)
    if original is None or original.partner_id != partner_id or original.kind != EntryKind.CHARGE:
        raise NotFound(f"charge {entry_id} not found")
    already = repository.refund_of(ctx.session, entry_id)
    if already is not None:
        raise ChargeAlreadyRefunded(f"charge {entry_id} was refunded by {already}")
    amount = -original.amount_cents
    given_back = []
    for used in repository.consumptions_of(ctx.session, entry_id):
        lot = repository.get_lot(ctx.session, used.lot_id)
        assert lot is not None
        lot.remaining_cents += used.amount_cents
        given_back.append((lot.id, -used.amount_cents))
    entry = append_entry(
        ctx,
        partner_id,
        EntryKind.REFUND,
        amount,
        -original.net_cents,
        Charge(
            why or f"refund of {entry_id}",
            original.object_type,
            original.object_id,
            _covers(original),
            -original.units if original.units is not None else None,
        ),
        given_back,
        refunds=entry_id,
    )
    repository.credit(ctx.session, partner_id, amount)
    expire_due_credit(ctx, partner_id)  # credit returned to an expired lot does not revive it
    return entry


def _covers(entry: LedgerEntry) -> tuple[datetime, datetime] | None:
    """What a charge paid for, for its refund (which gives back exactly that)."""
    if entry.covers_from is None or entry.covers_to is None:
        return None
    return entry.covers_from, entry.covers_to


def adjust(ctx: Ctx, partner_id: str, amount_cents: int, reason: str) -> LedgerEntry:
    """An operator's manual correction: credit as a lot of its own, or a debit like a charge."""
    if amount_cents == 0:
        raise ValidationFailed("amount_cents must not be zero", field="amount_cents")
    if amount_cents < 0:
        entry = charge(
            ctx,
            partner_id,
            -amount_cents,
            Charge(f"adjustment: {reason}"),
            kind=EntryKind.ADJUSTMENT,
        )
        assert entry is not None
        return entry
    lock_wallet(ctx, partner_id)
    expire_due_credit(ctx, partner_id)
    lot = add_lot(ctx, partner_id, amount_cents, 0, 0, extend=False)
    entry = append_entry(
        ctx,
        partner_id,
        EntryKind.ADJUSTMENT,
        amount_cents,
        0,
        Charge(f"adjustment: {reason}", "credit_lot", lot.id),
        [(lot.id, -amount_cents)],
    )
    return entry

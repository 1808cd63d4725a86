"""Who pays (SPEC: Partnerships and who pays): one price rule, two payers. An order or renewal
for an org that pays for itself is an invoice at the public price, not a charge to the
partner's wallet; the partner's cashback on it is fixed at the order by its level and credited
when the invoice is paid, taken back if a paid invoice is voided."""

import secrets
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table

from partnerfleet_backend.billing import repository
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.money import apply_bp
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.models import Customer, EntryKind, Invoice, InvoiceStatus, LedgerEntry
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import Charge

DUE_DAYS = 14
INVOICES = cast(Table, Invoice.__table__)


class InvoiceSettled(Conflict):
    code = "invoice_settled"


def bill(ctx: Ctx, customer: Customer, amount_cents: int, what: Charge) -> LedgerEntry | Invoice:
    """Bill an order or renewal of `customer` to whoever pays for it: the partner's wallet
    (402 if short) or an invoice to the customer."""
    if customer.pays == "partner":
        entry = wallet.charge(ctx, customer.partner_id, amount_cents, what)
        assert entry is not None  # a bill is positive
        return entry
    return invoice(ctx, customer, amount_cents, what)


def invoice(ctx: Ctx, customer: Customer, amount_cents: int, what: Charge) -> Invoice:
    """An invoice to the customer at the public price, due in 14 days; the partner's cashback
    at the rate of its level now (half-up, once)."""
    rate = LEVELS[repository.level_of(ctx.session, customer.partner_id)].cashback_bp
    return invoice_row(ctx, customer.partner_id, customer.id, amount_cents, what, rate)


def invoice_row(
    ctx: Ctx, partner_id: str, customer_id: str, amount_cents: int, what: Charge, rate_bp: int
) -> Invoice:
    """The invoice row, appended to the unit of work (written with the ledger's rows, before
    the commit), and its audit event; the invoice as an object to read."""
    if amount_cents <= 0:
        raise ValueError("an invoice is positive")
    row: dict[str, Any] = {
        "id": new_id("inv"),
        "number": f"INV-{ctx.now:%Y%m}-{secrets.token_hex(5).upper()}",
        "partner_id": partner_id,
        "customer_id": customer_id,
        "status": InvoiceStatus.OPEN.value,
        "description": what.description,
        "object_type": what.object_type,
        "object_id": what.object_id,
        "amount_cents": amount_cents,
        "cashback_bp": rate_bp,
        "cashback_cents": apply_bp(amount_cents, rate_bp),
        "issued_at": ctx.now,
        "due_at": ctx.now + timedelta(days=DUE_DAYS),
        "paid_at": None,
        "voided_at": None,
        "cashback_entry_id": None,
        "reversal_entry_id": None,
        "window_from": what.window_from,
    }
    ctx.unit.add(INVOICES, row)
    issued = Invoice(**row)
    ctx.audit(
        "invoice.issued",
        "invoice",
        row["id"],
        partner_id=partner_id,
        before=None,
        after=ctx.snapshot(issued),
    )
    return issued


def issued(rows: list[dict[str, Any]]) -> tuple[int, int]:
    """What these invoice rows of a unit of work invoice, and the cashback they promise."""
    return sum(r["amount_cents"] for r in rows), sum(r["cashback_cents"] for r in rows)


def get(ctx: Ctx, invoice_id: str) -> Invoice:
    found = repository.get(ctx.session, invoice_id)
    if found is None:
        raise NotFound(f"invoice {invoice_id} not found")
    return found


def pay(ctx: Ctx, invoice_id: str) -> Invoice:
    """The payment of an open invoice, confirmed (by the operator or a payment provider): the
    cashback lands in the partner's wallet. A second confirmation changes nothing (409)."""
    found = get(ctx, invoice_id)
    if not repository.settle(ctx.session, invoice_id, InvoiceStatus.PAID, ctx.now):
        raise _settled(ctx, found)
    ctx.session.refresh(found)
    if found.cashback_cents > 0:
        entry = wallet.credit_cashback(
            ctx,
            found.partner_id,
            found.cashback_cents,
            Charge(
                f"cashback on invoice {found.number} of "
                f"{repository.customer_name(ctx.session, found.customer_id)}: {found.description}",
                "invoice",
                found.id,
            ),
        )
        found.cashback_entry_id = entry.id
        ctx.session.flush()
    ctx.audit(
        "invoice.paid",
        "invoice",
        found.id,
        partner_id=found.partner_id,
        before={"status": InvoiceStatus.OPEN.value},
        after=ctx.snapshot(found),
    )
    return found


def void(ctx: Ctx, invoice_id: str, reason: str) -> Invoice:
    """Void an invoice: an open one is simply void; a paid one also takes its cashback back
    from the partner's wallet (402, and nothing changed, if the wallet no longer holds it)."""
    found = get(ctx, invoice_id)
    before = ctx.snapshot(found)
    if repository.settle(ctx.session, invoice_id, InvoiceStatus.VOID, ctx.now):
        ctx.session.refresh(found)
    elif repository.settle(
        ctx.session, invoice_id, InvoiceStatus.VOID, ctx.now, was=InvoiceStatus.PAID
    ):
        ctx.session.refresh(found)
        if found.cashback_cents > 0:
            entry = wallet.charge(
                ctx,
                found.partner_id,
                found.cashback_cents,
                Charge(
                    f"cashback of voided invoice {found.number} taken back", "invoice", found.id
                ),
                kind=EntryKind.CASHBACK_REVERSAL,
            )
            found.reversal_entry_id = entry.id if entry is not None else None
            ctx.session.flush()
    else:
        raise _settled(ctx, found)
    after = ctx.snapshot(found)
    if after is not None:
        after["reason"] = reason
    ctx.audit(
        "invoice.voided",
        "invoice",
        found.id,
        partner_id=found.partner_id,
        before=before,
        after=after,
    )
    return found


def _settled(ctx: Ctx, found: Invoice) -> InvoiceSettled:
    ctx.session.refresh(found)
    return InvoiceSettled(f"invoice {found.number} is {found.status} already")


def page(
    ctx: Ctx,
    limit: int,
    cursor: str | None,
    customer_id: str | None,
    partner_id: str | None,
    status: str | None,
) -> tuple[list[Invoice], str | None]:
    return repository.page(
        ctx.session,
        limit,
        cursor,
        customer_id=customer_id,
        partner_id=partner_id,
        status=status,
    )


def of_customer(ctx: Ctx, customer_id: str, limit: int) -> list[Invoice]:
    """The customer's latest invoices, newest first (its own people's view, never the
    partner's)."""
    return repository.latest_of_customer(ctx.session, customer_id, limit)


def one_of_customer(ctx: Ctx, customer_id: str, invoice_id: str) -> Invoice:
    """One invoice of this customer (another's is 'not found')."""
    found = repository.get(ctx.session, invoice_id)
    if found is None or found.customer_id != customer_id:
        raise NotFound(f"invoice {invoice_id} not found")
    return found

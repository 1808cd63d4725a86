"""The calendar's part of who pays: invoices past their due date are chased (the partner and
the customer's contact told, once), and an invoice still unpaid 30 days after its issue is
void and the license it paid for lapses, as a renewal the credit cannot pay does. A payment
confirmed meanwhile wins: the void is the same guarded UPDATE of the open row."""

from datetime import timedelta

from partnerfleet_backend.billing import repository
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.license import service as licenses
from partnerfleet_backend.models import InvoiceStatus
from partnerfleet_backend.notification.service import Note, notify_many

UNPAID_LAPSE_DAYS = 30


def chase_invoices(ctx: Ctx, scope: PartnerScope = EVERY) -> dict[str, int]:
    done = {"overdue": 0, "lapsed": 0}
    notes: list[Note] = []
    for invoice, customer in repository.overdue(ctx.session, ctx.now, scope):
        data = {"invoice_id": invoice.id, "customer_id": customer.id}
        due = invoice.due_at.date()
        notes.append(
            (
                invoice.partner_id,
                "invoice_overdue",
                f"{customer.name} has not paid invoice {invoice.number} (due {due})",
                f"overdue:{invoice.id}",
                data,
            )
        )
        notes.append(
            (
                invoice.partner_id,
                "customer_invoice_overdue",
                f"to {customer.contact_email}: your invoice {invoice.number} was due on {due}",
                f"overdue-customer:{invoice.id}",
                {**data, "to": customer.contact_email},
            )
        )
    done["overdue"] = notify_many(ctx, notes) // 2
    cutoff = ctx.now - timedelta(days=UNPAID_LAPSE_DAYS)
    lapsed: list[Note] = []
    for invoice in repository.unpaid_since(ctx.session, cutoff, scope):
        if not repository.settle(ctx.session, invoice.id, InvoiceStatus.VOID, ctx.now):
            continue  # paid (or voided) meanwhile
        ctx.audit(
            "invoice.voided",
            "invoice",
            invoice.id,
            partner_id=invoice.partner_id,
            before={"status": InvoiceStatus.OPEN.value},
            after={"status": InvoiceStatus.VOID.value, "reason": "unpaid 30 days after issue"},
        )
        if invoice.object_type != "license" or invoice.object_id is None:
            continue
        if licenses.lapse_unpaid(ctx, invoice.object_id, invoice.number) is None:
            continue
        done["lapsed"] += 1
        lapsed.append(
            (
                invoice.partner_id,
                "license_lapsed",
                f"license {invoice.object_id} lapsed: invoice {invoice.number} unpaid",
                f"lapsed-unpaid:{invoice.id}",
                {"license_id": invoice.object_id, "invoice_id": invoice.id},
            )
        )
    notify_many(ctx, lapsed)
    return done

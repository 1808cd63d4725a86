"""The monthly statement by email: after a month ends, each active partner with a billing
email gets its statement of that month as a PDF (once per partner and month)."""

from partnerfleet_backend.kit.timeutil import add_months, period_of, start_of_month
from partnerfleet_backend.mail import repository as outbox
from partnerfleet_backend.mail.service import queue
from partnerfleet_backend.partner import repository as partners
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.reports import pdf, service


def mail_statements(ctx: Ctx) -> int:
    """Queue last month's statements not yet queued."""
    this_month = start_of_month(ctx.now)
    month = period_of(add_months(this_month, -1))
    billed = partners.active_with_billing_email(ctx.session, this_month)
    keys = {pid: f"statement:{pid}:{month}" for pid, _, _ in billed}
    present = outbox.dedupe_keys_present(ctx.session, list(keys.values()))
    queued = 0
    for partner_id, name, email in billed:
        if keys[partner_id] in present:
            continue
        document = pdf.statement_pdf(
            service.statement(ctx, partner_id, month), ctx.settings.vendor_name
        )
        queued += queue(
            ctx,
            partner_id=partner_id,
            kind="statement",
            to=email,
            subject=f"Your partnerfleet statement for {month}",
            body=f"Hello {name},\n\nattached is your statement for {month}: opening and "
            "closing credit, top-ups, charges per customer and license.\n",
            dedupe_key=keys[partner_id],
            attachment=(f"statement-{month}.pdf", document),
        )
    return queued

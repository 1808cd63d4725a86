"""The calendar's mail: the notifications people should read in their inbox (reminders before
and after a term's end, credit about to expire, the month's level) become mail to the
partner's billing email or the customer's contact; each once (its notification's dedupe
key)."""

from datetime import timedelta

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.mail import repository
from partnerfleet_backend.mail.service import queue

# notification kind -> who reads it: the partner (billing email) or the customer's contact
MAILED = {
    "renewal_reminder": "partner",
    "customer_reminder": "customer",
    "license_renewed": "partner",
    "license_lapsed": "partner",
    "lapsed_reminder": "partner",
    "credit_expiring": "partner",
    "customer.payer_changed": "partner",
    "invoice_overdue": "partner",
    "customer_invoice_overdue": "customer",
    "customer.partnership_ended": "partner",
    "customer_partnership_ended": "customer",
    "level_changed": "partner",
    "top_up_requested": "partner",
    "renewal_waiting": "partner",
}
SUBJECTS = {
    "renewal_reminder": "A license term ends in 45 days",
    "customer_reminder": "Your license term ends in 45 days",
    "license_renewed": "A license was renewed",
    "license_lapsed": "A license lapsed",
    "lapsed_reminder": "A license lapsed 7 days ago",
    "credit_expiring": "Credit expires in 30 days",
    "customer.payer_changed": "A customer changed who pays",
    "invoice_overdue": "A customer's invoice is overdue",
    "customer_invoice_overdue": "Your invoice is overdue",
    "customer.partnership_ended": "A customer ended your partnership",
    "customer_partnership_ended": "Your partner ended the partnership",
    "level_changed": "Your level this month, and why",
    "top_up_requested": "A top-up is requested",
    "renewal_waiting": "A renewal waits for credit",
}


def mail_notifications(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """Queue the mail of the last two days' notifications that are read by email."""
    since = ctx.now - timedelta(days=2)
    rows = repository.recent_notifications(ctx.session, list(MAILED), since, scope)
    keys = [f"mail:{note.dedupe_key}" for note, _, _ in rows if note.dedupe_key]
    present = repository.dedupe_keys_present(ctx.session, keys)
    queued = 0
    for note, partner_name, billing_email in rows:
        key = f"mail:{note.dedupe_key}"
        if not note.dedupe_key or key in present:
            continue
        to_customer = MAILED[note.kind] == "customer"
        to = (note.data or {}).get("to") if to_customer else billing_email
        message = note.message
        if to_customer:  # the customer reads it without the partner's note to itself
            message = message.split(": ", 1)[-1]
        queued += queue(
            ctx,
            partner_id=note.partner_id,
            kind=note.kind,
            to=str(to) if to else None,
            subject=f"{partner_name}: {SUBJECTS[note.kind]}",
            body=f"{message}\n\n-- {partner_name}, via partnerfleet\n",
            dedupe_key=key,
        )
    return queued

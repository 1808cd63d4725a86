"""The monthly statement by email: after a month ends, each active partner with a billing
email gets its statement of that month as a PDF (once per partner and month). Partner by
partner: the statement is read in a short transaction, its PDF made outside any (at most
`pdf.PDFS_AT_ONCE` at once) and queued in another, so one partner's statement that cannot be
made stops no one else's."""

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import PartnerScope
from partnerfleet_backend.kit.timeutil import add_months, period_of, start_of_month
from partnerfleet_backend.mail import repository as outbox
from partnerfleet_backend.mail.service import queue
from partnerfleet_backend.operations.calendar import CalendarRun
from partnerfleet_backend.partner import repository as partners
from partnerfleet_backend.reports import pdf, service


def _last_month(ctx: Ctx) -> str:
    return period_of(add_months(start_of_month(ctx.now), -1))


def _key(partner_id: str, month: str) -> str:
    return f"statement:{partner_id}:{month}"


def statements_due(ctx: Ctx, scope: PartnerScope) -> list[str]:
    """The partners whose statement of last month is not queued yet."""
    month = _last_month(ctx)
    billed = partners.active_with_billing_email(ctx.session, start_of_month(ctx.now), scope)
    keys = {pid: _key(pid, month) for pid, _, _ in billed}
    present = outbox.dedupe_keys_present(ctx.session, list(keys.values()))
    return [pid for pid, key in keys.items() if key not in present]


def mail_statement(run: CalendarRun, partner_id: str) -> int:
    """Make one partner's statement of last month and queue it (1), unless queued meanwhile."""

    def read(ctx: Ctx) -> tuple[service.Statement, str]:
        statement = service.statement(ctx, partner_id, _last_month(ctx))
        email = partners.billing_email(ctx.session, partner_id)
        return statement, email or ""

    statement, email = run.read(read)
    document = pdf.statement_pdf(statement, run.settings.vendor_name)
    month = statement.month

    def put(ctx: Ctx) -> int:
        return int(
            queue(
                ctx,
                partner_id=partner_id,
                kind="statement",
                to=email,
                subject=f"Your partnerfleet statement for {month}",
                body=f"Hello {statement.partner_name},\n\nattached is your statement for "
                f"{month}: opening and closing credit, top-ups, charges per customer and "
                "license.\n",
                dedupe_key=_key(partner_id, month),
                attachment=(f"statement-{month}.pdf", document),
            )
        )

    return run.write(put)

"""Never lapse by accident (issue 27; docs/rules.md, "Automatic top-ups"). A partner may set a
rule: when the credit available falls below a threshold, or before renewals of the next 7 days
the credit cannot pay, ask for a top-up of a fixed amount. Paying happens outside: the rule
makes a top-up request (at most one waits per partner: a unique index), which the operator (or
a payment provider's confirmation, through the operator's key) settles; only then is the credit
bought, at its bracket's discount. Meanwhile a renewal the credit cannot pay waits up to 7 days
instead of lapsing (`license/jobs.py`). Every bought top-up has a numbered invoice (TU-<year>-
<number>) as a PDF: in the API, the portal and by email to the billing address."""

from datetime import timedelta

from partnerfleet_backend.billing import repository as payers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.money import eur
from partnerfleet_backend.kit.scope import PartnerScope
from partnerfleet_backend.license import repository as licenses
from partnerfleet_backend.license.terms import renewal_terms
from partnerfleet_backend.mail.service import queue
from partnerfleet_backend.models import CreditLot, TopUpRequest, TopUpRule, TopUpStatus
from partnerfleet_backend.notification.service import notify
from partnerfleet_backend.partner import repository as partners
from partnerfleet_backend.reports.pdf import top_up_invoice_pdf
from partnerfleet_backend.topup import repository
from partnerfleet_backend.topup.schemas import TopUpRuleWrite
from partnerfleet_backend.wallet import service as wallet

RENEWAL_DAYS = 7  # renewals this close are looked at by a rule
GRACE = timedelta(days=7)  # how long a renewal the credit cannot pay waits for a top-up


class TopUpPending(Conflict):
    code = "top_up_pending"


class TopUpSettled(Conflict):
    code = "top_up_settled"


def rule_of(ctx: Ctx, partner_id: str) -> TopUpRule | None:
    """The partner's rule, if it has one."""
    return repository.rule(ctx.session, partner_id)


def rule(ctx: Ctx, partner_id: str) -> TopUpRule:
    found = rule_of(ctx, partner_id)
    if found is None:
        raise NotFound("no top-up rule: PUT /v1/me/top-up-rule makes one")
    return found


def set_rule(ctx: Ctx, partner_id: str, body: TopUpRuleWrite) -> TopUpRule:
    found = repository.rule(ctx.session, partner_id)
    before = ctx.snapshot(found) if found else None
    if found is None:
        found = TopUpRule(partner_id=partner_id, created_at=ctx.now)
    found.amount_cents = body.amount_cents
    found.threshold_cents = body.threshold_cents
    found.before_renewal = body.before_renewal
    found.updated_at = ctx.now
    repository.add(ctx.session, found)
    ctx.audit(
        "top_up_rule.set",
        "partner",
        partner_id,
        partner_id=partner_id,
        before=before,
        after=ctx.snapshot(found),
    )
    return found


def drop_rule(ctx: Ctx, partner_id: str) -> None:
    found = rule(ctx, partner_id)
    before = ctx.snapshot(found)
    repository.drop(ctx.session, found)
    ctx.audit(
        "top_up_rule.dropped",
        "partner",
        partner_id,
        partner_id=partner_id,
        before=before,
        after=None,
    )


def needed(ctx: Ctx, found: TopUpRule) -> str | None:
    """Why the rule asks for a top-up now, if it does: the credit available below its
    threshold, or renewals of the next 7 days (that the partner pays) costing more."""
    available = wallet.state(ctx, found.partner_id).available_cents
    if found.threshold_cents is not None and available < found.threshold_cents:
        return f"credit available {eur(available)} is below {eur(found.threshold_cents)}"
    if not found.before_renewal:
        return None
    ending = licenses.ending_between(
        ctx.session,
        ctx.now,
        ctx.now + timedelta(days=RENEWAL_DAYS),
        PartnerScope.one(found.partner_id),
    )
    theirs = payers.self_paying(ctx.session, {customer.id for _, customer in ending})
    due = [lic for lic, customer in ending if lic.auto_renew and customer.id not in theirs]
    cost = sum(renewal_terms(ctx, lic).price_cents for lic in due)
    if cost > available:
        return (
            f"renewals of the next {RENEWAL_DAYS} days cost {eur(cost)}, "
            f"{eur(available)} of credit is available"
        )
    return None


def request(ctx: Ctx, partner_id: str, amount_cents: int, reason: str, *, by: str) -> TopUpRequest:
    """Ask for a top-up (the rule, or the partner itself); the partner is told, by mail too."""
    waiting = repository.open_request(ctx.session, partner_id)
    if waiting is not None:
        raise TopUpPending(
            f"top-up request {waiting.id} of {eur(waiting.amount_cents)} waits for its payment",
            existing_id=waiting.id,
        )
    asked = TopUpRequest(
        id=new_id("tur"),
        partner_id=partner_id,
        amount_cents=amount_cents,
        status=TopUpStatus.REQUESTED,
        reason=reason[:300],
        requested_by=by,
        created_at=ctx.now,
    )
    repository.add(ctx.session, asked)
    ctx.audit(
        "top_up.requested",
        "top_up_request",
        asked.id,
        partner_id=partner_id,
        before=None,
        after=ctx.snapshot(asked),
    )
    notify(
        ctx,
        partner_id,
        "top_up_requested",
        f"a top-up of {eur(amount_cents)} is requested ({reason}); the credit is added once "
        "it is paid",
        dedupe_key=f"top_up_requested:{asked.id}",
        data={"request_id": asked.id, "amount_cents": amount_cents},
    )
    return asked


def cancel(ctx: Ctx, partner_id: str, request_id: str) -> TopUpRequest:
    found = _waiting(ctx, partner_id, request_id)
    found.status, found.cancelled_at = TopUpStatus.CANCELLED, ctx.now
    return _closed(ctx, found, "top_up.cancelled")


def settle(ctx: Ctx, partner_id: str, request_id: str) -> TopUpRequest:
    """The payment of a request, confirmed: the credit is bought (once; a second confirmation
    is a 409)."""
    found = _waiting(ctx, partner_id, request_id)
    lot = buy(ctx, partner_id, found.amount_cents)
    found.status, found.settled_at, found.lot_id = TopUpStatus.SETTLED, ctx.now, lot.id
    return _closed(ctx, found, "top_up.settled")


def _closed(ctx: Ctx, found: TopUpRequest, action: str) -> TopUpRequest:
    """A request that waited, settled or cancelled: written and audited."""
    ctx.session.flush()
    ctx.audit(
        action,
        "top_up_request",
        found.id,
        partner_id=found.partner_id,
        before={"status": TopUpStatus.REQUESTED.value},
        after=ctx.snapshot(found),
    )
    return found


def _waiting(ctx: Ctx, partner_id: str, request_id: str) -> TopUpRequest:
    found = repository.request_locked(ctx.session, request_id)
    if found is None or found.partner_id != partner_id:
        raise NotFound(f"top-up request {request_id} not found")
    if found.status != TopUpStatus.REQUESTED:
        raise TopUpSettled(f"top-up request {request_id} is {found.status} already")
    return found


def buy(ctx: Ctx, partner_id: str, amount_cents: int) -> CreditLot:
    """A top-up bought (the operator's, a settled request's): the credit, its numbered invoice
    mailed as a PDF to the billing address."""
    lot = wallet.top_up(ctx, partner_id, amount_cents)
    partner = partners.get(ctx.session, partner_id)
    assert partner is not None and lot.invoice_number is not None
    queue(
        ctx,
        partner_id=partner_id,
        kind="top_up_invoice",
        to=partner.billing_email,
        subject=f"Invoice {lot.invoice_number}: your top-up of {eur(lot.amount_cents)}",
        body=f"Hello {partner.name},\n\nthank you for your top-up: {eur(lot.price_cents)} paid "
        f"for {eur(lot.amount_cents)} of credit ({lot.discount_bp / 100:g} % off), valid until "
        f"{lot.expires_at:%Y-%m-%d}. The invoice {lot.invoice_number} is attached.\n",
        dedupe_key=f"top_up_invoice:{lot.id}",
        attachment=(
            f"{lot.invoice_number}.pdf",
            top_up_invoice_pdf(lot, partner.name, ctx.settings.vendor_name),
        ),
    )
    return lot


def invoice_of(ctx: Ctx, partner_id: str, lot_id: str) -> tuple[CreditLot, str]:
    """A bought top-up of the partner and the partner's name, for its invoice."""
    lot = repository.invoice_lot(ctx.session, lot_id)
    partner = partners.get(ctx.session, partner_id)
    if lot is None or lot.partner_id != partner_id or lot.invoice_number is None or not partner:
        raise NotFound(f"top-up {lot_id} not found")
    return lot, partner.name


def requests_page(
    ctx: Ctx, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[TopUpRequest], str | None]:
    return repository.requests_page(ctx.session, partner_id, limit, cursor)


def invoices_page(
    ctx: Ctx, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[CreditLot], str | None]:
    return repository.invoices_page(ctx.session, partner_id, limit, cursor)


def waiting(requests: list[TopUpRequest]) -> list[TopUpRequest]:
    """Those of `requests` that wait for their payment."""
    return [r for r in requests if r.status == TopUpStatus.REQUESTED]


def waiting_page(ctx: Ctx, limit: int, cursor: str | None) -> tuple[list[TopUpRequest], str | None]:
    """Every partner's requests waiting for their payment (the operator's list)."""
    return repository.waiting_page(ctx.session, limit, cursor)

"""The plan: the intended changes, run through the very operations `pulumi up` will call, in
one transaction that is then rolled back. What the plan says is charged is what those
operations charged, lot by lot; nothing of it stays.

Each change runs in a savepoint: a refused one (credit, a conflict, bad input) changes
nothing, and the next changes are priced as the real run would price them after it.
"""

from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from partnerfleet_backend.billing import service as billing
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.customer import repository as customers_repository
from partnerfleet_backend.db.context import AUDIT, Ctx
from partnerfleet_backend.db.engines import hold_for_transaction
from partnerfleet_backend.kit.errors import (
    Conflict,
    InsufficientCredit,
    ServiceError,
    ServiceUnavailable,
    ValidationFailed,
)
from partnerfleet_backend.kit.integrity import conflict_of
from partnerfleet_backend.kit.scope import PartnerScope
from partnerfleet_backend.kit.slots import Slots
from partnerfleet_backend.level import repository as levels
from partnerfleet_backend.level.outlook import next_run
from partnerfleet_backend.license import repository as licenses_repository
from partnerfleet_backend.license import rightsizing
from partnerfleet_backend.models import EntryKind
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.plan import steps
from partnerfleet_backend.plan.outcome import Outcome
from partnerfleet_backend.plan.schemas import (
    FirstRefusal,
    PlanCreate,
    PlanLevel,
    PlannedChange,
    PlanQuota,
    PlanRead,
    PlanTotals,
    PlanWallet,
    RightSize,
    UnderLicensed,
)
from partnerfleet_backend.quota import service as quota
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import LEDGER

EXPIRY_WARNING_DAYS = 30
CHANGES_PER_CALL = 100
NEVER_AT_END = (
    "never runs: the engine deletes only after every create and update succeeded, and one "
    "of them is refused"
)
NEVER_WITHOUT_CUSTOMER = "never runs: the create of its customer is refused"


class PlanRunning(ServiceError):
    status = 429
    code = "plan_running"
    title = "A plan is running"


def _busy() -> ServiceUnavailable:
    refused = ServiceUnavailable("plans of other partners keep this server busy; retry soon")
    refused.headers["Retry-After"] = "10"
    return refused


# A plan runs every change it holds through the operations in one thread: one at a time per
# worker, so that the worker's other threads keep answering everyone else's requests.
_plans = Slots(1, _busy)


def one_at_a_time() -> AbstractContextManager[None]:
    """This worker's one plan slot, waited for up to 30 seconds."""
    return _plans.taken(wait=30)


def calls_of(body: PlanCreate) -> int:
    """The API calls a plan counts: one per 100 changes started (at least one)."""
    return max(1, -(-len(body.changes) // CHANGES_PER_CALL))


# drawn from the credit: a charge, an operator's debit, the cashback of an invoice voided
DRAWN = (EntryKind.CHARGE, EntryKind.ADJUSTMENT, EntryKind.CASHBACK_REVERSAL)


def _drawn(entries: list[dict[str, Any]]) -> tuple[int, int]:
    """Nominal and net drawn from the credit by these ledger rows of the unit of work."""
    drawn = [e for e in entries if e["kind"] in DRAWN]
    return -sum(e["amount_cents"] for e in drawn), -sum(e["net_cents"] for e in drawn)


def _refunded(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The refunds among these ledger rows: purchases undone within the grace window."""
    return [e for e in entries if e["kind"] == EntryKind.REFUND]


def _voided(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The invoices these audit rows of the unit of work voided (an invoice's void is an
    update, not a row of its own): each one's state after."""
    return [e["after"] for e in events if e["action"] == "invoice.voided"]


def make_plan(ctx: Ctx, partner_id: str, body: PlanCreate) -> PlanRead:
    """Price `body.changes` for `partner_id` at `ctx.now`. The caller rolls the transaction
    back."""
    if not hold_for_transaction(ctx.session, f"plan:{partner_id}"):
        raise PlanRunning("another plan of yours is running; ask again when it is done")
    partner = partners.get(ctx, partner_id)
    before = wallet.state(ctx, partner_id)
    run_rate_before = levels.monthly_usage(ctx.session, [partner_id], ctx.now)[partner_id]
    entries = ctx.unit.of(LEDGER)  # what each change charges, as its operations append it
    invoices = ctx.unit.of(billing.INVOICES)  # and what it invoices to customers paying
    events = ctx.unit.of(AUDIT)  # and what it voids (undone within the grace window)
    loaded = _load_named(ctx, partner_id, body)  # held: the operations find them in the session
    created: dict[str, str] = {}
    planned: list[PlannedChange] = []
    stopped: set[str] = set()  # the keys of refused changes
    # in the engine's order: creates and updates, then the deletes it runs at the end
    for change in [c for c in body.changes if not c.at_end] + [c for c in body.changes if c.at_end]:
        mark, invoice_mark, event_mark = len(entries), len(invoices), len(events)
        outcome = Outcome(change)
        if change.at_end and stopped:
            outcome.customer_id = steps.customer_of(ctx, partner_id, change)
            planned.append(outcome.skip(NEVER_AT_END))
            continue
        if change.customer is not None and change.customer in stopped:
            stopped.add(change.key)
            planned.append(outcome.skip(NEVER_WITHOUT_CUSTOMER))
            continue
        try:
            with ctx.unit.savepoint(ctx.session):
                steps.apply(ctx, partner, change, created, outcome)
                ctx.session.flush()
        except InsufficientCredit as refused:
            extra = refused.extra
            outcome.refuse(refused, shortfall=extra["needed_cents"] - extra["available_cents"])
        except ServiceError as refused:
            outcome.refuse(refused)
        except ValidationError as invalid:
            outcome.refuse(_validation_failed(invalid))
        except IntegrityError as violated:  # a rule the database holds (an "at most one")
            outcome.refuse(conflict_of(violated) or Conflict("the database refused this change"))
        nominal, net = _drawn(entries[mark:]) if outcome.refused is None else (0, 0)
        invoiced = billing.issued(invoices[invoice_mark:]) if outcome.refused is None else (0, 0)
        if outcome.refused is not None:
            stopped.add(change.key)
        else:
            outcome.undone(_refunded(entries[mark:]), _voided(events[event_mark:]))
        planned.append(outcome.planned(nominal, net, invoiced))
    del loaded
    short = licenses_repository.under_licensed(ctx.session, partner_id)
    renewing = [
        lic
        for lic, _ in licenses_repository.ending_between(
            ctx.session,
            ctx.now,
            ctx.now + timedelta(days=rightsizing.WINDOW_DAYS),
            PartnerScope.one(partner_id),
        )
    ]
    savings = rightsizing.savings(ctx, renewing)
    labels = customers_repository.customer_labels(
        ctx.session,
        {p.customer_id for p in planned if p.customer_id} | {x.customer_id for x in short},
    )
    planned = [
        p.model_copy(update={"customer_label": labels.get(p.customer_id or "")}) for p in planned
    ]
    after = wallet.state(ctx, partner_id)
    # the lines add up to the totals by construction: each line's run-rate before and after
    # is the same rule (`License.run_rate_cents`, `AddOn.run_rate_at`) the total is the sum of
    run_rate_after = run_rate_before + sum(
        p.monthly_after_cents - p.monthly_before_cents for p in planned
    )
    outlook = next_run(ctx, partner_id, run_rate_after)  # the plan's orders are in the session
    in_plan = {p.id for p in planned if p.type == "license" and p.id}
    soon = ctx.now + timedelta(days=EXPIRY_WARNING_DAYS)
    state = quota.current(ctx.session, partner_id, ctx.now)
    calls = sum(p.api_calls for p in planned)
    first = next((p for p in planned if p.refused is not None), None)
    return PlanRead(
        currency=str(load_catalog(ctx.session).document.get("currency", "EUR")),
        planned_at=ctx.now,
        changes=planned,
        totals=PlanTotals(
            charge_now_cents=sum(p.charge_now_cents for p in planned),
            invoiced_cents=sum(p.invoiced_cents for p in planned),
            cashback_cents=sum(p.cashback_cents for p in planned),
            refund_cents=sum(p.refund_cents for p in planned),
            refund_net_cents=sum(p.refund_net_cents for p in planned),
            voided_cents=sum(p.voided_cents for p in planned),
            charge_now_net_cents=sum(p.charge_now_net_cents for p in planned),
            forfeit_cents=sum(p.forfeit_cents for p in planned),
            monthly_before_cents=run_rate_before,
            monthly_after_cents=run_rate_after,
            monthly_delta_cents=run_rate_after - run_rate_before,
        ),
        wallet=PlanWallet(
            balance_before_cents=before.balance_cents,
            balance_after_cents=after.balance_cents,
            available_before_cents=before.available_cents,
            available_after_cents=after.available_cents,
            expires_at=max((lot.expires_at for lot in after.lots), default=None),
            expiring_within_30_days_cents=sum(
                lot.remaining_cents for lot in after.lots if lot.expires_at <= soon
            ),
        ),
        level=PlanLevel(
            current=partner.level,
            next_month=outlook.decision.level.name,
            next_month_reasons=list(outlook.decision.reasons),
            monthly_usage_after_cents=run_rate_after,
            orders_after=outlook.standing.orders,
        ),
        quota=PlanQuota(
            calls_needed=calls,
            remaining=state.remaining,
            limit=state.limit,
            enough=calls <= state.remaining,
        ),
        under_licensed=[
            UnderLicensed(
                license_id=lic.id,
                reference=lic.reference,
                customer_id=lic.customer_id,
                customer_label=labels.get(lic.customer_id),
                seats=lic.seats_next_term or lic.seats or 0,
                used_seats=lic.used_seats or 0,
                in_plan=lic.id in in_plan,
            )
            for lic in short
        ],
        rightsizing=[
            RightSize(
                license_id=lic.id,
                reference=lic.reference,
                customer_id=lic.customer_id,
                rightsizing=savings[lic.id],
            )
            for lic in renewing
            if lic.id in savings
        ],
        refused=first is not None,
        first_refusal=(
            FirstRefusal(
                key=first.key,
                label=first.label,
                code=first.refused.code,
                shortfall_cents=first.refused.shortfall_cents,
            )
            if first is not None and first.refused is not None
            else None
        ),
    )


def _load_named(ctx: Ctx, partner_id: str, body: PlanCreate) -> list[object]:
    """The licenses and customers the changes name, read in a few queries instead of one or
    two per change. The list holds them: the session keeps only objects someone holds."""
    license_ids = sorted({c.id for c in body.changes if c.type == "license" and c.id})
    named = licenses_repository.of_partner_among(ctx.session, partner_id, license_ids)
    customer_ids = {c.id for c in body.changes if c.type == "customer" and c.id}
    given = (c.inputs.get("customer_id") for c in body.changes)
    customer_ids |= {str(cid) for cid in given if cid}
    customer_ids |= {lic.customer_id for lic in named}
    held: list[object] = list(named)
    held += customers_repository.of_partner_among(ctx.session, partner_id, sorted(customer_ids))
    return held


def _validation_failed(invalid: ValidationError) -> ValidationFailed:
    problem = invalid.errors()[0]
    field = ".".join(str(p) for p in problem["loc"]) or "inputs"
    return ValidationFailed(f"{field}: {problem['msg']}", field=field)

"""The plan: the intended changes, run through the very operations `pulumi up` will call, in
one transaction that is then rolled back. What the plan says is charged is what those
operations charged, lot by lot; nothing of it stays.

Each change runs in a savepoint: a refused one (credit, a conflict, bad input) changes
nothing, and the next changes are priced as the real run would price them after it.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.addon.schemas import AddOnCreate, AddOnUpdate
from partnerfleet_backend.catalog.pricing import monthly_cents, unused_term_cents
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.customer import repository as customers_repository
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.customer.schemas import CustomerCreate, CustomerUpdate
from partnerfleet_backend.database import hold_for_transaction
from partnerfleet_backend.keys.service import refuse_changes_when_suspended
from partnerfleet_backend.kit.errors import (
    Conflict,
    InsufficientCredit,
    ServiceError,
    ServiceUnavailable,
    ValidationFailed,
)
from partnerfleet_backend.kit.integrity import conflict_of
from partnerfleet_backend.kit.slots import Slots
from partnerfleet_backend.level import repository as levels
from partnerfleet_backend.level.service import level_for_monthly_usage
from partnerfleet_backend.license import repository as licenses_repository
from partnerfleet_backend.license import service as licenses
from partnerfleet_backend.license.schemas import LicenseCreate, LicenseUpdate
from partnerfleet_backend.models import RENEWING, EntryKind, LedgerEntry, Partner
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.plan.outcome import Outcome, addon_monthly
from partnerfleet_backend.plan.schemas import (
    FirstRefusal,
    PlanChange,
    PlanCreate,
    PlanLevel,
    PlannedChange,
    PlanQuota,
    PlanRead,
    PlanTotals,
    PlanWallet,
    UnderLicensed,
)
from partnerfleet_backend.quota import service as quota
from partnerfleet_backend.support import service as support
from partnerfleet_backend.wallet import repository as wallet_repository
from partnerfleet_backend.wallet import service as wallet

LICENSE_REPLACED_BY = ("customer_id", "product", "trial")  # never changed by an adoption
EXPIRY_WARNING_DAYS = 30
CHANGES_PER_CALL = 100


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


class _Charges:
    """The ledger entries the operations of one plan add, as they are added."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.entries: list[LedgerEntry] = wallet_repository.watch_entries(session)

    def close(self) -> None:
        wallet_repository.unwatch_entries(self.session)

    def since(self, mark: int) -> tuple[int, int]:
        """Nominal and net drawn from the credit by the entries added after `mark`."""
        drawn = [
            e for e in self.entries[mark:] if e.kind in (EntryKind.CHARGE, EntryKind.ADJUSTMENT)
        ]
        return -sum(e.amount_cents for e in drawn), -sum(e.net_cents for e in drawn)


def make_plan(ctx: Ctx, partner_id: str, body: PlanCreate) -> PlanRead:
    """Price `body.changes` for `partner_id` at `ctx.now`. The caller rolls the transaction
    back."""
    if not hold_for_transaction(ctx.session, f"plan:{partner_id}"):
        raise PlanRunning("another plan of yours is running; ask again when it is done")
    partner = partners.get(ctx, partner_id)
    before = wallet.state(ctx, partner_id)
    run_rate_before = levels.monthly_usage(ctx.session, [partner_id], ctx.now)[partner_id]
    charges = _Charges(ctx.session)
    loaded = _load_named(ctx, partner_id, body)  # held: the operations find them in the session
    created: dict[str, str] = {}
    planned: list[PlannedChange] = []
    try:
        for change in body.changes:
            mark = len(charges.entries)
            outcome = Outcome(change)
            try:
                with ctx.session.begin_nested():
                    _apply(ctx, partner, change, created, outcome)
                    ctx.session.flush()
            except InsufficientCredit as refused:
                extra = refused.extra
                outcome.refuse(refused, shortfall=extra["needed_cents"] - extra["available_cents"])
            except ServiceError as refused:
                outcome.refuse(refused)
            except ValidationError as invalid:
                outcome.refuse(_validation_failed(invalid))
            except IntegrityError as violated:  # a rule the database holds (an "at most one")
                outcome.refuse(
                    conflict_of(violated) or Conflict("the database refused this change")
                )
            nominal, net = charges.since(mark) if outcome.refused is None else (0, 0)
            planned.append(outcome.planned(nominal, net))
    finally:
        charges.close()
    del loaded
    short = licenses_repository.under_licensed(ctx.session, partner_id)
    labels = customers_repository.customer_labels(
        ctx.session,
        {p.customer_id for p in planned if p.customer_id} | {x.customer_id for x in short},
    )
    planned = [
        p.model_copy(update={"customer_label": labels.get(p.customer_id or "")}) for p in planned
    ]
    after = wallet.state(ctx, partner_id)
    run_rate_after = levels.monthly_usage(ctx.session, [partner_id], ctx.now)[partner_id]
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
            next_month=level_for_monthly_usage(run_rate_after).name,
            monthly_usage_after_cents=run_rate_after,
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


def _apply(
    ctx: Ctx, partner: Partner, change: PlanChange, created: dict[str, str], outcome: Outcome
) -> None:
    handlers: dict[str, Callable[[Ctx, Partner, PlanChange, dict[str, str], Outcome], None]] = {
        "license": _license,
        "customer": _customer,
        "addon": _addon,
        "support": _support,
    }
    # what the up's request would be refused for: a support level's delete is a PUT of basic
    taking_back = change.action == "delete" and change.type != "support"
    refuse_changes_when_suspended(partner.status, taking_back=taking_back)
    handlers[change.type](ctx, partner, change, created, outcome)


def _needs_id(change: PlanChange) -> str:
    if change.id is None:
        raise ValidationFailed(f"{change.action} of a {change.type} needs its id", field="id")
    return change.id


def _adoptable(inputs: dict[str, Any]) -> str | None:
    reference = inputs.get("reference")
    return str(reference) if inputs.get("adopt") and reference else None


def _license(
    ctx: Ctx, partner: Partner, change: PlanChange, created: dict[str, str], outcome: Outcome
) -> None:
    inputs = {k: v for k, v in change.inputs.items() if k != "adopt"}
    if change.action == "create":
        if change.customer is not None:
            if change.customer not in created:
                raise ValidationFailed(
                    f"customer '{change.customer}' is not created earlier in this plan",
                    field="customer",
                )
            inputs["customer_id"] = created[change.customer]
        reference = _adoptable(change.inputs)
        existing = licenses.find_by_reference(ctx, partner.id, reference) if reference else None
        if existing is not None:
            differs = {
                k: v
                for k, v in inputs.items()
                if k not in LICENSE_REPLACED_BY and getattr(existing, k, v) != v
            }
            outcome.adopted(existing.id, changed=bool(differs))
            _update_license(ctx, partner, existing.id, differs, outcome)
            return
        outcome.customer_id = inputs.get("customer_id")
        lic = licenses.create(ctx, partner.id, LicenseCreate.model_validate(inputs))
        outcome.license_created(lic, licenses.unit_cents(ctx, lic))
    elif change.action == "update":
        _update_license(ctx, partner, _needs_id(change), inputs, outcome)
    else:
        lic = licenses.get(ctx, partner.id, _needs_id(change))
        outcome.license_before(lic)
        forfeit = 0
        if lic.status in RENEWING and lic.term_months and lic.seats and lic.ends_at:
            days_left, days_in_term = licenses.term_days(ctx, lic)
            forfeit = unused_term_cents(
                seats=lic.seats,
                unit_cents=licenses.unit_cents(ctx, lic),
                term_months=lic.term_months,
                days_left=days_left,
                days_in_term=days_in_term,
            )
        licenses.cancel(ctx, partner.id, lic.id)
        outcome.license_cancelled(lic, forfeit)


def _update_license(
    ctx: Ctx, partner: Partner, license_id: str, inputs: dict[str, Any], outcome: Outcome
) -> None:
    lic = licenses.get(ctx, partner.id, license_id)
    outcome.license_before(lic)
    if inputs:
        lic = licenses.update(ctx, partner.id, license_id, LicenseUpdate.model_validate(inputs))
    next_monthly = None
    if lic.seats_next_term or lic.edition_next_term or lic.term_months_next_term:
        unit = licenses.unit_cents(ctx, lic, lic.edition_next_term, lic.term_months_next_term)
        next_monthly = monthly_cents(lic.seats_next_term or lic.seats or 0, unit)
    outcome.license_updated(lic, next_monthly)


def _customer(
    ctx: Ctx, partner: Partner, change: PlanChange, created: dict[str, str], outcome: Outcome
) -> None:
    inputs = {k: v for k, v in change.inputs.items() if k != "adopt"}
    if change.action == "create":
        reference = _adoptable(change.inputs)
        existing = customers.find_by_reference(ctx, partner.id, reference) if reference else None
        if existing is not None:
            differs = {  # as the provider's adoption: never the access the customer grants
                k: v
                for k, v in customers.partner_settable(inputs).items()
                if getattr(existing, k, v) != v
            }
            if differs:
                customers.update(
                    ctx, partner.id, existing.id, CustomerUpdate.model_validate(differs)
                )
            outcome.adopted(existing.id, changed=bool(differs))
            created[change.key] = existing.id
            return
        customer = customers.create(ctx, partner.id, CustomerCreate.model_validate(inputs))
        created[change.key] = customer.id
        outcome.customer(customer.id)
    elif change.action == "update":
        customer = customers.update(
            ctx, partner.id, _needs_id(change), CustomerUpdate.model_validate(inputs)
        )
        outcome.customer(customer.id)
    else:
        customer_id = _needs_id(change)
        kept = customers.end(ctx, partner.id, customer_id)
        outcome.customer(kept.id)
        outcome.note("its licenses stay with the customer, unmanaged and never renewed")


def _addon(
    ctx: Ctx, partner: Partner, change: PlanChange, _created: dict[str, str], outcome: Outcome
) -> None:
    if change.action == "create":
        inputs = {k: v for k, v in change.inputs.items() if k != "adopt"}
        body = AddOnCreate.model_validate(inputs)
        bought = (
            addons.unclaimed(ctx, partner.id, body.option) if change.inputs.get("adopt") else None
        )
        if bought is not None:  # bought outside the program: taken over, not bought again
            outcome.adopted(bought.id)
            monthly = addon_monthly(bought, ctx)
            outcome.monthly_before = outcome.monthly_after = monthly
            return
        outcome.addon(addons.buy(ctx, partner, body), ctx)
    elif change.action == "update":
        before = addons.get(ctx, partner.id, _needs_id(change))
        monthly = addon_monthly(before, ctx)
        changed = addons.change(
            ctx, partner.id, before.id, AddOnUpdate.model_validate(change.inputs)
        )
        outcome.addon_changed(changed, monthly, ctx)
    else:
        before = addons.get(ctx, partner.id, _needs_id(change))
        monthly = addon_monthly(before, ctx)
        outcome.addon_changed(addons.cancel(ctx, partner.id, before.id), monthly, ctx)


def _support(
    ctx: Ctx, partner: Partner, change: PlanChange, _created: dict[str, str], outcome: Outcome
) -> None:
    level = "basic" if change.action == "delete" else str(change.inputs.get("support_level"))
    if level not in ("basic", "premium"):
        raise ValidationFailed("support_level must be basic or premium", field="support_level")
    outside = addons.unclaimed(ctx, partner.id, support.OPTION)
    if change.action == "create" and outside is not None:  # as the provider's create decides
        if not change.inputs.get("adopt"):
            raise Conflict(
                f"premium-support (add-on {outside.id}, until {outside.period_end.date()}) was "
                "bought outside this program; set adopt=True (support_adopt: true in a fleet "
                "file) to manage it: premium keeps it, basic cancels it at the end of its month"
            )
        outcome.calls += 1  # it is claimed first
    held = addons.current(ctx, partner.id, support.OPTION)
    monthly = addon_monthly(held, ctx)
    result = support.set_support(ctx, partner, level)
    bought = addons.current(ctx, partner.id, support.OPTION)
    outcome.support(result.support_level, result.source, monthly, addon_monthly(bought, ctx))
    if held is not None and bought is None:
        outcome.effective_at_end(held.period_end)

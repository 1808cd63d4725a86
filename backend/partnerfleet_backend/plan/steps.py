"""One planned change run through the very operation `pulumi up` will call, by the type of
its object: what it changes and what the `Outcome` records of it."""

from collections.abc import Callable
from typing import Any

from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.addon.schemas import AddOnCreate, AddOnUpdate
from partnerfleet_backend.catalog.pricing import monthly_cents, unused_term_cents
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.customer.schemas import CustomerCreate, CustomerUpdate
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.keys.service import refuse_changes_when_suspended
from partnerfleet_backend.kit.errors import Conflict, ValidationFailed
from partnerfleet_backend.license import service as licenses
from partnerfleet_backend.license import terms
from partnerfleet_backend.license import undo as license_undo
from partnerfleet_backend.license.schemas import LicenseCreate, LicenseUpdate
from partnerfleet_backend.models import RENEWING, Partner
from partnerfleet_backend.plan.outcome import Outcome, addon_monthly
from partnerfleet_backend.plan.schemas import PlanChange
from partnerfleet_backend.support import service as support

LICENSE_REPLACED_BY = ("customer_id", "product", "trial")  # never changed by an adoption


def apply(
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


def customer_of(ctx: Ctx, partner_id: str, change: PlanChange) -> str | None:
    """The customer org a change of a license is about (for how reports name it)."""
    if change.type != "license" or change.id is None:
        return None
    return licenses.get(ctx, partner_id, change.id).customer_id


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
        outcome.license_created(lic, terms.unit_cents(ctx, lic))
    elif change.action == "update":
        _update_license(ctx, partner, _needs_id(change), inputs, outcome)
    else:
        lic = licenses.get(ctx, partner.id, _needs_id(change))
        outcome.license_before(lic)
        renewing = lic.status in RENEWING
        # a term bought within the grace window is given back whole: nothing is forfeit
        term_undone = any(increase is None for _, increase in license_undo.on_cancel(ctx, lic))
        licenses.cancel(ctx, partner.id, lic.id)  # the seats before an increase undone
        forfeit = 0
        if renewing and not term_undone and lic.term_months and lic.seats and lic.ends_at:
            days_left, days_in_term = terms.term_days(ctx, lic)
            forfeit = unused_term_cents(
                seats=lic.seats,
                unit_cents=terms.unit_cents(ctx, lic),
                term_months=lic.term_months,
                days_left=days_left,
                days_in_term=days_in_term,
            )
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
        unit = terms.unit_cents(ctx, lic, lic.edition_next_term, lic.term_months_next_term)
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
        before = licenses.run_rate_of_customer(ctx, partner.id, customer_id)
        kept = customers.end(ctx, partner.id, customer_id)
        outcome.customer(kept.id)
        outcome.monthly_before = before
        outcome.monthly_after = licenses.run_rate_of_customer(ctx, partner.id, customer_id)
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
    # A cancelled add-on still counts in the run-rate until its paid month ends (the level's
    # rule), so the line's "after" is the run-rate of what is held after the change.
    after = addon_monthly(bought if bought is not None else held, ctx)
    outcome.support(result.support_level, result.source, monthly, after)
    if held is not None and bought is None:
        outcome.effective_at_end(held.period_end)

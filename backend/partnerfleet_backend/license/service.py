"""Licenses: assignment charged in full, prorated increases and upgrades, changes at renewal."""

from datetime import datetime, timedelta
from typing import Any

from partnerfleet_backend.billing import service as billing
from partnerfleet_backend.catalog.pricing import (
    monthly_cents,
    term_price_cents,
)
from partnerfleet_backend.catalog.service import Catalog, load_catalog
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.kit.unique import ensure_unique
from partnerfleet_backend.level import repository as levels
from partnerfleet_backend.license import changes as seat_changes
from partnerfleet_backend.license import repository, undo
from partnerfleet_backend.license.keys import new_license_key
from partnerfleet_backend.license.schemas import LicenseCreate, LicenseUpdate
from partnerfleet_backend.models import (
    CHANGEABLE,
    ENDED,
    Customer,
    License,
    LicenseStatus,
    OrderKind,
)
from partnerfleet_backend.wallet.service import Charge

IN_FORCE = License.status != LicenseStatus.CANCELLED  # holds its reference


class TrialAlreadyUsed(Conflict):
    code = "trial_already_used"


class LicenseNotActive(Conflict):
    code = "license_not_active"


def get(ctx: Ctx, partner_id: str, license_id: str) -> License:
    """A managed license of this partner; another partner's id is 'not found' too."""
    lic = repository.get(ctx.session, license_id)
    if lic is None or not _yours(partner_id, lic.partner_id, lic.managed):
        raise NotFound(f"license {license_id} not found")
    return lic


def view(ctx: Ctx, partner_id: str, license_id: str) -> dict[str, Any]:
    """`get` as plain values, for a read that changes nothing (no ORM object made)."""
    found = repository.view(ctx.session, license_id)
    if found is None or not _yours(partner_id, found["partner_id"], found["managed"]):
        raise NotFound(f"license {license_id} not found")
    return found


def get_with_customer(ctx: Ctx, partner_id: str, license_id: str) -> tuple[License, Customer]:
    """`get` and its customer org in one query, for a change (org and staff rights checked)."""
    found = repository.get_with_customer(ctx.session, license_id)
    if found is None or not _yours(partner_id, found[0].partner_id, found[0].managed):
        raise NotFound(f"license {license_id} not found")
    customer = customers.get(ctx, partner_id, found[1].id)
    customers.check_team(ctx, customer)
    return found[0], customer


def _yours(partner_id: str, owner_id: str, managed: bool) -> bool:
    """A license a partner sees: its own, and managed."""
    return owner_id == partner_id and managed


def run_rate_of_customer(ctx: Ctx, partner_id: str, customer_id: str) -> int:
    """What the customer's licenses add to the partner's monthly run-rate now."""
    return repository.run_rate_of_customer(ctx.session, partner_id, customer_id)


def find_by_reference(ctx: Ctx, partner_id: str, reference: str) -> License | None:
    """The partner's managed license with this `reference`, if any."""
    return repository.by_reference(ctx.session, partner_id, reference)


def create(ctx: Ctx, partner_id: str, body: LicenseCreate) -> License:
    customer = customers.get(ctx, partner_id, body.customer_id)
    customers.check_team(ctx, customer)
    customers.check_access(customer, body.product)
    catalog = load_catalog(ctx.session)
    usage_billed = catalog.is_usage_billed(body.product)
    catalog.check_edition(body.product, body.edition)
    catalog.check_term(body.product, body.term_months)
    if not usage_billed and body.seats is None:
        raise ValidationFailed("seats is required for a prepaid license", field="seats")
    ensure_unique(
        ctx, License.reference, partner_id, body.reference, what="license", among=IN_FORCE
    )
    ensure_unique(ctx, License.client_reference, partner_id, body.client_reference, what="license")
    if body.trial:
        used = repository.trial_of(ctx.session, customer.id, body.product)
        if used is not None:
            raise TrialAlreadyUsed(
                f"customer {customer.id} already had a trial of {body.product} ({used})",
                field="trial",
            )
    lic = License(
        id=new_id("lic"),
        partner_id=partner_id,
        customer_id=customer.id,
        product=body.product,
        edition=body.edition,
        term_months=body.term_months,
        seats=body.seats,
        auto_renew=body.auto_renew,
        trial=body.trial,
        reference=body.reference,
        client_reference=body.client_reference,
        license_key=new_license_key(),
        managed=True,
        starts_at=ctx.now,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    unit = catalog.unit_cents(body.product, customer.segment, body.edition, body.term_months)
    if body.trial:
        lic.status = LicenseStatus.TRIAL
        lic.ends_at = ctx.now + timedelta(days=catalog.trial_days)
        lic.monthly_nominal_cents = 0
    elif usage_billed:
        lic.status = LicenseStatus.ACTIVE
        lic.ends_at = None
        lic.monthly_nominal_cents = 0  # counts its last monthly bill
    else:
        assert body.term_months is not None and body.seats is not None
        lic.status = LicenseStatus.ACTIVE
        lic.term_anchor_at = ctx.now
        lic.ends_at = add_months(ctx.now, body.term_months)
        lic.monthly_nominal_cents = monthly_cents(body.seats, unit)
    ctx.session.add(lic)
    if lic.status == LicenseStatus.ACTIVE:
        levels.add_order(ctx.session, partner_id, OrderKind.NEW_LICENSE, "license", lic.id, ctx.now)
    ctx.session.flush()  # the license and its order, before the bill locks the wallet's row
    if lic.status == LicenseStatus.ACTIVE and not usage_billed:
        assert body.term_months is not None and body.seats is not None
        assert lic.ends_at is not None
        billing.bill(
            ctx,
            customer,
            term_price_cents(body.seats, unit, body.term_months),
            Charge(
                f"{body.product} {body.edition} x {body.seats} for {body.term_months} months",
                "license",
                lic.id,
                covers=(ctx.now, lic.ends_at),
                units=body.seats,
            ),
        )
    ctx.audit(
        "license.created",
        "license",
        lic.id,
        partner_id=partner_id,
        before=None,
        after=ctx.snapshot(lic),
    )
    return lic


def update(ctx: Ctx, partner_id: str, license_id: str, body: LicenseUpdate) -> License:
    """Seats up and edition up now (prorated); down at the next renewal, or now within the
    grace window: refunded when it sets back an increase, bought again with fewer seats when
    it corrects a purchase (`changes.py`). Two changes at once: the license's row version lets
    one write (the other is a 409), and a charge is refunded at most once (a unique index)."""
    lic, customer = get_with_customer(ctx, partner_id, license_id)
    customers.check_access(customer, lic.product)
    ctx.check_version(lic.version)
    changes = body.model_dump(exclude_unset=True)
    before = ctx.snapshot(lic)
    catalog = load_catalog(ctx.session)
    segment = customer.segment
    usage_billed = catalog.is_usage_billed(lic.product)
    if ("seats" in changes or "edition" in changes) and lic.status not in CHANGEABLE:
        raise LicenseNotActive(f"license {lic.id} is {lic.status}; seats and edition are fixed")
    if "reference" in changes:
        ensure_unique(
            ctx,
            License.reference,
            partner_id,
            changes["reference"],
            own_id=lic.id,
            what="license",
            among=IN_FORCE,
        )
        lic.reference = changes["reference"]
    if changes.get("auto_renew") and lic.status in ENDED:
        raise LicenseNotActive(f"license {lic.id} is {lic.status}: it cannot renew")
    if "auto_renew" in changes and changes["auto_renew"] is not None:
        lic.auto_renew = changes["auto_renew"]
    if changes.get("term_months") is not None:
        _next_term(catalog, lic, changes["term_months"], usage_billed=usage_billed)
    new_seats = changes.get("seats") or lic.seats
    new_edition = changes.get("edition") or lic.edition
    old_edition = lic.edition
    catalog.check_edition(lic.product, new_edition)
    seated = seat_changes.Seated()
    if usage_billed or lic.status == LicenseStatus.TRIAL:
        lic.seats, lic.edition = new_seats, new_edition
    elif "seats" in changes or "edition" in changes:
        seated = seat_changes.apply(ctx, catalog, segment, lic, new_seats, new_edition)
    if not usage_billed and lic.status != LicenseStatus.TRIAL:
        assert lic.seats is not None
        lic.monthly_nominal_cents = monthly_cents(
            lic.seats, seat_changes.unit(catalog, segment, lic, lic.edition)
        )
    lic.updated_at = ctx.now
    lic.version += 1
    ctx.audit(
        "license.updated",
        "license",
        lic.id,
        partner_id=partner_id,
        before=before,
        after={**(ctx.snapshot(lic) or {}), **seated.said()},
    )
    if seated.charge is not None and seated.redo is None:  # (bought again: its order stands)
        kind = OrderKind.EDITION_UPGRADE if lic.edition != old_edition else OrderKind.SEAT_INCREASE
        levels.add_order(ctx.session, partner_id, kind, "license", lic.id, ctx.now)
    repository.save(ctx.session, lic)  # the license and its order
    # last: the wallet's row is locked from the debit (or refund) to the commit
    undo.give_back(ctx, lic, seated.undone, seated.redo)
    if seated.charge is not None:
        billed = billing.bill(ctx, customer, *seated.charge)
        if seated.before is not None:
            undo.record_increase(ctx, lic, seated.before, billed)
    return lic


def _next_term(catalog: Catalog, lic: License, term: int, *, usage_billed: bool) -> None:
    """The term of the next renewal (a usage-billed license has none)."""
    if usage_billed:
        raise ValidationFailed(
            f"{lic.product} is billed on usage and has no term", field="term_months"
        )
    catalog.check_term(lic.product, term)
    lic.term_months_next_term = None if term == lic.term_months else term


def cancel(ctx: Ctx, partner_id: str, license_id: str) -> License:
    """Stop the license; what it was charged within the grace window is given back, an
    earlier prepaid term is not. Idempotent: the row is locked first, so a cancel racing
    another finds it cancelled and answers as a repeat does."""
    repository.get_locked(ctx.session, license_id)
    lic, customer = get_with_customer(ctx, partner_id, license_id)
    customers.check_access(customer, lic.product)
    if lic.status == LicenseStatus.CANCELLED:
        return lic
    ctx.check_version(lic.version)
    before = ctx.snapshot(lic)
    undone = undo.on_cancel(ctx, lic)
    undo.restore(lic, undone)
    lic.status = LicenseStatus.CANCELLED
    lic.auto_renew = False
    lic.cancelled_at = ctx.now
    lic.updated_at = ctx.now
    lic.version += 1
    ctx.session.flush()
    ctx.audit(
        "license.cancelled",
        "license",
        lic.id,
        partner_id=partner_id,
        before=before,
        after={**(ctx.snapshot(lic) or {}), **({"undone": undo.said(undone)} if undone else {})},
    )
    undo.give_back(ctx, lic, undone)
    return lic


def list_licenses(
    ctx: Ctx,
    partner_id: str,
    limit: int,
    cursor: str | None,
    *,
    customer_id: str | None,
    status: str | None,
    reference: str | None,
    product: str | None = None,
    ends_before: datetime | None = None,
) -> tuple[list[License], str | None]:
    return repository.managed_page(
        ctx.session,
        partner_id,
        limit,
        cursor,
        customer_id=customer_id,
        status=status,
        reference=reference,
        product=product,
        ends_before=ends_before,
    )


def lapse_unpaid(ctx: Ctx, license_id: str, invoice_number: str) -> License | None:
    """The license an invoice paid for lapses when the invoice is unpaid 30 days after issue,
    as a renewal the credit cannot pay does (nothing if it ended meanwhile)."""
    lic = repository.get_locked(ctx.session, license_id)
    if lic is None or lic.status in ENDED:
        return None
    before = ctx.snapshot(lic)
    lic.status = LicenseStatus.LAPSED
    lic.auto_renew = False
    lic.updated_at = ctx.now
    lic.version += 1
    repository.save(ctx.session, lic)
    ctx.audit(
        "license.lapsed",
        "license",
        lic.id,
        partner_id=lic.partner_id,
        before=before,
        after={**(ctx.snapshot(lic) or {}), "why": f"invoice {invoice_number} unpaid"},
    )
    return lic

"""Licenses: assignment charged in full, prorated increases and upgrades, changes at renewal."""

import secrets
from datetime import timedelta

from sqlalchemy import select

from partnerfleet_backend.audit import snapshot
from partnerfleet_backend.catalog import Catalog, load_catalog
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.kit.errors import Conflict, NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.money import div_round_half_up
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.timeutil import add_months, whole_days
from partnerfleet_backend.kit.unique import ensure_unique
from partnerfleet_backend.license.schemas import LicenseCreate, LicenseUpdate, UsageCreate
from partnerfleet_backend.models import Customer, License, UsageReport
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import Charge

KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CHANGEABLE_STATUSES = ("trial", "active", "over_limit", "suspended")


class TrialAlreadyUsed(Conflict):
    code = "trial_already_used"


class LicenseNotActive(Conflict):
    code = "license_not_active"


def new_license_key() -> str:
    """25 random characters (about 125 bits) in five groups: PF-XXXXX-XXXXX-..."""
    chars = "".join(secrets.choice(KEY_ALPHABET) for _ in range(25))
    return "PF-" + "-".join(chars[i : i + 5] for i in range(0, 25, 5))


def get(ctx: Ctx, partner_id: str, license_id: str) -> License:
    lic = ctx.session.get(License, license_id)
    if lic is None or lic.partner_id != partner_id or not lic.managed:
        raise NotFound(f"license {license_id} not found")
    return lic


def prorate(amount_per_term: int, days_left: int, days_in_term: int) -> int:
    """`amount_per_term` x days left / days in the term, rounded half-up once."""
    if days_in_term <= 0 or days_left <= 0:
        return 0
    return div_round_half_up(amount_per_term * days_left, days_in_term)


def _unit(catalog: Catalog, customer: Customer, lic: License, edition: str) -> int:
    return catalog.unit_cents(lic.product, customer.segment, edition, lic.term_months)


def create(ctx: Ctx, partner_id: str, body: LicenseCreate) -> License:
    customer = customers.get(ctx, partner_id, body.customer_id)
    catalog = load_catalog(ctx.session)
    usage_billed = catalog.is_usage_billed(body.product)
    catalog.check_edition(body.product, body.edition)
    catalog.check_term(body.product, body.term_months)
    if not usage_billed and body.seats is None:
        raise ValidationFailed("seats is required for a prepaid license", field="seats")
    ensure_unique(ctx, License.reference, partner_id, body.reference, what="license")
    ensure_unique(ctx, License.client_reference, partner_id, body.client_reference, what="license")
    if body.trial:
        used = ctx.session.scalar(
            select(License.id).where(
                License.customer_id == customer.id,
                License.product == body.product,
                License.trial.is_(True),
            )
        )
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
    unit = _unit(catalog, customer, lic, body.edition)
    if body.trial:
        lic.status = "trial"
        lic.ends_at = ctx.now + timedelta(days=catalog.trial_days)
        lic.monthly_nominal_cents = 0
    elif usage_billed:
        lic.status = "active"
        lic.ends_at = None
        lic.monthly_nominal_cents = 0  # counts its last monthly bill
    else:
        assert body.term_months is not None and body.seats is not None
        lic.status = "active"
        lic.term_anchor_at = ctx.now
        lic.ends_at = add_months(ctx.now, body.term_months)
        lic.monthly_nominal_cents = body.seats * unit
    ctx.session.add(lic)
    ctx.session.flush()
    if lic.status == "active" and not usage_billed:
        assert body.term_months is not None and body.seats is not None
        wallet.charge(
            ctx,
            partner_id,
            body.seats * unit * body.term_months,
            Charge(
                f"{body.product} {body.edition} x {body.seats} for {body.term_months} months",
                "license",
                lic.id,
            ),
        )
    ctx.audit(
        "license.created",
        "license",
        lic.id,
        partner_id=partner_id,
        before=None,
        after=snapshot(lic),
    )
    return lic


def update(ctx: Ctx, partner_id: str, license_id: str, body: LicenseUpdate) -> License:
    """Seats up and edition up now (prorated); down at the next renewal."""
    lic = get(ctx, partner_id, license_id)
    ctx.check_version(lic.version)
    changes = body.model_dump(exclude_unset=True)
    before = snapshot(lic)
    catalog = load_catalog(ctx.session)
    customer = ctx.session.get(Customer, lic.customer_id)
    assert customer is not None
    usage_billed = catalog.is_usage_billed(lic.product)
    if ("seats" in changes or "edition" in changes) and lic.status not in CHANGEABLE_STATUSES:
        raise LicenseNotActive(f"license {lic.id} is {lic.status}; seats and edition are fixed")
    if "reference" in changes:
        ensure_unique(
            ctx, License.reference, partner_id, changes["reference"], own_id=lic.id, what="license"
        )
        lic.reference = changes["reference"]
    if "auto_renew" in changes and changes["auto_renew"] is not None:
        lic.auto_renew = changes["auto_renew"]
    if changes.get("term_months") is not None:
        if usage_billed:
            raise ValidationFailed(
                f"{lic.product} is billed on usage and has no term", field="term_months"
            )
        lic.term_months_next_term = (
            None if changes["term_months"] == lic.term_months else changes["term_months"]
        )
    new_seats = changes.get("seats") or lic.seats
    new_edition = changes.get("edition") or lic.edition
    catalog.check_edition(lic.product, new_edition)
    if usage_billed or lic.status == "trial":
        lic.seats, lic.edition = new_seats, new_edition
    elif "seats" in changes or "edition" in changes:
        # asking for the current value again also withdraws a pending decrease or downgrade
        _change_prepaid(ctx, catalog, customer, lic, new_seats, new_edition)
    if not usage_billed and lic.status != "trial":
        assert lic.seats is not None
        lic.monthly_nominal_cents = lic.seats * _unit(catalog, customer, lic, lic.edition)
    lic.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit(
        "license.updated",
        "license",
        lic.id,
        partner_id=partner_id,
        before=before,
        after=snapshot(lic),
    )
    return lic


def _change_prepaid(
    ctx: Ctx, catalog: Catalog, customer: Customer, lic: License, seats: int | None, edition: str
) -> None:
    assert lic.seats is not None and seats is not None and lic.term_months is not None
    assert lic.ends_at is not None
    old_unit = _unit(catalog, customer, lic, lic.edition)
    new_unit = _unit(catalog, customer, lic, edition)
    if lic.term_months == 1:
        # Monthly licenses change at the next monthly renewal.
        lic.seats_next_term = None if seats == lic.seats else seats
        lic.edition_next_term = None if edition == lic.edition else edition
        return
    seats_now = max(seats, lic.seats)
    edition_now = edition if new_unit >= old_unit else lic.edition
    unit_now = max(new_unit, old_unit)
    lic.seats_next_term = None if seats >= lic.seats else seats
    lic.edition_next_term = None if edition_now == edition else edition
    extra_per_term = (seats_now * unit_now - lic.seats * old_unit) * lic.term_months
    days_in_term = whole_days(lic.starts_at.date(), lic.ends_at.date())
    days_left = whole_days(ctx.now.date(), lic.ends_at.date())
    amount = prorate(extra_per_term, days_left, days_in_term)
    if seats_now != lic.seats or edition_now != lic.edition:
        wallet.charge(
            ctx,
            lic.partner_id,
            amount,
            Charge(
                f"{lic.product}: {lic.seats} {lic.edition} -> {seats_now} {edition_now}, "
                f"{days_left} of {days_in_term} days left",
                "license",
                lic.id,
            ),
        )
    lic.seats, lic.edition = seats_now, edition_now


def cancel(ctx: Ctx, partner_id: str, license_id: str) -> License:
    """Stop the license; a prepaid term is not refunded."""
    lic = get(ctx, partner_id, license_id)
    ctx.check_version(lic.version)
    if lic.status == "cancelled":
        return lic
    before = snapshot(lic)
    lic.status = "cancelled"
    lic.auto_renew = False
    lic.cancelled_at = ctx.now
    lic.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit(
        "license.cancelled",
        "license",
        lic.id,
        partner_id=partner_id,
        before=before,
        after=snapshot(lic),
    )
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
) -> tuple[list[License], str | None]:
    statement = select(License).where(License.partner_id == partner_id, License.managed.is_(True))
    if customer_id is not None:
        statement = statement.where(License.customer_id == customer_id)
    if status is not None:
        statement = statement.where(License.status == status)
    if reference is not None:
        statement = statement.where(License.reference == reference)
    return page_rows(ctx.session, statement, License.id, limit, cursor)


def report_usage(ctx: Ctx, partner_id: str, license_id: str, body: UsageCreate) -> UsageReport:
    """Record the seats the product reports in use."""
    lic = get(ctx, partner_id, license_id)
    at = body.at or ctx.now
    if at.tzinfo is None:
        raise ValidationFailed("at must carry a time zone (RFC 3339)", field="at")
    if at > ctx.now + timedelta(minutes=5):
        raise ValidationFailed("at lies in the future", field="at")
    report = UsageReport(license_id=lic.id, used=body.used, at=at, created_at=ctx.now)
    ctx.session.add(report)
    latest = ctx.session.scalar(
        select(UsageReport.at)
        .where(UsageReport.license_id == lic.id)
        .order_by(UsageReport.at.desc())
        .limit(1)
    )
    if latest is None or at >= latest:
        lic.used_seats = body.used
    ctx.session.flush()
    return report


def validate_key(ctx: Ctx, key: str) -> dict[str, object]:
    """Validity, product, edition, seats and expiry of a key; nothing else."""
    lic = ctx.session.scalar(select(License).where(License.license_key == key))
    usable = (
        lic is not None
        and lic.status in ("trial", "active", "over_limit")
        and (lic.ends_at is None or lic.ends_at > ctx.now)
    )
    if lic is None or not usable:
        return {"valid": False}
    return {
        "valid": True,
        "product": lic.product,
        "edition": lic.edition,
        "seats": lic.seats,
        "expires_at": lic.ends_at,
    }

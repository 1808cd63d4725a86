"""Customer organisations of a partner."""

from typing import Any

from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.customer import repository
from partnerfleet_backend.customer.schemas import CustomerCreate, CustomerUpdate
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.keys.service import customers_of_team
from partnerfleet_backend.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.unique import ensure_unique
from partnerfleet_backend.models import Customer, CustomerStatus, License
from partnerfleet_backend.notification.service import notify
from partnerfleet_backend.partnership import repository as requests


class SegmentLocked(Conflict):
    code = "segment_locked"


class AccessLimited(Forbidden):
    code = "access_limited"


def check_access(customer: Customer, product: str) -> None:
    """With access `limited`, the partner manages only the products the org names."""
    if customer.access == "limited" and product not in (customer.access_products or []):
        raise AccessLimited(
            f"{customer.name} limits your access to "
            f"{', '.join(customer.access_products or []) or 'no product'}: not {product}",
            field="product",
        )


class TeamCustomersOnly(Forbidden):
    code = "team_customers_only"


def check_team(ctx: Ctx, customer: Customer) -> None:
    """Staff rights: a team key changes only the customers it names."""
    names = customers_of_team(ctx)
    if names is not None and customer.id not in names:
        raise TeamCustomersOnly(
            f"this team key does not manage {customer.name}; the partner's admins choose the "
            "customers a team key manages",
            field="customer_id",
        )


def check_access_products(ctx: Ctx, access: str, products: list[str] | None) -> None:
    """Limited access names at least one product of the catalog."""
    if access != "limited":
        return
    known = load_catalog(ctx.session).products
    if not products or any(p not in known for p in products):
        raise ValidationFailed(
            f"limited access names one or more products of {', '.join(sorted(known))}",
            field="access_products",
        )


def get(ctx: Ctx, partner_id: str, customer_id: str) -> Customer:
    """A customer of this partner; another partner's id is 'not found' too."""
    customer = repository.get(ctx.session, customer_id)
    if (
        customer is None
        or customer.partner_id != partner_id
        or customer.status != CustomerStatus.ACTIVE
    ):
        raise NotFound(f"customer {customer_id} not found", field="customer_id")
    return customer


def own_org(ctx: Ctx, customer_id: str) -> Customer:
    """The org as its own people see it: also after its partnership ended (its licenses stay
    with it)."""
    customer = repository.get(ctx.session, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found", field="customer_id")
    return customer


def names_of(ctx: Ctx, partner_id: str, customer_ids: set[str]) -> dict[str, str]:
    """Names of the partner's orgs among `customer_ids`, ended ones too (a user list keeps
    showing whose people they were)."""
    return repository.names_of(ctx.session, partner_id, customer_ids)


def partner_of(ctx: Ctx, customer_id: str, *, ended_too: bool = False) -> str | None:
    """The partner of an active customer org (None: no such org); `ended_too`: of an org
    whose partnership ended as well (as its own people see it)."""
    customer = repository.get(ctx.session, customer_id)
    if customer is None or (customer.status != CustomerStatus.ACTIVE and not ended_too):
        return None
    return customer.partner_id


def licenses_of(ctx: Ctx, customer_id: str) -> list[License]:
    """Every license the org holds."""
    return repository.licenses_of(ctx.session, customer_id)


def find_by_reference(ctx: Ctx, partner_id: str, reference: str) -> Customer | None:
    """The partner's active customer with this `reference`, if any."""
    rows, _ = repository.active_page(ctx.session, partner_id, 1, None, reference)
    return rows[0] if rows else None


def create(ctx: Ctx, partner_id: str, body: CustomerCreate) -> Customer:
    ensure_unique(ctx, Customer.reference, partner_id, body.reference, what="customer")
    check_access_products(ctx, body.access, body.access_products)
    customer = Customer(
        id=new_id("cus"),
        partner_id=partner_id,
        status=CustomerStatus.ACTIVE,
        created_at=ctx.now,
        updated_at=ctx.now,
        **body.model_dump(),
    )
    ctx.session.add(customer)
    ctx.session.flush()
    ctx.audit(
        "customer.created",
        "customer",
        customer.id,
        partner_id=partner_id,
        before=None,
        after=ctx.snapshot(customer),
    )
    return customer


def list_customers(
    ctx: Ctx, partner_id: str, limit: int, cursor: str | None, reference: str | None
) -> tuple[list[Customer], str | None]:
    return repository.active_page(ctx.session, partner_id, limit, cursor, reference)


# The partner's access to an org is the customer's to grant: a partner's key sets it when it
# creates the org, and never changes it afterwards (the customer's admins do, in the portal).
GRANTED_BY_CUSTOMER = ("access", "access_products", "payer")


class AccessGrantedByCustomer(Forbidden):
    code = "access_granted_by_customer"


def partner_settable(changes: dict[str, Any]) -> dict[str, Any]:
    """What a partner may change of an org it manages (not the access the customer grants)."""
    return {k: v for k, v in changes.items() if k not in GRANTED_BY_CUSTOMER}


def update(
    ctx: Ctx, partner_id: str, customer_id: str, body: CustomerUpdate, *, by_customer: bool = False
) -> Customer:
    """Change an org; its access only `by_customer` (the org's admin in the portal)."""
    customer = get(ctx, partner_id, customer_id)
    if not by_customer:
        check_team(ctx, customer)
    ctx.check_version(customer.version)
    changes = body.model_dump(exclude_unset=True)
    granting = [
        k for k in GRANTED_BY_CUSTOMER if k in changes and changes[k] != getattr(customer, k)
    ]
    if granting == ["payer"] and not by_customer:
        raise AccessGrantedByCustomer(
            f"{customer.name} chooses who pays (now: {customer.payer}): only its admins (in the "
            "portal) or the vendor change it; ask them",
            field="payer",
        )
    if granting and not by_customer:
        raise AccessGrantedByCustomer(
            f"{customer.name} grants your access ({customer.access}"
            + (f": {', '.join(customer.access_products or [])}" if customer.access_products else "")
            + "): only its admins (in the portal) or the vendor change it; ask them",
            field=granting[0],
        )
    if "access" in changes or "access_products" in changes:
        check_access_products(
            ctx,
            changes.get("access", customer.access),
            changes.get("access_products", customer.access_products),
        )
    if changes.get("reference") is not None:
        ensure_unique(
            ctx,
            Customer.reference,
            partner_id,
            changes["reference"],
            own_id=customer.id,
            what="customer",
        )
    if (
        "segment" in changes
        and changes["segment"] != customer.segment
        and repository.has_licenses_in_force(ctx.session, customer.id)
    ):
        raise SegmentLocked(
            "the segment sets license prices; it cannot change while licenses are active",
            field="segment",
        )
    if changes.get("payer") is None:
        changes.pop("payer", None)
    paid_by = customer.pays
    before = ctx.snapshot(customer)
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.updated_at = ctx.now
    ctx.session.flush()
    if customer.pays != paid_by:
        _tell_payer_changed(ctx, customer)
    ctx.audit(
        "customer.updated",
        "customer",
        customer.id,
        partner_id=partner_id,
        before=before,
        after=ctx.snapshot(customer),
    )
    return customer


def _tell_payer_changed(ctx: Ctx, customer: Customer) -> None:
    """The partner is told when the customer changes who pays (from the next order on)."""
    who = (
        "its own means (invoiced; you earn cashback)"
        if customer.pays == "customer"
        else ("your means (your wallet)")
    )
    notify(
        ctx,
        customer.partner_id,
        "customer.payer_changed",
        f"{customer.name} now pays with {who}, from its next order or renewal",
        dedupe_key=f"payer:{customer.id}:{customer.version}",
        data={"customer_id": customer.id, "pays": customer.pays},
    )


def end(ctx: Ctx, partner_id: str, customer_id: str, *, by_customer: bool = False) -> Customer:
    """End the relationship (either side: the partner, or `by_customer`, the org's admin);
    the customer's licenses stay with it, unmanaged (no renewals); the other side is told."""
    customer = get(ctx, partner_id, customer_id)
    if not by_customer:
        check_team(ctx, customer)
    ctx.check_version(customer.version)
    before = ctx.snapshot(customer)
    customer.status = CustomerStatus.ENDED
    customer.ended_at = ctx.now
    customer.updated_at = ctx.now
    for lic in repository.licenses_of(ctx.session, customer.id):
        lic.managed = False
        lic.auto_renew = False
    requests.withdraw_pending(ctx.session, customer.id, ctx.now)  # a partner's ask ends too
    ctx.session.flush()
    if by_customer:
        notify(
            ctx,
            partner_id,
            "customer.partnership_ended",
            f"{customer.name} ended your partnership: its licenses stay with it, unmanaged",
            dedupe_key=f"ended:{customer.id}:{customer.version}",
            data={"customer_id": customer.id},
        )
    else:
        notify(
            ctx,
            partner_id,
            "customer_partnership_ended",
            f"to {customer.contact_email}: your partner ended the partnership with "
            f"{customer.name}; your licenses stay with you and are no longer renewed by it",
            dedupe_key=f"ended-customer:{customer.id}:{customer.version}",
            data={"customer_id": customer.id, "to": customer.contact_email},
        )
    ctx.audit(
        "customer.ended",
        "customer",
        customer.id,
        partner_id=partner_id,
        before=before,
        after=ctx.snapshot(customer),
    )
    return customer


def join(
    ctx: Ctx,
    org: Customer,
    partner_id: str,
    access: str,
    access_products: list[str] | None,
    payer: str,
) -> Customer:
    """An org with its own account joins the partner that accepted its invitation: the org and
    its licenses are the partner's to manage, with the access and the payer the org chose.
    Renewal stays off until the partner turns it on; references the last partner gave are
    dropped (they were that partner's names)."""
    before = ctx.snapshot(org)
    if org.partner_id != partner_id:
        org.partner_id, org.reference = partner_id, None
    org.status, org.ended_at, org.updated_at = CustomerStatus.ACTIVE, None, ctx.now
    org.access, org.access_products, org.payer = access, access_products, payer
    for lic in repository.licenses_of(ctx.session, org.id):
        if lic.partner_id != partner_id:
            lic.partner_id, lic.reference, lic.client_reference = partner_id, None, None
        lic.managed = True
    ctx.session.flush()
    ctx.audit(
        "customer.joined",
        "customer",
        org.id,
        partner_id=partner_id,
        before=before,
        after=ctx.snapshot(org),
    )
    return org

"""The partner directory (SPEC: Directory and tenders): a partner's entry, edited by the
partner (API, portal, its Pulumi `Partner`), shown to anyone once the partner listed it and the
operator approved it (the company registration and the website checked). A change of the
website or the registration number waits for the operator again. Public views carry nothing
private: no email, no money, no customer."""

from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.directory import repository
from partnerfleet_backend.directory.schemas import (
    DirectoryRead,
    DirectoryUpdate,
    PublicPartner,
)
from partnerfleet_backend.kit.errors import NotFound, ValidationFailed
from partnerfleet_backend.models import Approval, DirectoryEntry, Partner, PartnerStatus
from partnerfleet_backend.partner import service as partners

CHECKED = ("website", "registration_number")  # what the operator checks before approving


def page_of(ctx: Ctx, partner_id: str) -> str:
    return f"{ctx.settings.public_url.rstrip('/')}/directory/{partner_id}"


def view(entry: DirectoryEntry, partner: Partner) -> DirectoryRead:
    return DirectoryRead(
        partner_id=entry.partner_id,
        listed=entry.listed,
        approval=entry.approval,
        public=is_public(entry, partner),
        country=entry.country,
        languages=list(entry.languages),
        services=list(entry.services),
        products=list(entry.products),
        website=entry.website,
        registration_number=entry.registration_number,
        description=entry.description,
        receives_tenders=entry.receives_tenders,
        tender_countries=list(entry.tender_countries or []),
        tender_products=list(entry.tender_products or []),
        tender_services=list(entry.tender_services or []),
        approved_at=entry.approved_at,
        updated_at=entry.updated_at,
    )


def is_public(entry: DirectoryEntry, partner: Partner) -> bool:
    return (
        entry.listed
        and entry.approval == Approval.APPROVED.value
        and partner.status == PartnerStatus.ACTIVE
    )


def public_view(ctx: Ctx, entry: DirectoryEntry, partner: Partner) -> PublicPartner:
    return PublicPartner(
        partner_id=partner.id,
        name=partner.name,
        level=partner.level,
        country=entry.country,
        languages=list(entry.languages),
        services=list(entry.services),
        products=list(entry.products),
        website=entry.website,
        description=entry.description,
        page=page_of(ctx, partner.id),
    )


def own(ctx: Ctx, partner_id: str) -> DirectoryRead:
    entry = ctx.session.get(DirectoryEntry, partner_id)
    if entry is None:
        raise NotFound("no directory entry yet: PUT /v1/me/directory makes one")
    return view(entry, partners.get(ctx, partner_id))


def put(ctx: Ctx, partner_id: str, body: DirectoryUpdate) -> DirectoryRead:
    """Make or change the partner's entry; the operator checks it again when the website or
    the registration number changed (audited)."""
    partner = partners.get(ctx, partner_id)
    products = set(load_catalog(ctx.session).products)
    for field, names in (("products", body.products), ("tender_products", body.tender_products)):
        unknown = sorted(set(names) - products)
        if unknown:
            raise ValidationFailed(f"not in the catalog: {', '.join(unknown)}", field=field)
    entry = ctx.session.get(DirectoryEntry, partner_id)
    before = view(entry, partner).model_dump(mode="json") if entry else None
    values = body.model_dump()
    if entry is None:
        entry = DirectoryEntry(partner_id=partner_id, approval=Approval.PENDING.value)
        ctx.session.add(entry)
    elif any(getattr(entry, name) != values[name] for name in CHECKED):
        entry.approval, entry.approved_at = Approval.PENDING.value, None
    for name, value in values.items():
        setattr(entry, name, sorted(set(value)) if isinstance(value, list) else value)
    entry.updated_at = ctx.now
    ctx.session.flush()
    after = view(entry, partner)
    ctx.audit(
        "directory.entry_changed",
        "directory_entry",
        partner_id,
        partner_id=partner_id,
        before=before,
        after=after.model_dump(mode="json"),
    )
    return after


def set_approval(ctx: Ctx, partner_id: str, approval: str) -> DirectoryRead:
    """The operator approves an entry (registration and website checked) or hides it."""
    partner = partners.get(ctx, partner_id)
    entry = ctx.session.get(DirectoryEntry, partner_id, with_for_update=True)
    if entry is None:
        raise NotFound(f"partner {partner_id} has no directory entry")
    before = entry.approval
    entry.approval = approval
    entry.approved_at = ctx.now if approval == Approval.APPROVED.value else entry.approved_at
    ctx.audit(
        f"directory.entry_{approval}",
        "directory_entry",
        partner_id,
        partner_id=partner_id,
        before={"approval": before},
        after={"approval": approval},
    )
    return view(entry, partner)


def remove(ctx: Ctx, partner_id: str) -> None:
    """The operator removes an entry (the partner may make a new one, checked again)."""
    entry = ctx.session.get(DirectoryEntry, partner_id, with_for_update=True)
    if entry is None:
        raise NotFound(f"partner {partner_id} has no directory entry")
    ctx.session.delete(entry)
    ctx.audit(
        "directory.entry_removed",
        "directory_entry",
        partner_id,
        partner_id=partner_id,
        before={"approval": entry.approval, "listed": entry.listed},
        after=None,
    )


def search(
    ctx: Ctx, country: str | None, product: str | None, service: str | None
) -> list[PublicPartner]:
    """The public directory, narrowed by country, product and service."""
    found = []
    for entry, partner in repository.public_entries(ctx.session):
        if country and entry.country != country:
            continue
        if product and product not in entry.products:
            continue
        if service and service not in entry.services:
            continue
        found.append(public_view(ctx, entry, partner))
    return found


def public_one(ctx: Ctx, partner_id: str) -> PublicPartner:
    entry = ctx.session.get(DirectoryEntry, partner_id)
    partner = ctx.session.get(Partner, partner_id)
    if entry is None or partner is None or not is_public(entry, partner):
        raise NotFound("no such partner in the directory")
    return public_view(ctx, entry, partner)

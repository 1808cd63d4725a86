"""The second way into a partnership (SPEC: Partnerships and who pays): an org with its own
account and no partner (its people sign in; its last partnership ended) invites a partner,
found by its name or billing email, with the access and the payer the org chooses. The
partner's admins accept or decline from the mailed link; until then the org's admin may resend
the invitation (at most once an hour) or withdraw it. Accepted, the org and its licenses are
the partner's to manage again (renewal stays off until the partner turns it on)."""

from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.mail.service import queue
from partnerfleet_backend.models import Customer, CustomerStatus, PartnerInvitation, RequestStatus
from partnerfleet_backend.notification.service import notify
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partnership import repository
from partnerfleet_backend.partnership.service import RequestSettled, count_resend, described


class OrgHasPartner(Conflict):
    code = "org_has_partner"


def invite(
    ctx: Ctx,
    customer_id: str,
    invited_by: str,
    partner: str,
    access: str,
    access_products: list[str] | None,
    payer: str,
) -> PartnerInvitation:
    """The org's admin invites a partner (`partner`: its name or billing email)."""
    org = customers.own_org(ctx, customer_id)
    if org.status == CustomerStatus.ACTIVE:
        raise OrgHasPartner(
            f"{org.name} has a partner; end that partnership before inviting another",
            field="partner",
        )
    found = repository.partner_named(ctx.session, partner) if partner.strip() else None
    if found is None:
        raise ValidationFailed(
            "no partner has that name or billing email; ask your partner for the exact one",
            field="partner",
        )
    if access not in ("full", "limited"):
        raise ValidationFailed("access is full or limited", field="access")
    if payer not in ("partner", "customer"):
        raise ValidationFailed("payer is partner or customer", field="payer")
    customers.check_access_products(ctx, access, access_products)
    row = PartnerInvitation(
        id=new_id("pinv"),
        customer_id=org.id,
        partner_id=found.id,
        access=access,
        access_products=sorted(access_products or []) if access == "limited" else None,
        payer=payer if access == "full" else "customer",
        invited_by=invited_by,
        status=RequestStatus.PENDING,
        created_at=ctx.now,
        sent_at=ctx.now,
        sends=1,
    )
    ctx.session.add(row)
    ctx.session.flush()  # the one-pending index decides here when two race
    _mail(ctx, org, row)
    ctx.audit(
        "partnership.invited",
        "partner_invitation",
        row.id,
        partner_id=found.id,
        before=None,
        after=ctx.snapshot(row),
    )
    return row


def _mail(ctx: Ctx, org: Customer, row: PartnerInvitation) -> None:
    partner = partners.get(ctx, row.partner_id)
    link = f"{ctx.settings.public_url.rstrip('/')}/portal/p/{row.partner_id}/invitations"
    pays = "you pay from your wallet" if row.payer == "partner" else "it pays, invoiced"
    text = (
        f"{org.name} ({org.country}) invites you to manage its licenses as its partner, with "
        f"{described(row.access, row.access_products)}; {pays}."
    )
    notify(
        ctx,
        row.partner_id,
        "customer.invited_you",
        text,
        dedupe_key=f"invited:{row.id}:{row.sends}",
        data={"invitation_id": row.id, "customer_id": org.id},
    )
    queue(
        ctx,
        partner_id=row.partner_id,
        kind="partner_invitation",
        to=partner.billing_email,
        subject=f"{org.name} invites you to be its partner",
        body=f"{text}\n\nYour admins accept or decline it, signed in: {link}\n",
        dedupe_key=f"partner-invitation:{row.id}:{row.sends}",
    )


def _pending_of_org(ctx: Ctx, customer_id: str, invitation_id: str) -> PartnerInvitation:
    row = repository.invitation(ctx.session, invitation_id)
    if row is None or row.customer_id != customer_id:
        raise NotFound(f"invitation {invitation_id} not found")
    if row.status != RequestStatus.PENDING:
        raise RequestSettled(f"invitation {invitation_id} is {row.status}")
    return row


def resend(ctx: Ctx, customer_id: str, invitation_id: str) -> PartnerInvitation:
    """Mail a pending invitation again (at most once an hour)."""
    row = _pending_of_org(ctx, customer_id, invitation_id)
    count_resend(ctx, row)
    _mail(ctx, customers.own_org(ctx, customer_id), row)
    return row


def withdraw(ctx: Ctx, customer_id: str, invitation_id: str) -> PartnerInvitation:
    row = _pending_of_org(ctx, customer_id, invitation_id)
    return _settle(ctx, row, RequestStatus.WITHDRAWN)


def _settle(ctx: Ctx, row: PartnerInvitation, to: RequestStatus) -> PartnerInvitation:
    if not repository.settle(ctx.session, row.id, to, ctx.now, table=PartnerInvitation):
        raise RequestSettled(f"invitation {row.id} was answered or withdrawn meanwhile")
    ctx.session.refresh(row)
    ctx.audit(
        f"partnership.invitation_{to.value}",
        "partner_invitation",
        row.id,
        partner_id=row.partner_id,
        before={"status": RequestStatus.PENDING.value},
        after={"status": row.status},
    )
    return row


def pending_of(ctx: Ctx, customer_id: str) -> PartnerInvitation | None:
    return repository.pending_invitation_of(ctx.session, customer_id)


def waiting_for(ctx: Ctx, partner_id: str) -> list[tuple[PartnerInvitation, Customer]]:
    """The invitations this partner has to answer, with their orgs."""
    return [
        (row, customers.own_org(ctx, row.customer_id))
        for row in repository.invitations_to(ctx.session, partner_id)
    ]


def answer(ctx: Ctx, partner_id: str, invitation_id: str, accept: bool) -> PartnerInvitation:
    """The partner's admin accepts (the org and its licenses become its to manage, with the
    access and the payer the org chose) or declines; the org is told either way."""
    row = repository.invitation(ctx.session, invitation_id)
    if row is None or row.partner_id != partner_id:
        raise NotFound(f"invitation {invitation_id} not found")
    if row.status != RequestStatus.PENDING:
        raise RequestSettled(f"invitation {invitation_id} is {row.status}")
    org = customers.own_org(ctx, row.customer_id)
    if accept and org.status == CustomerStatus.ACTIVE:  # it found another partner meanwhile
        raise OrgHasPartner(f"{org.name} has a partner now")
    row = _settle(ctx, row, RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED)
    if accept:
        customers.join(ctx, org, partner_id, row.access, row.access_products, row.payer)
    name = partners.get(ctx, partner_id).name
    queue(
        ctx,
        partner_id=partner_id,
        kind="invitation_answered",
        to=org.contact_email,
        subject=f"{name} {'accepted' if accept else 'declined'} your invitation",
        body=(
            f"{name} is your partner now, with {described(row.access, row.access_products)}."
            if accept
            else f"{name} declined your invitation to manage {org.name}."
        )
        + "\n",
        dedupe_key=f"invitation-answer:{row.id}",
    )
    return row

"""What the portal's pages gather from the domains' services (the same figures the API
answers): the customer's page, the partner's users, the tables."""

from typing import Any

from partnerfleet_backend.accounts import repository as accounts
from partnerfleet_backend.accounts.service import invite as invite_user
from partnerfleet_backend.billing import service as billing
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.mail import service as mail
from partnerfleet_backend.models import SECRET_MARK
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.overview.service import branding
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partnership import service as partnership
from partnerfleet_backend.portal.schemas import InvitationForm
from partnerfleet_backend.settings import Settings


def vendor(settings: Settings) -> dict[str, str]:
    return {
        "name": settings.vendor_name,
        "phone": settings.vendor_support_phone,
        "email": settings.vendor_support_email,
        "hours": settings.vendor_support_hours,
    }


def customer_page(
    ctx: Ctx, partner_id: str, customer_id: str, *, with_invoices: bool = False, own: bool = False
) -> dict[str, Any]:
    """An org's licenses and who supports it: the partner's contact when the partner
    supports, the vendor's otherwise; the partner's name and logo with white label; its
    invoices `with_invoices` (for its own admins and the operator, never the partner). Its
    `own` people see it after the partnership ended too."""
    customer = (
        customers.own_org(ctx, customer_id) if own else customers.get(ctx, partner_id, customer_id)
    )
    partner = partners.get(ctx, partner_id)
    contact = partner.support_contact or {}
    support = (
        # the vendor's line for partners of its level stays behind the partner
        {"name": partner.name, **contact, "vendor_line": LEVELS[partner.level].support_phone}
        if customer.support_by == "partner"
        else vendor(ctx.settings)
    )
    return {
        "c": customer,
        "licenses": customers.licenses_of(ctx, customer_id),
        "invoices": billing.of_customer(ctx, customer_id, 50) if with_invoices else None,
        "access_request": partnership.pending_of(ctx, customer_id) if own else None,
        "brand": branding(ctx, partner),
        "vendor": vendor(ctx.settings),
        "support": support,
    }


def users_of(ctx: Ctx, partner_id: str) -> list[dict[str, Any]]:
    """The partner's users and its customers' users (an ended org's too: its name is kept),
    with whether they may sign in and how many sessions they have open."""
    people = accounts.users_of_partner(ctx.session, partner_id)
    orgs = {u.customer_id for u in people if u.customer_id is not None}
    names = customers.names_of(ctx, partner_id, orgs)
    sessions = accounts.session_counts(ctx.session, [u.id for u in people], utcnow())
    return [
        {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "kind": user.kind,
            "of": "partner"
            if user.customer_id is None
            else names.get(user.customer_id, user.customer_id),
            "disabled": user.disabled_at is not None,
            "second_factor": user.totp_enabled_at is not None,
            "sessions": sessions.get(user.id, 0),
        }
        for user in people
    ]


def invite(
    ctx: Ctx,
    by_user_id: str,
    partner_id: str,
    form: InvitationForm,
    *,
    role: str,
    kind: str,
    customer_id: str | None,
) -> None:
    """An invitation for a partner user or a user of one of the partner's customer orgs: the
    link goes to the invited mailbox only (never to the page), and the answer is the same
    whether or not the address has an account (that is decided when the link is used)."""
    by = accounts.get_user(ctx.session, by_user_id)
    assert by is not None
    if customer_id is not None:
        customers.get(ctx, partner_id, customer_id)  # one of this partner's orgs
    invitation, token = invite_user(
        ctx.session,
        by=by,
        email=form.email,
        role=role,
        kind=kind,
        partner_id=partner_id,
        customer_id=customer_id,
    )
    partner = partners.get(ctx, partner_id)
    named = form.name.strip() or invitation.email
    mail.queue(
        ctx,
        partner_id=partner_id,
        kind="invitation",
        to=invitation.email,
        subject=f"{partner.name} invites you to partnerfleet",
        body=f"Hello,\n\n{partner.name} invites you to its partner portal as "
        f"{role.replace('_', '-')}. Set your password here (valid 7 days):\n\n{SECRET_MARK}"
        f"\n\nThe invitation names you as: {named}\n",
        secret=f"{ctx.settings.public_url.rstrip('/')}/portal/invitations/{token}",
    )
    ctx.audit(
        "user.invited",
        "invitation",
        invitation.id[:40],
        partner_id=partner_id,
        before=None,
        after={"email": invitation.email, "role": role, "kind": kind, "customer_id": customer_id},
    )


def requires_second_factor(ctx: Ctx, partner_id: str) -> bool:
    """Whether the partner's admin asks a second factor of all its people."""
    return accounts.requires_second_factor(ctx.session, partner_id)

"""What the portal's pages gather from the domains' services (the same figures the API
answers): the customer's page, the partner's users, the tables."""

from typing import Any

from partnerfleet_backend.accounts import repository as accounts
from partnerfleet_backend.accounts.service import invite as invite_user
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.mail import service as mail
from partnerfleet_backend.overview.service import branding
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.settings import Settings


def vendor(settings: Settings) -> dict[str, str]:
    return {
        "name": settings.vendor_name,
        "phone": settings.vendor_support_phone,
        "email": settings.vendor_support_email,
        "hours": settings.vendor_support_hours,
    }


def customer_page(ctx: Ctx, partner_id: str, customer_id: str) -> dict[str, Any]:
    """An org's licenses and who supports it: the partner's contact when the partner
    supports, the vendor's otherwise; the partner's name and logo with white label."""
    customer = customers.get(ctx, partner_id, customer_id)
    partner = partners.get(ctx, partner_id)
    contact = partner.support_contact or {}
    support = (
        {"name": partner.name, **contact}
        if customer.support_by == "partner"
        else vendor(ctx.settings)
    )
    return {
        "c": customer,
        "licenses": customers.licenses_of(ctx, customer_id),
        "brand": branding(ctx, partner),
        "vendor": vendor(ctx.settings),
        "support": support,
    }


def users_of(ctx: Ctx, partner_id: str) -> list[dict[str, str]]:
    """The partner's users and its customers' users."""
    names: dict[str, str] = {}
    rows = []
    for user in accounts.users_of_partner(ctx.session, partner_id):
        of = "partner"
        if user.customer_id is not None:
            if user.customer_id not in names:
                names[user.customer_id] = customers.get(ctx, partner_id, user.customer_id).name
            of = names[user.customer_id]
        rows.append({"name": user.name, "email": user.email, "role": user.role, "of": of})
    return rows


def invite(
    ctx: Ctx,
    by_user_id: str,
    partner_id: str,
    *,
    email: str,
    name: str,
    role: str,
    kind: str,
    customer_id: str | None,
) -> str:
    """An invitation link (also queued as an email) for a partner user or a user of one of
    the partner's customer orgs."""
    by = accounts.get_user(ctx.session, by_user_id)
    assert by is not None
    if customer_id is not None:
        customers.get(ctx, partner_id, customer_id)  # one of this partner's orgs
    _, token = invite_user(
        ctx.session,
        by=by,
        email=email,
        role=role,
        kind=kind,
        partner_id=partner_id,
        customer_id=customer_id,
    )
    link = f"{ctx.settings.public_url.rstrip('/')}/portal/invitations/{token}"
    partner = partners.get(ctx, partner_id)
    mail.queue(
        ctx,
        partner_id=partner_id,
        kind="invitation",
        to=email,
        subject=f"{partner.name} invites you to partnerfleet",
        body=f"Hello {name or email},\n\n{partner.name} invites you to its partner portal "
        f"as {role.replace('_', '-')}. Set your password here (valid 7 days):\n\n{link}\n",
    )
    return link

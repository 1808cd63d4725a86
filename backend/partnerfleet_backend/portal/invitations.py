"""The second way into a partnership in the portal: an org's admin (an org with its own
account and no partner) invites a partner, resends or withdraws the invitation; the partner's
admins accept or decline it on their invitations page."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.kit.errors import Forbidden, ServiceError
from partnerfleet_backend.models import CustomerStatus, PartnerInvitation
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partnership import invitations
from partnerfleet_backend.partnership.service import described
from partnerfleet_backend.portal.endpoints import Field, access_fields, customer_scope
from partnerfleet_backend.portal.web import Portal, SignedIn, day

router = APIRouter(include_in_schema=False)
PAYERS = [("partner", "the partner (its wallet)"), ("customer", "we do (invoiced)")]


def _org_admin(portal: Portal, customer_id: str) -> bool:
    customer_scope(portal, customer_id)  # 404 for anyone else
    user = portal.user
    return user.kind == "customer" and user.customer_id == customer_id and user.role == "admin"


@router.get("/portal/c/{customer_id}/partner")
def invite_form(customer_id: str, portal: SignedIn) -> HTMLResponse:
    """The org's partner, or (without one) the invitation of a partner."""
    admin = _org_admin(portal, customer_id)
    return _page(portal, customer_id, admin)


@router.post("/portal/c/{customer_id}/partner")
def invite(
    customer_id: str,
    portal: SignedIn,
    decision: Field = "invite",
    partner: Field = "",
    access: Field = "full",
    access_products: Field = "",
    payer: Field = "partner",
    csrf_token: Field = "",
) -> HTMLResponse:
    """Invite a partner (by its name or billing email), or resend or withdraw the pending
    invitation."""
    portal.check_csrf(csrf_token)
    if not _org_admin(portal, customer_id):
        raise Forbidden("only the organisation's admins invite a partner")
    user_id = portal.user.id
    products = [p.strip() for p in access_products.split(",") if p.strip()] or None
    try:
        if decision == "invite":
            portal.write(
                lambda ctx: invitations.invite(
                    ctx, customer_id, user_id, partner, access, products, payer
                )
            )
            notice = "Invitation sent. The partner's admins accept or decline it."
        elif decision in ("resend", "withdraw"):
            pending = portal.read(lambda ctx: invitations.pending_of(ctx, customer_id))
            if pending is None:
                raise ValueError("no invitation waits")
            act = invitations.resend if decision == "resend" else invitations.withdraw
            portal.write(lambda ctx: act(ctx, customer_id, pending.id))
            notice = "Invitation sent again." if decision == "resend" else "Invitation withdrawn."
        else:
            raise ValueError("decision: invite, resend or withdraw")
    except (ServiceError, ValueError) as refused:
        detail = refused.detail if isinstance(refused, ServiceError) else str(refused)
        status = refused.status if isinstance(refused, ServiceError) else 422
        return _page(portal, customer_id, True, status, error=detail)
    return _page(portal, customer_id, True, notice=notice)


def _page(
    portal: Portal,
    customer_id: str,
    admin: bool,
    status: int = 200,
    *,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    def look(ctx: Any) -> tuple[Any, PartnerInvitation | None, str]:
        org = customers.own_org(ctx, customer_id)
        pending = invitations.pending_of(ctx, customer_id)
        partner_id = pending.partner_id if pending else org.partner_id
        return org, pending, partners.get(ctx, partner_id).name

    org, pending, name = portal.read(look)
    common: dict[str, Any] = {"status_code": status, "error": error, "notice": notice}
    if org.status == CustomerStatus.ACTIVE:
        return portal.render(
            "form.html",
            heading="Your partner",
            intro=f"{name} manages your licenses. To change partners, end this partnership "
            "first; then invite another.",
            **common,
        )
    if pending is not None:
        row = {
            "id": pending.id,
            "who": name,
            "access": described(pending.access, pending.access_products),
            "payer": pending.payer,
            "sent": f"{day(pending.sent_at)} ({pending.sends}x)",
            "action_url": f"/portal/c/{customer_id}/partner",
            "actions": [("resend", "Send again"), ("withdraw", "Withdraw")],
        }
        return portal.render(
            "invitations.html",
            heading="Invite a partner",
            intro=f"Your invitation to {name} waits for its answer.",
            invitations=[row],
            answering=admin,
            list_heading="Waiting for an answer",
            who_heading="Partner",
            **common,
        )
    return portal.render(
        "form.html",
        heading="Invite a partner",
        intro="Your organisation has no partner. Invite one by its exact name or billing email, "
        "with the access you grant and who pays; its admins accept or decline.",
        editable=admin,
        submit="Invite",
        fields=[
            {"name": "partner", "label": "Partner (name or billing email)", "value": ""},
            *access_fields("Access you grant", "full", None),
            {"name": "payer", "label": "Who pays (full access)", "value": "partner"}
            | {"choices": PAYERS},
        ],
        **common,
    )


@router.get("/portal/p/{partner_id}/invitations")
def partner_invitations(partner_id: str, portal: SignedIn) -> HTMLResponse:
    """The orgs that invite this partner, for its admins to accept or decline."""
    portal.partner(partner_id)
    return _partner_page(portal, partner_id)


@router.post("/portal/p/{partner_id}/invitations/{invitation_id}")
def answer_invitation(
    partner_id: str,
    invitation_id: str,
    portal: SignedIn,
    decision: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    """Accept (the org and its licenses become this partner's to manage) or decline."""
    portal.check_csrf(csrf_token)
    portal.partner(partner_id)
    if portal.user.kind != "partner" or portal.user.role != "admin":
        raise Forbidden("only the partner's admins accept customers")
    portal.refuse_if_suspended(taking_back=decision == "decline")
    if decision not in ("accept", "decline"):
        return _partner_page(portal, partner_id, 422, error="decision: accept or decline")
    try:
        done = portal.write(
            lambda ctx: invitations.answer(ctx, partner_id, invitation_id, decision == "accept")
        )
    except ServiceError as refused:
        return _partner_page(portal, partner_id, refused.status, error=refused.detail)
    return _partner_page(portal, partner_id, notice=f"Invitation {done.status}; the org is told.")


def _partner_page(
    portal: Portal,
    partner_id: str,
    status: int = 200,
    *,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    waiting = portal.read(lambda ctx: invitations.waiting_for(ctx, partner_id))
    rows = [
        {
            "id": row.id,
            "who": f"{org.name} ({org.country}, {org.contact_email})",
            "access": described(row.access, row.access_products),
            "payer": row.payer,
            "sent": day(row.sent_at),
            "action_url": f"/portal/p/{partner_id}/invitations/{row.id}",
            "actions": [("accept", "Accept"), ("decline", "Decline")],
        }
        for row, org in waiting
    ]
    return portal.render(
        "invitations.html",
        status_code=status,
        heading="Invitations",
        intro=None if rows else "No organisation invites you now.",
        error=error,
        notice=notice,
        pid=partner_id,
        invitations=rows,
        answering=portal.user.kind == "partner" and portal.user.role == "admin",
        list_heading="Organisations that invite you to be their partner",
        who_heading="Organisation",
    )

"""The partnership in the portal: the org's admins answer their partner's request for
access; either side's admin ends the partnership, confirmed with its password."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from partnerfleet_backend.accounts.confirm import PasswordNotConfirmed, confirm_password
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.customer.schemas import CustomerUpdate
from partnerfleet_backend.kit.errors import Forbidden, NotFound, ServiceError
from partnerfleet_backend.models import AccessRequest
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partnership import service as partnership
from partnerfleet_backend.portal.endpoints import Field, access_fields, customer_scope
from partnerfleet_backend.portal.web import Portal, SignedIn

router = APIRouter(include_in_schema=False)


@router.get("/portal/c/{customer_id}/end")
def end_partnership_form(customer_id: str, portal: SignedIn) -> HTMLResponse:
    """The customer's admin, or the partner's, ends the partnership (with its password)."""
    customer_scope(portal, customer_id)
    return _end_form(portal, ending_side(portal) is not None)


@router.post("/portal/c/{customer_id}/end")
def end_partnership(
    customer_id: str, portal: SignedIn, password: Field = "", csrf_token: Field = ""
) -> HTMLResponse:
    """End the partnership, confirmed with the signed-in person's password: the customer's
    licenses stay with it, unmanaged, and the other side is told."""
    portal.check_csrf(csrf_token)
    partner_id = customer_scope(portal, customer_id)
    side = ending_side(portal)
    if side is None:
        raise Forbidden("only the organisation's admins or its partner's admins end it")
    try:
        confirm_password(portal.settings, portal.user.id, password)
    except PasswordNotConfirmed as refused:
        return _end_form(portal, True, 403, error=refused.detail)
    portal.write(
        lambda ctx: customers.end(ctx, partner_id, customer_id, by_customer=side == "customer")
    )
    return portal.render(
        "form.html",
        heading="The partnership ended",
        intro="The licenses stay with the organisation, no longer managed nor renewed by the "
        "partner; the other side is told.",
    )


def ending_side(portal: Portal) -> str | None:
    """Who may end a partnership: the org's admins ("customer") or its partner's admins
    ("partner")."""
    user = portal.user
    if user.role != "admin" or user.kind not in ("customer", "partner"):
        return None
    return str(user.kind)


def _end_form(
    portal: Portal, editable: bool, status: int = 200, error: str | None = None
) -> HTMLResponse:
    return portal.render(
        "form.html",
        status_code=status,
        heading="End the partnership",
        intro="The organisation keeps its licenses; the partner no longer manages nor renews "
        "them. Confirm with your password.",
        editable=editable,
        error=error,
        submit="End the partnership",
        fields=[{"name": "password", "label": "Your password", "type": "password", "value": ""}],
    )


@router.get("/portal/c/{customer_id}/access")
def access_request_form(customer_id: str, portal: SignedIn) -> HTMLResponse:
    """The partner's pending request for access, for the org's admins to answer."""
    partner_id = customer_scope(portal, customer_id)
    pending = portal.read(lambda ctx: partnership.pending_of(ctx, customer_id))
    if pending is None:
        return portal.render(
            "form.html", heading="Your partner's access", intro="No request waits for you."
        )
    return _access_form(portal, partner_id, customer_id, pending)


@router.post("/portal/c/{customer_id}/access")
def answer_access_request(
    customer_id: str,
    portal: SignedIn,
    decision: Field = "",
    access: Field = "",
    access_products: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    """The org's admin grants the access it chooses (as asked, or other) or declines."""
    portal.check_csrf(csrf_token)
    partner_id = customer_scope(portal, customer_id)
    if portal.user.kind != "customer" or portal.user.role != "admin":
        raise Forbidden("only the organisation's admins answer its partner's requests")
    pending = portal.read(lambda ctx: partnership.pending_of(ctx, customer_id))
    if pending is None:
        raise NotFound("no request waits for an answer")
    products = [p.strip() for p in access_products.split(",") if p.strip()] or None
    try:
        if decision not in ("grant", "decline"):
            raise ValueError("decision: grant or decline")
        grant = (
            CustomerUpdate.model_validate({"access": access, "access_products": products})
            if decision == "grant"
            else None
        )
        done = portal.write(
            lambda ctx: partnership.answer(ctx, partner_id, customer_id, pending.id, grant)
        )
    except (ServiceError, ValueError) as refused:
        detail = refused.detail if isinstance(refused, ServiceError) else str(refused)
        return _access_form(portal, partner_id, customer_id, pending, 422, error=detail)
    return portal.render(
        "form.html",
        heading="Your partner's access",
        notice=f"Request {done.status}. Your partner is told.",
    )


def _access_form(
    portal: Portal,
    partner_id: str,
    customer_id: str,
    pending: AccessRequest,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    partner_name = portal.read(lambda ctx: partners.get(ctx, partner_id).name)
    asked = (
        "full access"
        if pending.access == "full"
        else "access to " + ", ".join(pending.access_products or [])
    )
    note = f' Their note: "{pending.note}"' if pending.note else ""
    return portal.render(
        "form.html",
        status_code=status,
        heading="Your partner's access",
        intro=f"{partner_name} asks for {asked}.{note} Grant it as asked, grant other access, "
        "or decline.",
        editable=portal.user.kind == "customer" and portal.user.role == "admin",
        error=error,
        submit="Answer",
        fields=[
            {
                "name": "decision",
                "label": "Your answer",
                "value": "grant",
                "choices": [("grant", "grant this access"), ("decline", "decline")],
            },
            *access_fields("Access you grant", pending.access, pending.access_products),
        ],
    )

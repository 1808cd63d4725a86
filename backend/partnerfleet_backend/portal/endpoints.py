"""The portal's doors: signing in and out, invitations, where each person lands, the
operator's list of partners, and a customer org's own page and settings."""

import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from partnerfleet_backend.accounts import service as accounts
from partnerfleet_backend.accounts import sessions
from partnerfleet_backend.accounts.sessions import Signed
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.customer.schemas import CustomerUpdate
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Forbidden, NotFound, ServiceError
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.portal import service
from partnerfleet_backend.portal.web import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    CodeRequired,
    Portal,
    SetUpRequired,
    SignedIn,
    render,
    set_session_cookie,
)
from partnerfleet_backend.settings import get_settings

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=2000)]


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/portal", status_code=303)


@router.get("/portal")
def landing(portal: SignedIn) -> RedirectResponse:
    """Operators to the partners, partner users to their overview, customers to their org."""
    user = portal.user
    if user.kind == "operator":
        return RedirectResponse("/portal/partners", status_code=303)
    if user.kind == "partner":
        return RedirectResponse(f"/portal/p/{user.partner_id}", status_code=303)
    return RedirectResponse(f"/portal/c/{user.customer_id}", status_code=303)


def _login_form(request: Request, template: str, status: int = 200, **context: object) -> Response:
    """A form before anyone is signed in: its token is also in a cookie (double submit)."""
    token = secrets.token_urlsafe(24)
    page = render(request, template, status_code=status, login_csrf=token, **context)
    page.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=get_settings().portal_secure_cookies,
        path="/portal",
    )
    return page


def _check_login_csrf(request: Request, token: str) -> None:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, token):
        raise Forbidden("the form is stale or did not come from this site; reload the page")


def _safe_next(target: str) -> str:
    """Only a path of the portal itself (no open redirect)."""
    return target if target.startswith("/portal") and "//" not in target else "/portal"


@router.get("/portal/sign-in")
def sign_in_page(request: Request, next: str = "", ended: str = "") -> Response:
    return _login_form(request, "sign_in.html", next=_safe_next(next), ended=ended == "codes")


@router.post("/portal/sign-in")
def sign_in(
    request: Request,
    email: Field,
    password: Field,
    csrf_token: Field = "",
    next: Field = "",
) -> Response:
    _check_login_csrf(request, csrf_token)
    settings = get_settings()
    address = request.client.host if request.client else "unknown"
    request_id = getattr(request.state, "request_id", None)
    agent = request.headers.get("user-agent")
    signed = accounts.sign_in_with(settings, email, password, address, request_id, agent)
    if isinstance(signed, ServiceError):
        page = _login_form(
            request, "sign_in.html", signed.status, error=signed.detail, email=email, next=next
        )
        page.headers.update(signed.headers)
        return page
    return _signed_in(signed, _safe_next(next))


def _signed_in(signed: Signed, target: str) -> Response:
    """The session's cookie, and where the sign-in goes on: the second factor's code, setting
    it up (an account that must have one), or the page asked for."""
    step = {"code": CodeRequired.page, "enrol": SetUpRequired.page}.get(signed.stage)
    where = f"{step}?{urlencode({'next': target})}" if step else target
    response = RedirectResponse(where, status_code=303)
    max_age = int(sessions.SESSION_MAX.total_seconds())
    set_session_cookie(response, get_settings(), signed.token, max_age)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/portal")
    return response


@router.post("/portal/sign-out")
def sign_out(request: Request, portal: SignedIn, csrf_token: Field = "") -> Response:
    portal.check_csrf(csrf_token)
    accounts.end_session(portal.settings, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/portal/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/portal/invitations/{token}")
def invitation_page(request: Request, token: str) -> Response:
    invitation = accounts.invitation_of(get_settings(), token)
    return _login_form(request, "invitation.html", invitation=invitation)


@router.post("/portal/invitations/{token}")
def accept_invitation(
    request: Request, token: str, password: Field, name: Field = "", csrf_token: Field = ""
) -> Response:
    _check_login_csrf(request, csrf_token)
    settings = get_settings()
    try:
        signed = accounts.accept_with(settings, token, name, password)
    except ServiceError as refused:
        if refused.extra.get("field") not in ("password", "email", "name"):
            raise
        invitation = accounts.invitation_of(settings, token)
        return _login_form(
            request, "invitation.html", refused.status, invitation=invitation, error=refused.detail
        )
    return _signed_in(signed, "/portal")


@router.get("/portal/partners")
def partner_list(portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    """The operator's view of every partner."""
    if portal.user.kind != "operator":
        raise NotFound("not found")

    def work(ctx: Ctx) -> tuple[list[object], str | None]:
        rows, next_cursor = partners.list_partners(ctx, 100, cursor)
        return [partners.view(ctx, p) for p in rows], next_cursor

    rows, next_cursor = portal.read(work)
    next_url = f"/portal/partners?cursor={next_cursor}" if next_cursor else None
    return portal.render("partners.html", partners=rows, next_url=next_url)


def access_fields(label: str, access: str, products: list[str] | None) -> list[dict[str, Any]]:
    """The form's fields of an access the customer grants: full, or limited to products."""
    return [
        {
            "name": "access",
            "label": label,
            "value": access,
            "choices": [("full", "full: every product"), ("limited", "limited to products")],
        },
        {
            "name": "access_products",
            "label": "Products (comma-separated, when limited)",
            "value": ", ".join(products or []),
        },
    ]


def customer_scope(portal: Portal, customer_id: str) -> str:
    """The partner of an org this user may see: its own users, its partner's users, and
    operators; anyone else gets the same 404 as a missing org."""
    user = portal.user

    own = user.kind == "customer" and user.customer_id == customer_id

    def owner(ctx: Ctx) -> str | None:  # its own people see it after the partnership too
        return customers.partner_of(ctx, customer_id, ended_too=own)

    partner_id = portal.read(owner)
    allowed = partner_id is not None and (
        (user.kind == "customer" and user.customer_id == customer_id)
        or (user.kind == "partner" and user.partner_id == partner_id)
    )
    if partner_id is not None and user.kind == "operator":
        return portal.partner(partner_id)
    if not allowed or partner_id is None:
        raise NotFound(f"customer {customer_id} not found")
    return partner_id


@router.get("/portal/c/{customer_id}")
def customer_page(customer_id: str, portal: SignedIn) -> HTMLResponse:
    """What a customer's people see: their licenses and who supports them. No money."""
    partner_id = customer_scope(portal, customer_id)
    billing, own = sees_invoices(portal), portal.user.kind == "customer"
    page = portal.read(
        lambda ctx: service.customer_page(
            ctx, partner_id, customer_id, with_invoices=billing, own=own
        )
    )
    return portal.render("customer.html", **page)


def sees_invoices(portal: Portal) -> bool:
    """A customer's invoices are its admins' (and the vendor's operators'), never its
    partner's nor its guests'."""
    user = portal.user
    return user.kind == "operator" or (user.kind == "customer" and user.role == "admin")


@router.get("/portal/c/{customer_id}/settings")
def customer_settings(customer_id: str, portal: SignedIn) -> HTMLResponse:
    partner_id = customer_scope(portal, customer_id)
    customer = portal.read(lambda ctx: customers.get(ctx, partner_id, customer_id))
    return _settings_form(
        portal,
        customer_id,
        customer.contact_email,
        customer.access,
        customer.access_products,
        customer.payer,
    )


def _settings_form(
    portal: Portal,
    customer_id: str,
    contact_email: str,
    access: str,
    products: list[str] | None,
    payer: str,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    editable = portal.user.kind == "customer" and portal.user.role == "admin"
    return portal.render(
        "form.html",
        status_code=status,
        heading="Settings of your organisation",
        intro="Who your partner reaches, and what your partner may manage for you.",
        editable=editable,
        error=error,
        notice=notice,
        fields=[
            {
                "name": "contact_email",
                "label": "Contact email",
                "type": "email",
                "value": contact_email,
            },
            *access_fields("Your partner's access", access, products),
            {
                "name": "payer",
                "label": "Who pays (with full access; limited access: you do)",
                "value": payer,
                "choices": [
                    ("partner", "your partner, from its credit"),
                    ("customer", "you, invoiced at the public price"),
                ],
            },
        ],
    )


@router.post("/portal/c/{customer_id}/settings")
def change_customer_settings(
    customer_id: str,
    portal: SignedIn,
    contact_email: Field,
    access: Field,
    access_products: Field = "",
    payer: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    """A customer's admin changes the org's settings (never anything of billing)."""
    portal.check_csrf(csrf_token)
    partner_id = customer_scope(portal, customer_id)
    if portal.user.kind != "customer" or portal.user.role != "admin":
        raise Forbidden("only the organisation's admins change its settings")
    products = [p.strip() for p in access_products.split(",") if p.strip()] or None
    try:
        fields = {"contact_email": contact_email, "access": access, "access_products": products}
        body = CustomerUpdate.model_validate({**fields, **({"payer": payer} if payer else {})})
        customer = portal.write(
            lambda ctx: customers.update(ctx, partner_id, customer_id, body, by_customer=True)
        )
    except (ServiceError, ValueError) as refused:
        detail = refused.detail if isinstance(refused, ServiceError) else str(refused)
        return _settings_form(
            portal, customer_id, contact_email, access, products, payer, 422, error=detail
        )
    return _settings_form(
        portal,
        customer_id,
        customer.contact_email,
        customer.access,
        customer.access_products,
        customer.payer,
        notice="Saved.",
    )

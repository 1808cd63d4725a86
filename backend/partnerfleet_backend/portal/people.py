"""A partner's people in the portal: the list (who, which role, whether they may sign in, how
many sessions they have), invitations, and what an admin (or an operator) does to a person's
account: disable, enable, a new role, a password reset, sign out everywhere."""

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from partnerfleet_backend.accounts import people
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.kit.errors import Forbidden, NotFound, ServiceError
from partnerfleet_backend.portal import service
from partnerfleet_backend.portal.schemas import FormField, InvitationForm
from partnerfleet_backend.portal.web import Portal, SignedIn

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=2000)]


def _users_page(portal: Portal, pid: str, status: int = 200, **extra: Any) -> HTMLResponse:
    users = portal.read(lambda ctx: service.users_of(ctx, pid))
    required = portal.read(lambda ctx: service.requires_second_factor(ctx, pid))
    orgs = portal.read(lambda ctx: customers.list_customers(ctx, pid, 500, None, None)[0])
    editable = portal.user.kind == "partner" and portal.user.role == "admin"
    partner_roles = [
        ("read_only", "partner: read-only"),
        ("billing", "partner: billing"),
        ("admin", "partner: admin"),
    ]
    roles = partner_roles + [(f"guest:{c.id}", f"{c.name}: guest") for c in orgs]
    roles += [(f"admin:{c.id}", f"{c.name}: admin") for c in orgs]
    return portal.render(
        "users.html",
        status_code=status,
        pid=pid,
        heading="Users",
        users=users,
        editable=editable,
        managing=editable or portal.user.kind == "operator",
        me=portal.user.id,
        require_second_factor=required,
        role_choices={
            "partner": partner_roles,
            "customer": [("guest", "guest"), ("admin", "admin")],
        },
        submit="Invite",
        intro="Invite a person by email: the link to set their own password goes to that "
        "mailbox only.",
        fields=[
            FormField("email", "Email", type="email"),
            FormField("name", "Name"),
            FormField("role", "Role", "read_only", choices=roles),
        ],
        **extra,
    )


@router.get("/portal/p/{partner_id}/users")
def users(partner_id: str, portal: SignedIn) -> HTMLResponse:
    return _users_page(portal, portal.partner(partner_id))


@router.post("/portal/p/{partner_id}/users")
def invite(
    partner_id: str,
    portal: SignedIn,
    email: Field,
    role: Field,
    name: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    """A partner admin invites a partner user or a customer org's user."""
    portal.check_csrf(csrf_token)
    pid = portal.partner(partner_id)
    if portal.user.kind != "partner" or portal.user.role != "admin":
        raise Forbidden("only the partner's admins invite users")
    portal.refuse_if_suspended()
    user_role, kind, customer_id = role, "partner", ""
    if ":" in role:  # a customer org's role: "guest:cus_..." or "admin:cus_..."
        user_role, _, customer_id = role.partition(":")
        kind = "customer"
    try:
        form = InvitationForm.model_validate({"email": email, "name": name, "role": role})
        portal.write(
            lambda ctx: service.invite(
                ctx,
                portal.user.id,
                pid,
                form,
                role=user_role,
                kind=kind,
                customer_id=customer_id or None,
            )
        )
    except ServiceError as refused:
        return _users_page(portal, pid, refused.status, error=refused.detail)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        return _users_page(portal, pid, 422, error=f"{first['loc'][0]}: {first['msg']}")
    return _users_page(portal, pid, notice=f"An invitation is on its way to {form.email}.")


MANAGE = {
    "disable": people.disable,
    "enable": people.enable,
    "reset-password": people.reset_password,
    "end-sessions": people.end_sessions,
}
DONE = {
    "disable": "disabled: every session of theirs has ended",
    "enable": "may sign in again",
    "reset-password": "has a link to set a new password in their mailbox",
    "end-sessions": "is signed out everywhere",
    "role": "has a new role",
}


@router.post("/portal/p/{partner_id}/users/{user_id}/{action}")
def manage_user(
    partner_id: str,
    user_id: str,
    action: str,
    portal: SignedIn,
    role: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    """A partner's admin (or an operator) disables, enables, changes the role of, resets the
    password of, or signs out one of the partner's people or its customers' people."""
    portal.check_csrf(csrf_token)
    pid = portal.partner(partner_id)
    if action not in MANAGE and action != "role":
        raise NotFound("no such action")
    if portal.user.kind != "operator" and portal.user.role != "admin":
        raise Forbidden("only the partner's admins manage its people")
    portal.refuse_if_suspended(taking_back=action in ("disable", "end-sessions"))
    by = people.Manager(portal.user.id, portal.user.kind, portal.user.role, portal.user.partner_id)
    if by.kind == "operator":
        by = people.Manager(by.user_id, by.kind, by.role, pid)
    try:
        if action == "role":
            user = portal.write(lambda ctx: people.change_role(ctx, by, user_id, role))
        else:
            user = portal.write(lambda ctx: MANAGE[action](ctx, by, user_id))
    except ServiceError as refused:
        return _users_page(portal, pid, refused.status, error=refused.detail)
    return _users_page(portal, pid, notice=f"{user.email} {DONE[action]}.")

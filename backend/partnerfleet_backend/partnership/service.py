"""Access requests (SPEC: Partnerships and who pays): the partner asks, the customer's admins
grant what they choose (the access asked for, or another) or decline; a pending request can be
resent (at most once an hour) or withdrawn. The partner's key never grants or widens access."""

from datetime import timedelta

from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.customer.schemas import CustomerUpdate
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound, RateLimited, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.mail.service import queue
from partnerfleet_backend.models import AccessRequest, Customer, PartnerInvitation, RequestStatus
from partnerfleet_backend.notification.service import notify
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partnership import repository
from partnerfleet_backend.partnership.schemas import AccessRequestCreate

RESEND_AFTER = timedelta(hours=1)


class RequestSettled(Conflict):
    code = "access_request_settled"


def described(access: str, products: list[str] | None) -> str:
    return "full access" if access == "full" else f"access to {', '.join(products or [])}"


def request_access(
    ctx: Ctx, partner_id: str, customer_id: str, body: AccessRequestCreate
) -> AccessRequest:
    """Ask the org's admins for access (a mail to its contact with the portal's link)."""
    customer = customers.get(ctx, partner_id, customer_id)
    customers.check_team(ctx, customer)
    customers.check_access_products(ctx, body.access, body.access_products)
    products = sorted(body.access_products or []) if body.access == "limited" else None
    if (body.access, products) == (customer.access, _sorted(customer.access_products)):
        raise ValidationFailed(
            f"{customer.name} granted you {described(body.access, products)} already",
            field="access",
        )
    row = AccessRequest(
        id=new_id("areq"),
        partner_id=partner_id,
        customer_id=customer.id,
        access=body.access,
        access_products=products,
        note=body.note,
        status=RequestStatus.PENDING,
        created_at=ctx.now,
        sent_at=ctx.now,
        sends=1,
    )
    ctx.session.add(row)
    ctx.session.flush()  # the one-pending index decides here when two race
    _mail(ctx, customer, row)
    ctx.audit(
        "access.requested",
        "access_request",
        row.id,
        partner_id=partner_id,
        before=None,
        after=ctx.snapshot(row),
    )
    return row


def _sorted(products: list[str] | None) -> list[str] | None:
    return sorted(products) if products else None


def _mail(ctx: Ctx, customer: Customer, row: AccessRequest) -> None:
    partner = partners.get(ctx, row.partner_id)
    link = f"{ctx.settings.public_url.rstrip('/')}/portal/c/{customer.id}/access"
    note = f"\n\nTheir note: {row.note}" if row.note else ""
    queue(
        ctx,
        partner_id=row.partner_id,
        kind="access_request",
        to=customer.contact_email,
        subject=f"{partner.name} asks for access to {customer.name}",
        body=(
            f"{partner.name} asks for {described(row.access, row.access_products)} to the "
            f"configuration of {customer.name}.{note}\n\nYour admins grant it (as asked, or "
            f"other access) or decline it, signed in: {link}\n"
        ),
        dedupe_key=f"access-request:{row.id}:{row.sends}",
    )


def _pending(ctx: Ctx, partner_id: str, customer_id: str, request_id: str) -> AccessRequest:
    row = repository.get(ctx.session, request_id)
    if row is None or row.partner_id != partner_id or row.customer_id != customer_id:
        raise NotFound(f"access request {request_id} not found")
    if row.status != RequestStatus.PENDING:
        raise RequestSettled(f"access request {request_id} is {row.status}")
    return row


def resend(ctx: Ctx, partner_id: str, customer_id: str, request_id: str) -> AccessRequest:
    """Mail a pending request again (at most once an hour)."""
    customer = customers.get(ctx, partner_id, customer_id)
    customers.check_team(ctx, customer)
    row = _pending(ctx, partner_id, customer_id, request_id)
    count_resend(ctx, row)
    _mail(ctx, customer, row)
    return row


def count_resend(ctx: Ctx, row: AccessRequest | PartnerInvitation) -> None:
    """A pending request or invitation is sent again at most once an hour (429 with
    Retry-After before); counted here."""
    wait = row.sent_at + RESEND_AFTER - ctx.now
    if wait > timedelta(0):
        refused = RateLimited(f"sent at {row.sent_at:%H:%M} UTC; resend after an hour")
        refused.headers["Retry-After"] = str(int(wait.total_seconds()) + 1)
        raise refused
    row.sent_at, row.sends = ctx.now, row.sends + 1
    ctx.session.flush()


def withdraw(ctx: Ctx, partner_id: str, customer_id: str, request_id: str) -> AccessRequest:
    customers.check_team(ctx, customers.get(ctx, partner_id, customer_id))
    row = _pending(ctx, partner_id, customer_id, request_id)
    if not repository.settle(ctx.session, row.id, RequestStatus.WITHDRAWN, ctx.now):
        raise RequestSettled(f"access request {request_id} was answered meanwhile")
    ctx.session.refresh(row)
    ctx.audit(
        "access.withdrawn",
        "access_request",
        row.id,
        partner_id=partner_id,
        before={"status": RequestStatus.PENDING.value},
        after={"status": row.status},
    )
    return row


def of_customer(ctx: Ctx, partner_id: str, customer_id: str) -> list[AccessRequest]:
    customers.get(ctx, partner_id, customer_id)
    return repository.of_customer(ctx.session, customer_id)


def pending_of(ctx: Ctx, customer_id: str) -> AccessRequest | None:
    return repository.pending_of(ctx.session, customer_id)


def answer(
    ctx: Ctx,
    partner_id: str,
    customer_id: str,
    request_id: str,
    grant: CustomerUpdate | None,
) -> AccessRequest:
    """The org's admin answers: `grant` the access it chooses (as asked or other), or decline
    (None). The partner is told either way."""
    row = _pending(ctx, partner_id, customer_id, request_id)
    if grant is None:
        moved = repository.settle(ctx.session, row.id, RequestStatus.DECLINED, ctx.now)
    else:
        customer = customers.update(ctx, partner_id, customer_id, grant, by_customer=True)
        moved = repository.settle(
            ctx.session,
            row.id,
            RequestStatus.GRANTED,
            ctx.now,
            granted_access=customer.access,
            granted_products=customer.access_products,
        )
    if not moved:
        raise RequestSettled(f"access request {request_id} was answered or withdrawn meanwhile")
    ctx.session.refresh(row)
    name = customers.own_org(ctx, customer_id).name
    told = (
        f"{name} declined your request for {described(row.access, row.access_products)}"
        if grant is None
        else f"{name} granted you {described(row.granted_access or '', row.granted_products)}"
    )
    notify(
        ctx,
        partner_id,
        f"customer.access_{row.status}",
        told,
        dedupe_key=f"access-answer:{row.id}",
        data={"customer_id": customer_id, "request_id": row.id},
    )
    ctx.audit(
        f"access.{row.status}",
        "access_request",
        row.id,
        partner_id=partner_id,
        before={"status": RequestStatus.PENDING.value},
        after=ctx.snapshot(row),
    )
    return row

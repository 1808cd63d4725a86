"""A partner's pages: the overview first, then customers, licenses, add-ons, the ledger,
notifications, the audit trail, users and the profile. Every figure comes from the service
the API answers with."""

from datetime import UTC, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.audit import service as audit
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Forbidden, ServiceError
from partnerfleet_backend.license import service as licenses
from partnerfleet_backend.notification import service as notifications
from partnerfleet_backend.overview.service import overview
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partner.schemas import MeUpdate
from partnerfleet_backend.portal.schemas import FormField, TablePage
from partnerfleet_backend.portal.web import Portal, SignedIn, day, eur

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=2000)]
PAGE = 100
STATUSES = ["trial", "active", "over_limit", "suspended", "lapsed", "cancelled"]


def _table(portal: Portal, pid: str, page: TablePage, **extra: Any) -> HTMLResponse:
    return portal.render(
        "table.html" if "customers" not in extra else "licenses.html",
        pid=pid,
        heading=page.heading,
        columns=page.columns,
        rows=page.rows,
        next_url=page.next_url,
        **extra,
    )


def _next(path: str, cursor: str | None, **params: str | None) -> str | None:
    if cursor is None:
        return None
    query = {k: v for k, v in params.items() if v} | {"cursor": cursor}
    return f"{path}?{urlencode(query)}"


@router.get("/portal/p/{partner_id}")
def front(partner_id: str, portal: SignedIn) -> HTMLResponse:
    """At a glance: credit, level, quota, renewals, what needs attention, trials."""
    pid = portal.partner(partner_id)
    view = portal.read(lambda ctx: overview(ctx, pid))
    return portal.render("front.html", pid=pid, o=view, month=view.as_of.strftime("%Y-%m"))


@router.get("/portal/p/{partner_id}/customers")
def customer_list(partner_id: str, portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> TablePage:
        rows, next_cursor = customers.list_customers(ctx, pid, PAGE, cursor, None)
        return TablePage(
            "Customers",
            ["Name", "Reference", "Segment", "Country", "Support by", "Access", "Contact"],
            [
                [
                    c.name,
                    c.reference or "-",
                    c.segment,
                    c.country,
                    c.support_by,
                    c.access
                    + (f" ({', '.join(c.access_products or [])})" if c.access_products else ""),
                    c.contact_email,
                ]
                for c in rows
            ],
            _next(f"/portal/p/{pid}/customers", next_cursor),
        )

    return _table(portal, pid, portal.read(work))


@router.get("/portal/p/{partner_id}/licenses")
def license_list(
    partner_id: str,
    portal: SignedIn,
    customer_id: str | None = None,
    product: str | None = None,
    status: str | None = None,
    ends_before: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """Licenses, filtered by customer, product, status and end date (the API's filters)."""
    pid = portal.partner(partner_id)
    filters = {
        "customer_id": customer_id or None,
        "product": product or None,
        "status": status if status in STATUSES else None,
        "ends_before": ends_before or None,
    }
    until = None
    if filters["ends_before"]:
        try:
            until = datetime.combine(
                datetime.fromisoformat(str(filters["ends_before"])).date(), time.max, tzinfo=UTC
            )
        except ValueError:
            filters["ends_before"] = None

    def work(ctx: Ctx) -> tuple[TablePage, list[Any], list[str]]:
        rows, next_cursor = licenses.list_licenses(
            ctx,
            pid,
            PAGE,
            cursor,
            customer_id=filters["customer_id"],
            status=filters["status"],
            reference=None,
            product=filters["product"],
            ends_before=until,
        )
        orgs, _ = customers.list_customers(ctx, pid, 500, None, None)
        names = {c.id: c.reference or c.name for c in orgs}
        page = TablePage(
            "Licenses",
            [
                "Customer",
                "Product",
                "Edition",
                "Seats",
                "Next term",
                "In use",
                "Status",
                "Ends",
                "Monthly (nominal)",
            ],
            [
                [
                    names.get(lic.customer_id, lic.customer_id),
                    lic.product,
                    lic.edition,
                    lic.seats if lic.seats is not None else "-",
                    lic.seats_next_term if lic.seats_next_term is not None else "-",
                    lic.used_seats if lic.used_seats is not None else "-",
                    lic.status.replace("_", " ") + (" (held by the vendor)" if lic.held_at else ""),
                    day(lic.ends_at),
                    eur(lic.monthly_nominal_cents),
                ]
                for lic in rows
            ],
            _next(f"/portal/p/{pid}/licenses", next_cursor, **filters),
        )
        return page, orgs, load_catalog(ctx.session).products

    page, orgs, products = portal.read(work)
    return _table(
        portal, pid, page, customers=orgs, products=products, statuses=STATUSES, f=filters
    )


@router.get("/portal/p/{partner_id}/addons")
def addon_list(partner_id: str, portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> TablePage:
        rows, next_cursor = addons.list_addons(ctx, pid, PAGE, cursor, None)
        return TablePage(
            "Add-ons",
            ["Option", "Status", "Price", "Period", "Auto-renew"],
            [
                [
                    a.option,
                    a.status,
                    eur(a.price_cents),
                    f"{day(a.period_start)} to {day(a.period_end)}",
                    "yes" if a.auto_renew else "no",
                ]
                for a in rows
            ],
            _next(f"/portal/p/{pid}/addons", next_cursor),
        )

    return _table(portal, pid, portal.read(work))


@router.get("/portal/p/{partner_id}/ledger")
def ledger(partner_id: str, portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    """Every money movement, nominal and net (what the credit cost)."""
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> TablePage:
        from partnerfleet_backend.wallet import service as wallet

        rows, next_cursor = wallet.ledger(ctx, pid, PAGE, cursor)
        return TablePage(
            "Ledger",
            ["Date", "Kind", "Description", "Nominal", "Net"],
            [
                [
                    day(e.created_at),
                    e.kind.replace("_", "-"),
                    e.description,
                    eur(e.amount_cents),
                    eur(e.net_cents),
                ]
                for e in rows
            ],
            _next(f"/portal/p/{pid}/ledger", next_cursor),
        )

    return _table(portal, pid, portal.read(work))


@router.get("/portal/p/{partner_id}/notifications")
def notification_list(partner_id: str, portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> TablePage:
        rows, next_cursor = notifications.list_notifications(ctx, pid, PAGE, cursor)
        return TablePage(
            "Notifications",
            ["Date", "Kind", "Message"],
            [[day(n.created_at), n.kind.replace("_", " "), n.message] for n in rows],
            _next(f"/portal/p/{pid}/notifications", next_cursor),
        )

    return _table(portal, pid, portal.read(work))


@router.get("/portal/p/{partner_id}/audit")
def audit_trail(partner_id: str, portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> TablePage:
        rows, next_cursor = audit.list_events(ctx.session, pid, PAGE, cursor, None)
        return TablePage(
            "Audit trail",
            ["When", "Who", "What", "Object"],
            [
                [
                    str(e.created_at)[:19],
                    e.actor if e.actor not in ("key", "user") else f"{e.actor} {e.actor_key_id}",
                    e.action,
                    f"{e.object_type} {e.object_id}",
                ]
                for e in rows
            ],
            _next(f"/portal/p/{pid}/audit", next_cursor),
        )

    return _table(portal, pid, portal.read(work))


def _profile_page(portal: Portal, pid: str, status: int = 200, **extra: Any) -> HTMLResponse:
    me = portal.read(lambda ctx: partners.view(ctx, partners.get(ctx, pid)))
    contact = me.support_contact or {}
    role = portal.user.role if portal.user.kind == "partner" else "operator"
    return portal.render(
        "form.html",
        status_code=status,
        pid=pid,
        heading="Profile",
        intro="What your customers and the vendor see of you. Billing may change the billing "
        "email; admins all of it.",
        editable=role in ("admin", "billing"),
        fields=[
            FormField("billing_email", "Billing email", me.billing_email, "email"),
            FormField("support_phone", "Support phone", contact.get("phone")),
            FormField("support_email", "Support email", contact.get("email"), "email"),
            FormField("support_hours", "Support hours", contact.get("hours")),
            FormField("logo_url", "Logo (https URL, shown with white label)", me.logo_url),
        ],
        **extra,
    )


@router.get("/portal/p/{partner_id}/profile")
def profile(partner_id: str, portal: SignedIn) -> HTMLResponse:
    return _profile_page(portal, portal.partner(partner_id))


@router.post("/portal/p/{partner_id}/profile")
def change_profile(
    partner_id: str,
    portal: SignedIn,
    billing_email: Field = "",
    support_phone: Field = "",
    support_email: Field = "",
    support_hours: Field = "",
    logo_url: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    portal.check_csrf(csrf_token)
    pid = portal.partner(partner_id)
    if portal.user.kind != "partner" or portal.user.role not in ("admin", "billing"):
        raise Forbidden("your role may read the profile, not change it")
    portal.refuse_if_suspended()
    changes: dict[str, Any] = {"billing_email": billing_email or None}
    if portal.user.role == "admin":
        contact = {
            "phone": support_phone or None,
            "email": support_email or None,
            "hours": support_hours or None,
        }
        changes |= {"support_contact": contact, "logo_url": logo_url or None}
    try:
        body = MeUpdate.model_validate(changes)
        portal.write(lambda ctx: partners.update_me(ctx, pid, body))
    except ServiceError as refused:
        return _profile_page(portal, pid, refused.status, error=refused.detail)
    except ValueError as invalid:
        return _profile_page(portal, pid, 422, error=str(invalid).splitlines()[-1])
    return _profile_page(portal, pid, notice="Saved.")

"""What people take away from the portal: the month's CSV, the statement and a customer's
report (the same files the API serves), the partner's logo, and the mail in the outbox."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from partnerfleet_backend.billing import service as billing
from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import NotFound
from partnerfleet_backend.mail import service as mail
from partnerfleet_backend.models import Invoice
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.portal.endpoints import customer_scope, sees_invoices
from partnerfleet_backend.portal.schemas import TablePage
from partnerfleet_backend.portal.web import SignedIn, day
from partnerfleet_backend.reports import pdf
from partnerfleet_backend.reports import service as reports
from partnerfleet_backend.reports.endpoints import ledger_csv_response, pdf_response

router = APIRouter(include_in_schema=False)


@router.get("/portal/p/{partner_id}/exports/ledger.csv")
def ledger_csv(partner_id: str, portal: SignedIn, month: str) -> StreamingResponse:
    pid = portal.partner(partner_id)
    return ledger_csv_response(portal.read, portal.settings, pid, month)


@router.get("/portal/p/{partner_id}/statements/{month}.pdf")
def statement(partner_id: str, month: str, portal: SignedIn) -> Response:
    pid = portal.partner(partner_id)
    made = portal.read(lambda ctx: reports.statement(ctx, pid, month))
    data = pdf.statement_pdf(made, portal.settings.vendor_name)
    return pdf_response(data, f"statement-{month}.pdf")


@router.get("/portal/c/{customer_id}/report.pdf")
def customer_report(customer_id: str, portal: SignedIn) -> Response:
    pid = customer_scope(portal, customer_id)
    made = portal.read(lambda ctx: reports.customer_report(ctx, pid, customer_id))
    return pdf_response(pdf.customer_report_pdf(made), f"report-{customer_id}.pdf")


@router.get("/portal/c/{customer_id}/invoices/{invoice_id}.pdf")
def customer_invoice(customer_id: str, invoice_id: str, portal: SignedIn) -> Response:
    """An invoice to the customer, for its admins and operators (never its partner)."""
    customer_scope(portal, customer_id)
    if not sees_invoices(portal):
        raise NotFound(f"invoice {invoice_id} not found")

    def work(ctx: Ctx) -> tuple[Invoice, str]:
        found = billing.one_of_customer(ctx, customer_id, invoice_id)
        return found, customers.own_org(ctx, customer_id).name

    found, name = portal.read(work)  # the PDF is made after the read's transaction ended
    data = pdf.invoice_pdf(found, name, portal.settings.vendor_name)
    return pdf_response(data, f"invoice-{found.number}.pdf")


@router.get("/portal/logos/{partner_id}")
def logo(partner_id: str, portal: SignedIn) -> Response:
    """The partner's logo, for its own people, its customers' people and operators."""
    user = portal.user
    if not (user.kind == "operator" or user.partner_id == partner_id):
        raise NotFound("no logo")
    found = portal.read(lambda ctx: partners.logo(ctx, partner_id))
    if found is None:
        raise NotFound("no logo")
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.get("/portal/p/{partner_id}/outbox")
def outbox(partner_id: str, portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    """Mail for this partner and its customers: sent, or waiting (no SMTP server set)."""
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> TablePage:
        rows, next_cursor = mail.outbox(ctx, pid, 100, cursor)
        return TablePage(
            "Outbox",
            ["Made", "To", "Subject", "State", "Sent"],
            [[day(m.created_at), m.to_address, m.subject, m.state, day(m.sent_at)] for m in rows],
            f"/portal/p/{pid}/outbox?cursor={next_cursor}" if next_cursor else None,
        )

    page = portal.read(work)
    return portal.render(
        "table.html",
        pid=pid,
        heading=page.heading,
        columns=page.columns,
        rows=page.rows,
        next_url=page.next_url,
    )

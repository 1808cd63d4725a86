"""A partner's top-ups in the portal: each bought top-up's numbered invoice (a PDF), the rule
that asks for top-ups, and the requests waiting for their payment."""

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import NotFound
from partnerfleet_backend.portal.web import SignedIn
from partnerfleet_backend.reports.endpoints import pdf_response
from partnerfleet_backend.reports.pdf import top_up_invoice_pdf
from partnerfleet_backend.topup import service

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=200)]
PAGE = 100


@router.get("/portal/p/{partner_id}/top-ups")
def top_ups(partner_id: str, portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> dict[str, Any]:
        invoices, next_cursor = service.invoices_page(ctx, pid, PAGE, cursor)
        requests, _ = service.requests_page(ctx, pid, PAGE, None)
        return {
            "invoices": invoices,
            "requests": service.waiting(requests),
            "rule": service.rule_of(ctx, pid),
            "next_url": f"/portal/p/{pid}/top-ups?cursor={next_cursor}" if next_cursor else None,
        }

    return portal.render("top_ups.html", pid=pid, **portal.read(work))


@router.get("/portal/p/{partner_id}/top-ups/{lot_id}/invoice.pdf")
def top_up_invoice(partner_id: str, lot_id: str, portal: SignedIn) -> Response:
    pid = portal.partner(partner_id)
    lot, name = portal.read(lambda ctx: service.invoice_of(ctx, pid, lot_id))
    data = top_up_invoice_pdf(lot, name, portal.settings.vendor_name)
    return pdf_response(data, f"{lot.invoice_number or lot_id}.pdf")


@router.get("/portal/top-up-requests")
def waiting(portal: SignedIn, cursor: str | None = None) -> HTMLResponse:
    """The operator's list of top-ups waiting for their payment, each settled once paid."""
    if portal.user.kind != "operator":
        raise NotFound("not found")
    rows, next_cursor = portal.read(lambda ctx: service.waiting_page(ctx, PAGE, cursor))
    next_url = f"/portal/top-up-requests?cursor={next_cursor}" if next_cursor else None
    return portal.render("top_up_requests.html", requests=rows, next_url=next_url)


@router.post("/portal/top-up-requests/{partner_id}/{top_up_id}")
def settle(
    partner_id: str, top_up_id: str, portal: SignedIn, csrf_token: Field = ""
) -> RedirectResponse:
    """The payment arrived: the credit is bought and its invoice mailed (audited)."""
    portal.check_csrf(csrf_token)
    if portal.user.kind != "operator":
        raise NotFound("not found")
    portal.write(lambda ctx: service.settle(ctx, partner_id, top_up_id))
    return RedirectResponse("/portal/top-up-requests", status_code=303)

"""Invoices to customers that pay for themselves: the operator's view, the payment's
confirmation and the void. Never visible to the partner (its cashback is in its ledger)."""

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from partnerfleet_backend.billing import service
from partnerfleet_backend.billing.schemas import InvoiceRead, InvoiceVoid
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.pipeline.api import CHARGES, OperatorApi

router = APIRouter(prefix="/v1", tags=["invoices"])


@router.get("/invoices", response_model=Page[InvoiceRead])
def list_invoices(
    api: OperatorApi,
    limit: Limit = 50,
    cursor: Cursor = None,
    customer_id: str | None = Query(default=None, max_length=40),
    partner_id: str | None = Query(default=None, max_length=40),
    status: Literal["open", "paid", "void"] | None = None,
) -> Page[InvoiceRead]:
    """Invoices to customers, oldest first, filterable by customer, partner and status
    (operator)."""

    def work(ctx: Ctx) -> Page[InvoiceRead]:
        rows, next_cursor = service.page(ctx, limit, cursor, customer_id, partner_id, status)
        return Page(items=[InvoiceRead.model_validate(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)


@router.get("/invoices/{invoice_id}", response_model=InvoiceRead)
def get_invoice(invoice_id: str, api: OperatorApi) -> JSONResponse:
    """One invoice (operator)."""
    return api.respond(
        api.read(lambda ctx: InvoiceRead.model_validate(service.get(ctx, invoice_id)))
    )


@router.post("/invoices/{invoice_id}/payment", response_model=InvoiceRead)
def confirm_payment(invoice_id: str, api: OperatorApi) -> JSONResponse:
    """The customer paid (operator or payment provider): the partner's cashback is credited.
    409 `invoice_settled` if it was paid or voided already."""
    return api.write(lambda ctx: InvoiceRead.model_validate(service.pay(ctx, invoice_id)))


@router.post("/invoices/{invoice_id}/void", response_model=InvoiceRead, responses=CHARGES)
def void_invoice(invoice_id: str, body: InvoiceVoid, api: OperatorApi) -> JSONResponse:
    """Void an invoice; a paid one's cashback is taken back from the partner's wallet (402 if
    it no longer holds it)."""
    return api.write(
        lambda ctx: InvoiceRead.model_validate(service.void(ctx, invoice_id, body.reason))
    )

"""A partner's top-up rule and top-up requests; the operator settles them; top-up invoices."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.api import (
    OperatorApi,
    OwnAccountApi,
    PartnerReadApi,
    PartnerWriteApi,
)
from partnerfleet_backend.reports.endpoints import pdf_response
from partnerfleet_backend.reports.pdf import top_up_invoice_pdf
from partnerfleet_backend.topup import service
from partnerfleet_backend.topup.schemas import (
    TopUpInvoiceRead,
    TopUpRequestCreate,
    TopUpRequestRead,
    TopUpRuleRead,
    TopUpRuleWrite,
)

router = APIRouter(prefix="/v1")
T = "top-ups"
NO_RULE: dict[int | str, dict[str, Any]] = {
    404: {"description": "No rule yet: PUT /v1/me/top-up-rule makes one"}
}


@router.get("/me/top-up-rule", response_model=TopUpRuleRead, tags=[T], responses=NO_RULE)
def get_rule(api: OwnAccountApi) -> TopUpRuleRead:
    """When a top-up is asked for you: below a threshold, or before renewals it cannot pay."""
    pid = api.partner_id
    assert pid is not None
    return api.read(lambda ctx: TopUpRuleRead.model_validate(service.rule(ctx, pid)))


@router.put("/me/top-up-rule", response_model=TopUpRuleRead, tags=[T])
def put_rule(body: TopUpRuleWrite, api: PartnerWriteApi) -> JSONResponse:
    """Set the rule; renewals the credit cannot pay then wait 7 days for the top-up."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: TopUpRuleRead.model_validate(service.set_rule(ctx, pid, body)))


@router.delete("/me/top-up-rule", status_code=204, tags=[T], responses=NO_RULE)
def delete_rule(api: PartnerWriteApi) -> Response:
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> dict[str, str]:
        service.drop_rule(ctx, pid)
        return {}

    api.write(work)
    return Response(status_code=204)


@router.get("/top-up-requests", response_model=Page[TopUpRequestRead], tags=[T])
def list_requests(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[TopUpRequestRead]:
    """Your top-up requests, oldest first."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[TopUpRequestRead]:
        rows, next_cursor = service.requests_page(ctx, pid, limit, cursor)
        return Page(
            items=[TopUpRequestRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    return api.read(work)


@router.post("/top-up-requests", status_code=201, response_model=TopUpRequestRead, tags=[T])
def ask_for_top_up(body: TopUpRequestCreate, api: PartnerWriteApi) -> JSONResponse:
    """Ask for a top-up yourself (409 `top_up_pending` while one waits)."""
    pid = api.partner_id
    assert pid is not None
    return api.write(
        lambda ctx: TopUpRequestRead.model_validate(
            service.request(ctx, pid, body.amount_cents, "asked by the partner", by="partner")
        ),
        201,
    )


@router.delete("/top-up-requests/{top_up_id}", response_model=TopUpRequestRead, tags=[T])
def cancel_request(top_up_id: str, api: PartnerWriteApi) -> JSONResponse:
    pid = api.partner_id
    assert pid is not None
    return api.write(
        lambda ctx: TopUpRequestRead.model_validate(service.cancel(ctx, pid, top_up_id))
    )


@router.post(
    "/partners/{partner_id}/top-up-requests/{top_up_id}/settlement",
    response_model=TopUpRequestRead,
    tags=["partners"],
)
def settle_request(partner_id: str, top_up_id: str, api: OperatorApi) -> JSONResponse:
    """The payment arrived (the operator, or a payment provider with the operator's key): the
    credit is bought, its invoice mailed. Once: again is a 409."""

    def work(ctx: Ctx) -> TopUpRequestRead:
        partners.get(ctx, partner_id)
        return TopUpRequestRead.model_validate(service.settle(ctx, partner_id, top_up_id))

    return api.write(work)


@router.get(
    "/partners/{partner_id}/top-up-requests",
    response_model=Page[TopUpRequestRead],
    tags=["partners"],
)
def partner_requests(
    partner_id: str, api: OperatorApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[TopUpRequestRead]:
    """A partner's top-up requests (operator)."""

    def work(ctx: Ctx) -> Page[TopUpRequestRead]:
        partners.get(ctx, partner_id)
        rows, next_cursor = service.requests_page(ctx, partner_id, limit, cursor)
        return Page(
            items=[TopUpRequestRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    return api.read(work)


@router.get("/wallet/top-ups", response_model=Page[TopUpInvoiceRead], tags=["wallet"])
def list_invoices(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[TopUpInvoiceRead]:
    """Your bought top-ups with their invoice numbers, oldest first."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[TopUpInvoiceRead]:
        rows, next_cursor = service.invoices_page(ctx, pid, limit, cursor)
        return Page(
            items=[TopUpInvoiceRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    return api.read(work)


@router.get(
    "/wallet/top-ups/{lot_id}/invoice.pdf",
    tags=["wallet"],
    responses={200: {"content": {"application/pdf": {}}}},
)
def top_up_invoice(lot_id: str, api: PartnerReadApi) -> Response:
    """A top-up's invoice: what was paid, the nominal credit, the discount bracket."""
    pid = api.partner_id
    lot, name = api.read(lambda ctx: service.invoice_of(ctx, pid, lot_id))
    number = lot.invoice_number or lot_id
    return pdf_response(top_up_invoice_pdf(lot, name, api.settings.vendor_name), f"{number}.pdf")

"""Resale billing over the API: the partner's prices for its customers, and each month's lines
to bill them (JSON, paginated, and CSV for a PSA)."""

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import CatalogName, Cursor, Limit, Page
from partnerfleet_backend.pipeline.api import PartnerReadApi, PartnerWriteApi
from partnerfleet_backend.reports.endpoints import CSV, csv_response
from partnerfleet_backend.reports.schemas import Month
from partnerfleet_backend.resale import service
from partnerfleet_backend.resale.schemas import ResaleLine, ResalePriceRead, ResalePriceWrite

router = APIRouter(prefix="/v1", tags=["resale"])
Edition = Path(max_length=20, pattern=r"^(\*|[a-z0-9][a-z0-9-]*)$", description="or * for all")


@router.get("/resale-prices", response_model=list[ResalePriceRead])
def list_prices(api: PartnerReadApi) -> list[ResalePriceRead]:
    """What you charge your customers, per product and edition."""
    pid = api.partner_id
    return api.read(
        lambda ctx: [ResalePriceRead.model_validate(p) for p in service.prices(ctx, pid)]
    )


@router.put("/resale-prices/{product}/{edition}", response_model=ResalePriceRead)
def put_price(
    product: CatalogName, body: ResalePriceWrite, api: PartnerWriteApi, edition: str = Edition
) -> JSONResponse:
    """A price per seat (or usage unit) and month, or a markup on your cost."""
    pid = api.partner_id
    assert pid is not None
    return api.write(
        lambda ctx: ResalePriceRead.model_validate(
            service.set_price(ctx, pid, product, edition, body)
        )
    )


@router.delete("/resale-prices/{product}/{edition}", status_code=204)
def delete_price(product: CatalogName, api: PartnerWriteApi, edition: str = Edition) -> Response:
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> dict[str, str]:
        service.drop_price(ctx, pid, product, edition)
        return {}

    api.write(work)
    return Response(status_code=204)


@router.get("/resale/lines", response_model=Page[ResaleLine])
def resale_lines(
    api: PartnerReadApi,
    month: Month,
    customer_id: str | None = Query(default=None, max_length=40),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ResaleLine]:
    """The month's lines to bill your customers: units, resale amount, cost (nominal and net,
    the ledger's own charges spread over what they pay for) and margin, per license."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[ResaleLine]:
        found, next_cursor = service.lines(
            ctx, pid, month, customer_id=customer_id, limit=limit, cursor=cursor
        )
        return Page(items=found, next_cursor=next_cursor)

    return api.read(work)


@router.get("/resale/lines.csv", responses=CSV)  # type: ignore[arg-type]
def resale_lines_csv(api: PartnerReadApi, month: Month) -> StreamingResponse:
    """The same lines as CSV, for a PSA."""
    pid = api.partner_id
    chunks = service.lines_csv(api.read, pid, month)
    return csv_response(chunks, api.settings, pid, f"resale-{month}.csv")

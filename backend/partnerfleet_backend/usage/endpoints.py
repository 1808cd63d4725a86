"""Usage: the product reports what it uses (with its license key); partners read it."""

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.pipeline.api import PartnerReadApi, PartnerWriteApi, ProductApi
from partnerfleet_backend.usage import service
from partnerfleet_backend.usage.schemas import UsageCreate, UsageRead

router = APIRouter(prefix="/v1")


@router.post(
    "/license-keys/{license_key}/usage",
    status_code=201,
    response_model=UsageRead,
    tags=["license keys"],
)
def report_usage_from_product(
    body: UsageCreate, api: ProductApi, license_key: str = Path(max_length=64)
) -> JSONResponse:
    """For the product: the seats it uses now (or `at`). The license key is the credential; no
    API key, not counted against the partner's quota, rate-limited per key, audited."""
    return api.write(
        lambda ctx: UsageRead.model_validate(service.report_from_product(ctx, license_key, body)),
        201,
    )


@router.get("/licenses/{license_id}/usage", response_model=Page[UsageRead], tags=["licenses"])
def list_usage(
    license_id: str, api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[UsageRead]:
    """The usage the product reported for one of your licenses, oldest first."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[UsageRead]:
        rows, next_cursor = service.list_reports(ctx, pid, license_id, limit, cursor)
        return Page(items=[UsageRead.model_validate(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)


@router.post("/licenses/{license_id}/usage", status_code=201, tags=["licenses"])
def report_usage(license_id: str, body: UsageCreate, api: PartnerWriteApi) -> JSONResponse:
    """Refused (403 `usage_is_reported_by_the_product`): the product reports usage with its
    license key; the billed partner reads it but does not write it."""
    pid = api.partner_id

    def work(ctx: Ctx) -> UsageRead:
        service.refuse_partner_report(ctx, pid, license_id)
        raise AssertionError("unreachable")

    return api.write(work, 201)

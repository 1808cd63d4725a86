"""Usage reports of a license."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.pipeline.api import PartnerWriteApi
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.usage import service
from partnerfleet_backend.usage.schemas import UsageCreate, UsageRead

router = APIRouter(prefix="/v1", tags=["licenses"])


@router.post("/licenses/{license_id}/usage", status_code=201, response_model=UsageRead)
def report_usage(license_id: str, body: UsageCreate, api: PartnerWriteApi) -> JSONResponse:
    """A usage report from the product: seats actually in use."""
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> UsageRead:
        return UsageRead.model_validate(service.report_usage(ctx, pid, license_id, body))

    return api.write(work, 201)

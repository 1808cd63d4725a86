"""The partner's support level."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.api import CHARGES, PartnerReadApi, PartnerWriteApi
from partnerfleet_backend.support import service
from partnerfleet_backend.support.schemas import SupportRead, SupportUpdate

router = APIRouter(prefix="/v1", tags=["support"])


def _read(support: service.Support) -> SupportRead:
    return SupportRead.model_validate(support)


@router.get("/support", response_model=SupportRead)
def get_support(api: PartnerReadApi) -> SupportRead:
    """Your support level and where it comes from (your level, or the premium-support option)."""
    pid = api.partner_id
    return api.read(lambda ctx: _read(service.support_level(ctx, partners.get(ctx, pid))))


@router.put("/support", response_model=SupportRead, responses=CHARGES)
def set_support(body: SupportUpdate, api: PartnerWriteApi) -> JSONResponse:
    """`premium` buys the premium-support option unless your level includes it; `basic`
    cancels the option (it runs to the end of its period)."""
    pid = api.partner_id

    def work(ctx: Ctx) -> SupportRead:
        return _read(service.set_support(ctx, partners.get(ctx, pid), body.support_level))

    return api.write(work)

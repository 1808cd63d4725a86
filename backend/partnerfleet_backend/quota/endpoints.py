"""The partner's API-call quota."""

from fastapi import APIRouter

from partnerfleet_backend.pipeline.api import OwnAccountApi
from partnerfleet_backend.quota import service
from partnerfleet_backend.quota.schemas import QuotaRead

router = APIRouter(prefix="/v1", tags=["quota"])


@router.get("/quota", response_model=QuotaRead)
def get_quota(api: OwnAccountApi) -> QuotaRead:
    """This month's API calls: the level's calls plus active packs; resets 00:00 UTC on the 1st."""
    pid = api.partner_id

    return api.read(lambda ctx: service.view(service.current(ctx.session, pid, ctx.now)))

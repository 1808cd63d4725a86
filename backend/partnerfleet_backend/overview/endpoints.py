"""The partner's overview."""

from fastapi import APIRouter

from partnerfleet_backend.overview import service
from partnerfleet_backend.overview.schemas import OverviewRead
from partnerfleet_backend.pipeline.api import OwnAccountApi

router = APIRouter(prefix="/v1", tags=["me"])


@router.get("/overview", response_model=OverviewRead)
def get_overview(api: OwnAccountApi) -> OverviewRead:
    """At a glance: credit and its expiry, the level and next month's, the API-call quota,
    renewals in the next 45 days and what they will charge, licenses over their seats or
    suspended, under-licensed customers, active trials. The portal's front page shows this."""
    pid = api.partner_id
    return api.read(lambda ctx: service.overview(ctx, pid))

"""Access requests: the partner asks a customer org for access; its admins answer in the
portal."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Page
from partnerfleet_backend.partnership import service
from partnerfleet_backend.partnership.schemas import AccessRequestCreate, AccessRequestRead
from partnerfleet_backend.pipeline.api import PartnerReadApi, TeamWriteApi

router = APIRouter(prefix="/v1", tags=["customers"])
BASE = "/customers/{customer_id}/access-requests"


@router.post(BASE, status_code=201, response_model=AccessRequestRead)
def request_access(customer_id: str, body: AccessRequestCreate, api: TeamWriteApi) -> JSONResponse:
    """Ask the org's admins for access (mailed to its contact); they grant it, other access,
    or decline in the portal. 409 `access_request_pending` while one waits."""
    pid = api.partner_id
    return api.write(
        lambda ctx: AccessRequestRead.model_validate(
            service.request_access(ctx, pid, customer_id, body)
        ),
        201,
    )


@router.get(BASE, response_model=Page[AccessRequestRead])
def list_requests(customer_id: str, api: PartnerReadApi) -> Page[AccessRequestRead]:
    """Your requests to this org, newest first, with what it granted."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[AccessRequestRead]:
        rows = service.of_customer(ctx, pid, customer_id)
        return Page(items=[AccessRequestRead.model_validate(r) for r in rows])

    return api.read(work)


@router.post(BASE + "/{request_id}/resend", response_model=AccessRequestRead)
def resend(customer_id: str, request_id: str, api: TeamWriteApi) -> JSONResponse:
    """Mail a pending request again (at most once an hour: 429 before)."""
    pid = api.partner_id
    return api.write(
        lambda ctx: AccessRequestRead.model_validate(
            service.resend(ctx, pid, customer_id, request_id)
        )
    )


@router.delete(BASE + "/{request_id}", response_model=AccessRequestRead)
def withdraw(customer_id: str, request_id: str, api: TeamWriteApi) -> JSONResponse:
    """Withdraw a pending request (409 once answered)."""
    pid = api.partner_id
    return api.write(
        lambda ctx: AccessRequestRead.model_validate(
            service.withdraw(ctx, pid, customer_id, request_id)
        )
    )

"""Operator routes for partner accounts; partner routes for the own profile."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.partner import service
from partnerfleet_backend.partner.schemas import MeUpdate, PartnerCreate, PartnerRead, PartnerUpdate
from partnerfleet_backend.pipeline.api import OperatorApi, OwnAccountApi, PartnerWriteApi

router = APIRouter(prefix="/v1")
P = "partners"


@router.post("/partners", status_code=201, response_model=PartnerRead, tags=[P])
def create_partner(body: PartnerCreate, api: OperatorApi) -> JSONResponse:
    """Create a partner account with an empty wallet (operator)."""
    return api.write(lambda ctx: service.view(ctx, service.create(ctx, body)), 201)


@router.get("/partners", response_model=Page[PartnerRead], tags=[P])
def list_partners(api: OperatorApi, limit: Limit = 50, cursor: Cursor = None) -> Page[PartnerRead]:
    """List partner accounts (operator)."""

    def work(ctx: Ctx) -> Page[PartnerRead]:
        rows, next_cursor = service.list_partners(ctx, limit, cursor)
        return Page(items=[service.view(ctx, p) for p in rows], next_cursor=next_cursor)

    return api.read(work)


@router.get("/partners/{partner_id}", response_model=PartnerRead, tags=[P])
def get_partner(partner_id: str, api: OperatorApi) -> JSONResponse:
    """One partner account with its level, benefits and balance (operator); ETag."""
    return api.respond(api.read(lambda ctx: service.view(ctx, service.get(ctx, partner_id))))


@router.patch("/partners/{partner_id}", response_model=PartnerRead, tags=[P])
def update_partner(partner_id: str, body: PartnerUpdate, api: OperatorApi) -> JSONResponse:
    """Change a partner's name, billing email, level or status (operator; honours If-Match)."""
    return api.write(lambda ctx: service.view(ctx, service.update(ctx, partner_id, body)))


@router.delete("/partners/{partner_id}", response_model=PartnerRead, tags=[P])
def close_partner(partner_id: str, api: OperatorApi) -> JSONResponse:
    """Close a partner account and revoke its keys; the ledger and audit stay (operator)."""
    return api.write(lambda ctx: service.view(ctx, service.close(ctx, partner_id)))


@router.get("/me", response_model=PartnerRead, tags=["me"])
def get_me(api: OwnAccountApi) -> JSONResponse:
    """The own profile: level, support level, benefits, balance; ETag."""
    pid = api.partner_id
    return api.respond(api.read(lambda ctx: service.view(ctx, service.get(ctx, pid))))


@router.patch("/me", response_model=PartnerRead, tags=["me"])
def update_me(body: MeUpdate, api: PartnerWriteApi) -> JSONResponse:
    """Change billing email, support contact, logo or webhook URL (honours If-Match)."""
    pid = api.partner_id
    return api.write(lambda ctx: service.update_me(ctx, pid, body))


@router.put("/me/logo", status_code=204, tags=["me"])
async def set_logo(request: Request, api: PartnerWriteApi) -> Response:
    """Upload your logo (PNG or JPEG, at most 60 KiB, as the raw body): with white label it
    brands your customers' pages and the reports (write key)."""
    data = await request.body()

    def upload() -> None:
        pid = api.partner_id
        api.write(lambda ctx: {"bytes": len(service.set_logo(ctx, pid, data).data)})

    await run_in_threadpool(upload)
    return Response(status_code=204)


@router.post("/me/webhook-secret", response_model=PartnerRead, tags=["me"])
def rotate_webhook_secret(api: PartnerWriteApi) -> JSONResponse:
    """Make a new webhook signing secret, shown in this answer only (write key)."""
    pid = api.partner_id
    return api.write(
        lambda ctx: service.rotate_webhook_secret(ctx, pid),
        restore=lambda ctx, stored: service.replayed_rotation(ctx, pid, stored),
    )

"""Add-on options: bought by the partner, or for a partner by the operator."""

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from partnerfleet_backend.addon import service
from partnerfleet_backend.addon.schemas import AddOnCreate, AddOnRead, AddOnStatus, AddOnUpdate
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.api import (
    CHARGES,
    BuyAddOnApi,
    OperatorApi,
    PartnerReadApi,
    PartnerWriteApi,
)

router = APIRouter(prefix="/v1")
A = "addons"


@router.post("/addons", status_code=201, response_model=AddOnRead, tags=[A], responses=CHARGES)
def buy_addon(body: AddOnCreate, api: BuyAddOnApi) -> JSONResponse:
    """Buy an option for one month, charged from credit unless your level includes it."""
    pid = api.partner_id
    return api.write(lambda ctx: service.view(service.buy(ctx, partners.get(ctx, pid), body)), 201)


@router.post(
    "/partners/{partner_id}/addons",
    status_code=201,
    response_model=AddOnRead,
    tags=["partners"],
    responses=CHARGES,
)
def buy_addon_for_partner(partner_id: str, body: AddOnCreate, api: OperatorApi) -> JSONResponse:
    """Buy an add-on for a partner, not metered (how a Bronze partner gets its first calls)."""
    return api.write(
        lambda ctx: service.view(service.buy(ctx, partners.get(ctx, partner_id), body)), 201
    )


@router.get("/addons", response_model=Page[AddOnRead], tags=[A])
def list_addons(
    api: PartnerReadApi,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: AddOnStatus | None = None,
    option: str | None = Query(default=None, max_length=40),
) -> Page[AddOnRead]:
    """Your add-ons, filterable by status and option."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[AddOnRead]:
        rows, next_cursor = service.list_addons(ctx, pid, limit, cursor, status, option)
        return Page(items=[service.view(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)


@router.get("/addons/{addon_id}", response_model=AddOnRead, tags=[A])
def get_addon(addon_id: str, api: PartnerReadApi) -> JSONResponse:
    """One add-on."""
    pid = api.partner_id
    return api.respond(api.read(lambda ctx: service.view(service.get(ctx, pid, addon_id))))


@router.patch("/addons/{addon_id}", response_model=AddOnRead, tags=[A])
def update_addon(addon_id: str, body: AddOnUpdate, api: PartnerWriteApi) -> JSONResponse:
    """Turn monthly renewal on or off; claim an add-on bought outside a program by giving it a
    client_reference (adoption; once). Honours If-Match."""
    pid = api.partner_id
    return api.write(lambda ctx: service.view(service.change(ctx, pid, addon_id, body)))


@router.delete("/addons/{addon_id}", response_model=AddOnRead, tags=[A])
def cancel_addon(addon_id: str, api: PartnerWriteApi) -> JSONResponse:
    """Cancel an add-on: it is not renewed and runs to the end of its period."""
    pid = api.partner_id
    return api.write(lambda ctx: service.view(service.cancel(ctx, pid, addon_id)))

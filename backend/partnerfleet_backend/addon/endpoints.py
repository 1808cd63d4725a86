"""Add-on options and the partner's support level."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.addon import service
from partnerfleet_backend.addon.schemas import (
    AddOnCreate,
    AddOnRead,
    AddOnUpdate,
    SupportRead,
    SupportUpdate,
)
from partnerfleet_backend.api import PartnerReadApi, PartnerWriteApi
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page

router = APIRouter(prefix="/v1")


@router.post("/addons", status_code=201, response_model=AddOnRead, tags=["addons"])
def buy_addon(body: AddOnCreate, api: PartnerWriteApi) -> JSONResponse:
    """Buy an option for one month, charged from credit unless your level includes it."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: service.view(service.buy(ctx, pid, body)), 201)


@router.get("/addons", response_model=Page[AddOnRead], tags=["addons"])
def list_addons(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None, status: str | None = None
) -> Page[AddOnRead]:
    """Your add-ons, filterable by status."""
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> Page[AddOnRead]:
        rows, next_cursor = service.list_addons(ctx, pid, limit, cursor, status)
        return Page(items=[service.view(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)


@router.get("/addons/{addon_id}", response_model=AddOnRead, tags=["addons"])
def get_addon(addon_id: str, api: PartnerReadApi) -> JSONResponse:
    """One add-on."""
    pid = api.partner_id
    assert pid is not None
    return api.respond(api.read(lambda ctx: service.view(service.get(ctx, pid, addon_id))))


@router.patch("/addons/{addon_id}", response_model=AddOnRead, tags=["addons"])
def update_addon(addon_id: str, body: AddOnUpdate, api: PartnerWriteApi) -> JSONResponse:
    """Turn monthly renewal on or off (honours If-Match)."""
    pid = api.partner_id
    assert pid is not None
    auto_renew = body.auto_renew

    def work(ctx: Ctx) -> AddOnRead:
        addon = service.get(ctx, pid, addon_id)
        if auto_renew is None:
            return service.view(addon)
        return service.view(service.set_auto_renew(ctx, pid, addon_id, auto_renew))

    return api.write(work)


@router.delete("/addons/{addon_id}", response_model=AddOnRead, tags=["addons"])
def cancel_addon(addon_id: str, api: PartnerWriteApi) -> JSONResponse:
    """Cancel an add-on: it is not renewed and runs to the end of its period."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: service.view(service.cancel(ctx, pid, addon_id)))


@router.get("/support", response_model=SupportRead, tags=["support"])
def get_support(api: PartnerReadApi) -> SupportRead:
    """Your support level and where it comes from (your level, or the premium-support option)."""
    pid = api.partner_id
    assert pid is not None
    return api.read(lambda ctx: service.support(ctx, pid))


@router.put("/support", response_model=SupportRead, tags=["support"])
def set_support(body: SupportUpdate, api: PartnerWriteApi) -> JSONResponse:
    """`premium` buys the premium-support option unless your level includes it; `basic`
    cancels the option (it runs to the end of its period)."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: service.set_support(ctx, pid, body.support_level))

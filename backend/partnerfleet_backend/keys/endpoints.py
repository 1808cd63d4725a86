"""API keys: the operator issues and revokes a partner's keys; a partner manages its own with
a write key (a read key lists them only). The key itself is shown once, when it is made."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.keys import service
from partnerfleet_backend.keys.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    ApiKeyRevoked,
)
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.api import OperatorApi, PartnerReadApi, PartnerWriteApi

router = APIRouter(prefix="/v1")
P, ME = "partners", "me"


@router.post(
    "/partners/{partner_id}/api-keys", status_code=201, response_model=ApiKeyCreated, tags=[P]
)
def create_api_key(partner_id: str, body: ApiKeyCreate, api: OperatorApi) -> JSONResponse:
    """Issue a partner key with scope `read`, `write` or `team` (with the customers it
    manages); the key is shown once (operator)."""

    def work(ctx: Ctx) -> ApiKeyCreated:
        partners.get(ctx, partner_id)
        return service.create_partner_key(ctx, partner_id, body)

    return api.write(work, 201)


@router.get("/partners/{partner_id}/api-keys", response_model=list[ApiKeyRead], tags=[P])
def list_api_keys(partner_id: str, api: OperatorApi) -> list[ApiKeyRead]:
    """A partner's keys, without the keys themselves (operator)."""

    def work(ctx: Ctx) -> list[ApiKeyRead]:
        partners.get(ctx, partner_id)
        return service.list_partner_keys(ctx, partner_id)

    return api.read(work)


@router.delete("/partners/{partner_id}/api-keys/{key_id}", response_model=ApiKeyRevoked, tags=[P])
def revoke_api_key(partner_id: str, key_id: str, api: OperatorApi) -> JSONResponse:
    """Revoke a key: its next request gets 401 (operator)."""
    return api.write(
        lambda ctx: ApiKeyRevoked.model_validate(
            service.revoke_partner_key(ctx, partner_id, key_id), from_attributes=True
        )
    )


@router.get("/me/api-keys", response_model=list[ApiKeyRead], tags=[ME])
def list_own_api_keys(api: PartnerReadApi) -> list[ApiKeyRead]:
    """Your keys, without the keys themselves."""
    pid = api.partner_id
    return api.read(lambda ctx: service.list_partner_keys(ctx, pid))


@router.post("/me/api-keys", status_code=201, response_model=ApiKeyCreated, tags=[ME])
def create_own_api_key(body: ApiKeyCreate, api: PartnerWriteApi) -> JSONResponse:
    """Make a key for CI, a tool or a team, `read`, `write` or `team` (staff rights: the
    customers it manages), with a write key; shown once."""
    pid = api.partner_id
    return api.write(lambda ctx: service.create_partner_key(ctx, pid, body), 201)


@router.delete("/me/api-keys/{key_id}", response_model=ApiKeyRevoked, tags=[ME])
def revoke_own_api_key(key_id: str, api: PartnerWriteApi) -> JSONResponse:
    """Revoke one of your keys (the one you call with too): its next request gets 401."""
    pid = api.partner_id
    return api.write(
        lambda ctx: ApiKeyRevoked.model_validate(
            service.revoke_partner_key(ctx, pid, key_id), from_attributes=True
        )
    )

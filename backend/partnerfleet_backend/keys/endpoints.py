"""Partner API keys, issued and revoked by the operator."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.keys import service
from partnerfleet_backend.keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRevoked
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.api import OperatorApi
from partnerfleet_backend.pipeline.context import Ctx

router = APIRouter(prefix="/v1", tags=["partners"])


@router.post("/partners/{partner_id}/api-keys", status_code=201, response_model=ApiKeyCreated)
def create_api_key(partner_id: str, body: ApiKeyCreate, api: OperatorApi) -> JSONResponse:
    """Issue a partner key with scope `read` or `write`; the key is shown once (operator)."""

    def work(ctx: Ctx) -> ApiKeyCreated:
        partners.get(ctx, partner_id)
        return service.create_partner_key(ctx, partner_id, body.scope)

    return api.write(work, 201)


@router.delete("/partners/{partner_id}/api-keys/{key_id}", response_model=ApiKeyRevoked)
def revoke_api_key(partner_id: str, key_id: str, api: OperatorApi) -> JSONResponse:
    """Revoke a key: its next request gets 401 (operator)."""
    return api.write(
        lambda ctx: ApiKeyRevoked.model_validate(
            service.revoke_partner_key(ctx, partner_id, key_id), from_attributes=True
        )
    )

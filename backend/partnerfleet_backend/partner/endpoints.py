"""Operator routes for partner accounts, keys, credit; partner routes for the own profile."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.addon.schemas import AddOnCreate, AddOnRead
from partnerfleet_backend.api import OperatorApi, PartnerReadApi, PartnerWriteApi
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.partner import service
from partnerfleet_backend.partner.schemas import (
    AdjustmentCreate,
    ApiKeyCreate,
    ApiKeyCreated,
    MeUpdate,
    PartnerCreate,
    PartnerRead,
    PartnerUpdate,
    RefundCreate,
    TopUpCreate,
    TopUpRead,
)
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.schemas import LedgerEntryRead

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
def get_partner(partner_id: str, api: OperatorApi) -> PartnerRead:
    """One partner account with its level, benefits and balance (operator)."""
    return api.read(lambda ctx: service.view(ctx, service.get(ctx, partner_id)))


@router.patch("/partners/{partner_id}", response_model=PartnerRead, tags=[P])
def update_partner(partner_id: str, body: PartnerUpdate, api: OperatorApi) -> JSONResponse:
    """Change a partner's name, billing email, level or status (operator; honours If-Match)."""
    return api.write(lambda ctx: service.view(ctx, service.update(ctx, partner_id, body)))


@router.delete("/partners/{partner_id}", response_model=PartnerRead, tags=[P])
def close_partner(partner_id: str, api: OperatorApi) -> JSONResponse:
    """Close a partner account and revoke its keys; the ledger and audit stay (operator)."""
    return api.write(lambda ctx: service.view(ctx, service.close(ctx, partner_id)))


@router.post(
    "/partners/{partner_id}/api-keys", status_code=201, response_model=ApiKeyCreated, tags=[P]
)
def create_api_key(partner_id: str, body: ApiKeyCreate, api: OperatorApi) -> JSONResponse:
    """Issue a partner key with scope `read` or `write`; the key is shown once (operator)."""
    return api.write(lambda ctx: service.create_key(ctx, partner_id, body.scope), 201)


@router.delete("/partners/{partner_id}/api-keys/{key_id}", tags=[P])
def revoke_api_key(partner_id: str, key_id: str, api: OperatorApi) -> JSONResponse:
    """Revoke a key: its next request gets 401 (operator)."""
    return api.write(lambda ctx: service.revoke_key(ctx, partner_id, key_id))


@router.post("/partners/{partner_id}/top-ups", status_code=201, response_model=TopUpRead, tags=[P])
def top_up(partner_id: str, body: TopUpCreate, api: OperatorApi) -> JSONResponse:
    """Add nominal credit at the discount of its bracket (the payment happens outside)."""

    def work(ctx: Ctx) -> TopUpRead:
        service.get(ctx, partner_id)
        lot = wallet.top_up(ctx, partner_id, body.amount_cents)
        return TopUpRead(
            id=lot.id,
            amount_cents=lot.amount_cents,
            discount_bp=lot.discount_bp,
            price_cents=lot.price_cents,
            expires_at=lot.expires_at,
        )

    return api.write(work, 201)


@router.post(
    "/partners/{partner_id}/adjustments", status_code=201, response_model=LedgerEntryRead, tags=[P]
)
def adjust(partner_id: str, body: AdjustmentCreate, api: OperatorApi) -> JSONResponse:
    """A manual correction of the credit: positive adds a lot, negative debits (operator)."""

    def work(ctx: Ctx) -> LedgerEntryRead:
        service.get(ctx, partner_id)
        return LedgerEntryRead.model_validate(
            wallet.adjust(ctx, partner_id, body.amount_cents, body.reason)
        )

    return api.write(work, 201)


@router.post(
    "/partners/{partner_id}/refunds", status_code=201, response_model=LedgerEntryRead, tags=[P]
)
def refund(partner_id: str, body: RefundCreate, api: OperatorApi) -> JSONResponse:
    """Refund a whole charge to the lots it was drawn from (operator)."""

    def work(ctx: Ctx) -> LedgerEntryRead:
        service.get(ctx, partner_id)
        return LedgerEntryRead.model_validate(wallet.refund(ctx, partner_id, body.entry_id))

    return api.write(work, 201)


@router.post("/partners/{partner_id}/addons", status_code=201, response_model=AddOnRead, tags=[P])
def buy_addon_for_partner(partner_id: str, body: AddOnCreate, api: OperatorApi) -> JSONResponse:
    """Buy an add-on for a partner, not metered (how a Bronze partner gets its first calls)."""
    return api.write(lambda ctx: addons.view(addons.buy(ctx, partner_id, body)), 201)


@router.get("/me", response_model=PartnerRead, tags=["me"])
def get_me(api: PartnerReadApi) -> PartnerRead:
    """The own profile: level, support level, benefits, balance."""
    pid = api.partner_id
    assert pid is not None
    return api.read(lambda ctx: service.view(ctx, service.get(ctx, pid)))


@router.patch("/me", response_model=PartnerRead, tags=["me"])
def update_me(body: MeUpdate, api: PartnerWriteApi) -> JSONResponse:
    """Change billing email, support contact, logo or webhook URL (honours If-Match)."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: service.view(ctx, service.update_me(ctx, pid, body)))

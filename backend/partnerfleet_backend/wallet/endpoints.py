"""The partner's wallet and ledger; the operator's top-ups, adjustments and refunds."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.api import CHARGES, OperatorApi, OwnAccountApi, PartnerReadApi
from partnerfleet_backend.topup import service as top_ups
from partnerfleet_backend.wallet import corrections, service
from partnerfleet_backend.wallet.schemas import (
    AdjustmentCreate,
    LedgerEntryRead,
    RefundCreate,
    TopUpCreate,
    TopUpRead,
    WalletRead,
)

router = APIRouter(prefix="/v1")
W, P = "wallet", "partners"


@router.get("/wallet", response_model=WalletRead, tags=[W])
def get_wallet(api: OwnAccountApi) -> WalletRead:
    """Balance (the sum of the ledger), credit still valid now, and the open lots."""
    pid = api.partner_id

    return api.read(lambda ctx: service.view(ctx, pid))


@router.get("/wallet/ledger", response_model=Page[LedgerEntryRead], tags=[W])
def get_ledger(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[LedgerEntryRead]:
    """Ledger entries, oldest first, with nominal and net amounts."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[LedgerEntryRead]:
        rows, next_cursor = service.ledger(ctx, pid, limit, cursor)
        return Page(
            items=[LedgerEntryRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    return api.read(work)


@router.post("/partners/{partner_id}/top-ups", status_code=201, response_model=TopUpRead, tags=[P])
def top_up(partner_id: str, body: TopUpCreate, api: OperatorApi) -> JSONResponse:
    """Add nominal credit at the discount of its bracket (the payment happens outside); its
    numbered invoice is mailed to the billing address."""

    def work(ctx: Ctx) -> TopUpRead:
        partners.get(ctx, partner_id)
        return TopUpRead.model_validate(top_ups.buy(ctx, partner_id, body.amount_cents))

    return api.write(work, 201)


@router.post(
    "/partners/{partner_id}/adjustments",
    status_code=201,
    response_model=LedgerEntryRead,
    tags=[P],
    responses=CHARGES,
)
def adjust(partner_id: str, body: AdjustmentCreate, api: OperatorApi) -> JSONResponse:
    """A manual correction of the credit: positive adds a lot, negative debits (operator)."""

    def work(ctx: Ctx) -> LedgerEntryRead:
        partners.get(ctx, partner_id)
        return LedgerEntryRead.model_validate(
            corrections.adjust(ctx, partner_id, body.amount_cents, body.reason)
        )

    return api.write(work, 201)


@router.post(
    "/partners/{partner_id}/refunds", status_code=201, response_model=LedgerEntryRead, tags=[P]
)
def refund(partner_id: str, body: RefundCreate, api: OperatorApi) -> JSONResponse:
    """Refund a whole charge to the lots it was drawn from (operator)."""

    def work(ctx: Ctx) -> LedgerEntryRead:
        partners.get(ctx, partner_id)
        return LedgerEntryRead.model_validate(corrections.refund(ctx, partner_id, body.entry_id))

    return api.write(work, 201)

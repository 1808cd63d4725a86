"""The partner's wallet and ledger."""

from fastapi import APIRouter
from sqlalchemy import select

from partnerfleet_backend.api import PartnerReadApi
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page, page_rows
from partnerfleet_backend.models import LedgerEntry, Wallet
from partnerfleet_backend.wallet import service
from partnerfleet_backend.wallet.schemas import LedgerEntryRead, LotRead, WalletRead

router = APIRouter(prefix="/v1", tags=["wallet"])


@router.get("/wallet", response_model=WalletRead)
def get_wallet(api: PartnerReadApi) -> WalletRead:
    """Balance (the sum of the ledger), credit still valid now, and the open lots."""
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> WalletRead:
        wallet = ctx.session.get(Wallet, pid)
        lots = service.open_lots(ctx, pid)
        return WalletRead(
            balance_cents=wallet.balance_cents if wallet else 0,
            available_cents=sum(lot.remaining_cents for lot in lots),
            expires_at=max((lot.expires_at for lot in lots), default=None),
            lots=[LotRead.model_validate(lot) for lot in lots],
        )

    return api.read(work)


@router.get("/wallet/ledger", response_model=Page[LedgerEntryRead])
def get_ledger(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[LedgerEntryRead]:
    """Ledger entries, oldest first, with nominal and net amounts."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[LedgerEntryRead]:
        rows, next_cursor = page_rows(
            ctx.session,
            select(LedgerEntry).where(LedgerEntry.partner_id == pid),
            LedgerEntry.id,
            limit,
            cursor,
        )
        return Page(
            items=[LedgerEntryRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    return api.read(work)

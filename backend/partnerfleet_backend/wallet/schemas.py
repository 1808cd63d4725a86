"""Bodies of the wallet routes."""

from datetime import datetime

from pydantic import BaseModel, Field

from partnerfleet_backend.kit.schemas import InputModel, OutputModel, StrictInt


class LotRead(OutputModel):
    id: str
    amount_cents: int
    remaining_cents: int
    discount_bp: int
    price_cents: int
    created_at: datetime
    expires_at: datetime


class WalletRead(BaseModel):
    balance_cents: int
    available_cents: int
    expires_at: datetime | None
    lots: list[LotRead]


class LedgerEntryRead(OutputModel):
    id: str
    kind: str
    amount_cents: int
    net_cents: int
    description: str
    object_type: str | None
    object_id: str | None
    refunds_entry_id: str | None
    request_id: str | None
    created_at: datetime


class TopUpCreate(InputModel):
    amount_cents: StrictInt = Field(gt=0, le=10**10)


class TopUpRead(OutputModel):
    id: str
    amount_cents: int
    discount_bp: int
    price_cents: int
    expires_at: datetime
    invoice_number: str | None = None


class AdjustmentCreate(InputModel):
    amount_cents: StrictInt = Field(ge=-(10**10), le=10**10)
    reason: str = Field(min_length=1, max_length=300)


class RefundCreate(InputModel):
    entry_id: str = Field(min_length=1, max_length=40)

"""Bodies of the top-up routes: the partner's rule, top-up requests, top-up invoices."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from partnerfleet_backend.kit.schemas import InputModel, OutputModel, StrictInt


class TopUpRuleWrite(InputModel):
    amount_cents: StrictInt = Field(
        ge=100, le=10**10, description="The top-up to ask for (its bracket sets the discount)"
    )
    threshold_cents: StrictInt | None = Field(
        default=None,
        ge=0,
        le=10**10,
        description="Ask when the credit available falls below this (none: only for renewals)",
    )
    before_renewal: bool = Field(
        default=True,
        description="Ask when renewals of the next 7 days cost more than the credit available; "
        "such a renewal then waits up to 7 days for the credit instead of lapsing",
    )


class TopUpRuleRead(OutputModel):
    amount_cents: int
    threshold_cents: int | None
    before_renewal: bool
    updated_at: datetime


class TopUpRequestCreate(InputModel):
    amount_cents: StrictInt = Field(ge=100, le=10**10)


class TopUpRequestRead(OutputModel):
    id: str
    partner_id: str
    amount_cents: int
    status: Literal["requested", "settled", "cancelled"]
    reason: str
    requested_by: Literal["rule", "partner"]
    created_at: datetime
    settled_at: datetime | None
    cancelled_at: datetime | None
    lot_id: str | None = Field(description="The credit it became, once settled")


class TopUpInvoiceRead(OutputModel):
    """A bought top-up's invoice: what was paid, the credit it gave, its discount bracket."""

    lot_id: str = Field(validation_alias="id")
    invoice_number: str
    price_cents: int = Field(description="Paid")
    amount_cents: int = Field(description="Nominal credit")
    discount_bp: int = Field(description="The bracket's discount")
    created_at: datetime
    expires_at: datetime

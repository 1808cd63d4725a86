"""Bodies of resale billing: the partner's prices for its customers, and the month's lines."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from partnerfleet_backend.kit.schemas import InputModel, OutputModel, StrictInt


class ResalePriceWrite(InputModel):
    """Exactly one: a price per seat (or usage unit) and month, or a markup on the cost."""

    price_cents: StrictInt | None = Field(default=None, ge=0, le=10**8)
    markup_bp: StrictInt | None = Field(
        default=None, ge=0, le=100_000, description="On the nominal cost, in basis points"
    )


class ResalePriceRead(OutputModel):
    product: str
    edition: str = Field(description="An edition, or * for every edition of the product")
    price_cents: int | None
    markup_bp: int | None
    updated_at: datetime


class ResaleLine(OutputModel):
    """What to bill a customer for one license in a month, against what it cost."""

    customer_id: str
    customer_label: str
    license_id: str
    reference: str | None
    product: str
    edition: str
    units: str = Field(
        description="Seats (or usage units) times the part of the month they were paid for, "
        "with two decimals: 100 seats all month are 100.00"
    )
    pricing: Literal["price", "markup", "list"] = Field(
        description="How the resale amount is made: the partner's price per unit and month, "
        "its markup on the cost, or (neither set) the vendor's list price, the nominal cost"
    )
    resale_unit_cents: int | None
    markup_bp: int | None
    resale_cents: int
    cost_cents: int = Field(description="Nominal: the month's share of what was charged")
    cost_net_cents: int = Field(description="What that credit cost, through the lots")
    margin_cents: int = Field(description="resale_cents - cost_net_cents")

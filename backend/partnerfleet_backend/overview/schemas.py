"""The partner's overview: what its front page shows first, as the API answers it."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from partnerfleet_backend.license.schemas import RightsizingRead
from partnerfleet_backend.quota.schemas import QuotaRead
from partnerfleet_backend.wallet.schemas import WalletRead


class Branding(BaseModel):
    """What a customer of this partner sees: the partner's name and logo with white label,
    the vendor's otherwise."""

    white_label: bool
    name: str
    logo_url: str | None
    has_logo: bool = Field(description="An uploaded logo (PUT /v1/me/logo) brands pages and PDFs")
    support_contact: dict[str, Any] | None


class Credit(WalletRead):
    expiring_within_30_days_cents: int


class LevelView(BaseModel):
    current: str
    benefits: dict[str, Any]
    monthly_run_rate_cents: int = Field(description="Monthly nominal usage now")
    next_month: str = Field(description="The level at the next monthly run, as things stand")
    next_month_reasons: list[str] = Field(
        description="Why it is below what the run-rate gives (orders, training), if it is"
    )
    orders_last_6_months: int = Field(description="Orders that count at the next run")
    trainings: list[str] = Field(description="Trainings still valid at the next run")


class QuotaView(QuotaRead):
    used_bp: int = Field(description="Share used, in basis points (10000 = all)")
    warn_at_bp: list[int] = Field(description="The warning marks: 80 % and 95 %")


class LicenseLine(BaseModel):
    license_id: str
    customer_id: str
    customer_label: str
    product: str
    edition: str
    seats: int | None
    used_seats: int | None
    status: str
    ends_at: datetime | None
    reference: str | None


class Renewal(LicenseLine):
    auto_renew: bool
    renewal_cents: int = Field(description="What the renewal will charge (0: it ends)")
    next_seats: int
    next_edition: str
    next_term_months: int | None
    rightsizing: RightsizingRead | None = Field(
        default=None, description="Seats unused at the renewal, and what lowering them saves"
    )


class Renewals(BaseModel):
    within_days: int
    cost_cents: int
    items: list[Renewal]


class OverviewRead(BaseModel):
    partner_id: str
    name: str
    as_of: datetime
    credit: Credit
    level: LevelView
    quota: QuotaView
    renewals: Renewals
    attention: list[LicenseLine] = Field(description="Over their seats or suspended")
    under_licensed: list[LicenseLine] = Field(description="Used above the seats licensed")
    trials: list[LicenseLine] = Field(description="Active trials; ends_at is the trial's end")
    branding: Branding
    manager: dict[str, Any] | None = Field(
        default=None, description="Your personal manager at the vendor, while your level has one"
    )

"""Bodies of the license routes. Products, editions and terms are the catalog's
(`GET /v1/catalog`) and checked against it."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from partnerfleet_backend.kit.schemas import CatalogName, InputModel, OutputModel, StrictInt
from partnerfleet_backend.models import LicenseStatus

__all__ = ["LicenseCreate", "LicenseKeyValidation", "LicenseRead", "LicenseStatus", "LicenseUpdate"]


class LicenseCreate(InputModel):
    customer_id: str = Field(min_length=1, max_length=40)
    product: CatalogName = Field(description="A product of the catalog.")
    edition: CatalogName = Field(description="An edition of the product.")
    term_months: StrictInt | None = Field(
        default=None, description="Prepaid term (a term of the product); absent for usage-billed."
    )
    seats: StrictInt | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Seats bought; for usage-billed products an optional cap.",
    )
    auto_renew: bool = True
    trial: bool = Field(default=False, description="14 days free, then paid or lapsed.")
    reference: str | None = Field(default=None, min_length=1, max_length=100)
    client_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Unique per partner forever: a replay after the idempotency window "
        "still cannot charge twice.",
    )


class LicenseUpdate(InputModel):
    seats: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    edition: CatalogName | None = None
    term_months: StrictInt | None = Field(default=None, description="Term of the next renewal.")
    auto_renew: bool | None = None
    reference: str | None = Field(default=None, min_length=1, max_length=100)


class RightsizingRead(BaseModel):
    renews_on: date
    seats: int = Field(description="The seats it renews with")
    peak_used: int = Field(description="The most seats in use in the last 30 days")
    unused_seats: int
    saving_cents: int = Field(description="What lowering to the peak saves at the renewal")
    said: str


class LicenseRead(OutputModel):
    id: str
    customer_id: str
    product: str
    edition: str
    edition_next_term: str | None
    term_months: int | None
    term_months_next_term: int | None
    seats: int | None
    seats_next_term: int | None
    used_seats: int | None
    auto_renew: bool
    trial: bool
    status: LicenseStatus
    reference: str | None
    client_reference: str | None
    license_key: str
    monthly_nominal_cents: int
    starts_at: datetime
    ends_at: datetime | None
    cancelled_at: datetime | None
    held_at: datetime | None = Field(description="Suspended by the vendor since (until lifted)")
    hold_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    rightsizing: RightsizingRead | None = Field(
        default=None,
        description="Renewing within 45 days with fewer seats in use (the peak of the last 30 "
        "days) than it renews with: the unused seats and what lowering them saves",
    )


class HoldCreate(InputModel):
    """The operator suspends a license: the product stops accepting its key until lifted."""

    reason: str = Field(min_length=1, max_length=300)


class LicenseKeyValidation(OutputModel):
    """What the product learns from a license key: nothing but this."""

    valid: bool
    product: str | None = None
    edition: str | None = None
    seats: int | None = None
    expires_at: datetime | None = None

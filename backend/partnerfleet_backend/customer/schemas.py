"""Bodies of the customer org routes."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from partnerfleet_backend.kit.schemas import CatalogName, Email, InputModel, OutputModel

Segment = Literal["business", "public_admin", "school"]
Reference = str


class CustomerCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    segment: Segment
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. DE")
    contact_email: Email
    reference: str | None = Field(
        default=None, min_length=1, max_length=100, description="Your own id (CRM); unique."
    )
    support_by: Literal["partner", "vendor"] = "partner"
    access: Literal["full", "limited"] = "full"
    access_products: list[CatalogName] | None = Field(
        default=None, max_length=20, description="With access 'limited': the products you manage"
    )
    logo_url: str | None = Field(default=None, max_length=2000, pattern=r"^https://")


class CustomerUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    segment: Segment | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    contact_email: Email | None = None
    reference: str | None = Field(default=None, min_length=1, max_length=100)
    support_by: Literal["partner", "vendor"] | None = None
    access: Literal["full", "limited"] | None = None
    access_products: list[CatalogName] | None = Field(default=None, max_length=20)
    payer: Literal["partner", "customer"] | None = Field(
        default=None,
        description="With access 'full', who pays: the partner's wallet or the customer "
        "(invoiced, the partner earns cashback); the customer's to choose",
    )
    logo_url: str | None = Field(default=None, max_length=2000, pattern=r"^https://")


class CustomerRead(OutputModel):
    id: str
    name: str
    segment: Segment
    country: str
    contact_email: str
    reference: str | None
    support_by: Literal["partner", "vendor"]
    access: Literal["full", "limited"]
    access_products: list[str] | None
    payer: Literal["partner", "customer"] = Field(
        description="The customer's choice with full access"
    )
    pays: Literal["partner", "customer"] = Field(
        description="Who pays this org's orders and renewals now (limited access: the customer)"
    )
    logo_url: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    version: int


class CustomerGrant(InputModel):
    """What the customer grants its partner, set for it by the vendor's operator."""

    access: Literal["full", "limited"] | None = None
    access_products: list[CatalogName] | None = Field(default=None, max_length=20)
    payer: Literal["partner", "customer"] | None = None

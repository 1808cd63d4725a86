"""Bodies of the directory and the tenders. Prose (a tender's text, an offer, a description)
may have line breaks and nothing else unseen, and no markup: it is shown as text, never as
HTML, and no link in it is made clickable."""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from partnerfleet_backend.kit.schemas import Email, InputModel, unseen

SERVICES = (
    "installation",
    "managed-service",
    "consulting",
    "training",
    "support",
    "migration",
    "security-audit",
)
Service = Literal[
    "installation",
    "managed-service",
    "consulting",
    "training",
    "support",
    "migration",
    "security-audit",
]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. de")]
ProductName = Annotated[str, Field(min_length=1, max_length=40)]
PROSE = {"text", "description"}  # fields that may hold line breaks
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")


class ProseInput(InputModel):
    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(  # type: ignore[override]  # the base without prose
        cls, value: Any, info: ValidationInfo
    ) -> Any:
        if not isinstance(value, str):
            return value
        if info.field_name in PROSE:
            value = value.replace("\r\n", "\n")
            if _MARKUP.search(value):
                raise ValueError("text only: no HTML or other markup")
        allowed = "\n" if info.field_name in PROSE else ""
        if any(unseen(c) and c not in allowed for c in value):
            raise ValueError(
                "must not contain control characters or direction overrides"
                + (" (line breaks are fine)" if allowed else " (no line breaks)")
            )
        return value


class DirectoryUpdate(ProseInput):
    listed: bool = Field(description="Appear in the public directory (once approved)")
    country: Country
    languages: list[Language] = Field(min_length=1, max_length=10)
    services: list[Service] = Field(min_length=1, max_length=len(SERVICES))
    products: list[ProductName] = Field(default=[], max_length=20)
    website: str = Field(max_length=300, pattern=r"^https://[^\s/$.?#][^\s]*$")
    registration_number: str = Field(
        min_length=3, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$"
    )
    description: str = Field(default="", max_length=1000)
    receives_tenders: bool = Field(default=False, description="Receive requests for quotes")
    tender_countries: list[Country] = Field(default=[], max_length=50)
    tender_products: list[ProductName] = Field(default=[], max_length=20)
    tender_services: list[Service] = Field(default=[], max_length=len(SERVICES))


class DirectoryRead(BaseModel):
    partner_id: str
    listed: bool
    approval: str = Field(description="pending (the operator checks), approved, hidden")
    public: bool = Field(description="On the public pages now")
    country: str
    languages: list[str]
    services: list[str]
    products: list[str]
    website: str
    registration_number: str
    description: str
    receives_tenders: bool
    tender_countries: list[str]
    tender_products: list[str]
    tender_services: list[str]
    approved_at: datetime | None
    updated_at: datetime


class ApprovalUpdate(InputModel):
    approval: Literal["approved", "hidden"]


class PublicPartner(BaseModel):
    """What anyone may read: nothing private (no email, no money, no customer)."""

    partner_id: str
    name: str
    level: str
    country: str
    languages: list[str]
    services: list[str]
    products: list[str]
    website: str
    description: str
    page: str = Field(description="The partner's directory page")


class TenderCreate(ProseInput):
    title: str = Field(min_length=3, max_length=120)
    text: str = Field(min_length=10, max_length=4000)
    country: Country
    product: ProductName
    service: Service
    name: str = Field(min_length=1, max_length=120)
    email: Email
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()/-]{5,40}$")
    organisation: str | None = Field(default=None, max_length=200)


class TenderAccepted(BaseModel):
    status: str
    message: str


class TenderToken(InputModel):
    token: str = Field(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


class TenderRead(BaseModel):
    """A tender as the partners that received it see it, while it is valid."""

    id: str
    title: str
    text: str
    country: str
    product: str
    service: str
    name: str
    email: str
    phone: str | None
    organisation: str | None
    confirmed_at: datetime | None
    expires_at: datetime | None
    offered: bool = Field(description="Whether you sent an offer")


class TenderAdminRead(BaseModel):
    """A tender as the operator sees it (to remove abuse)."""

    id: str
    status: str
    title: str
    text: str
    country: str
    product: str
    service: str
    email: str
    created_at: datetime
    confirmed_at: datetime | None
    expires_at: datetime | None
    recipients: int
    offers: int


class OfferCreate(ProseInput):
    text: str = Field(min_length=10, max_length=4000)
    price_cents: int | None = Field(default=None, ge=0, le=100_000_000, strict=True)


class OfferRead(BaseModel):
    id: str
    tender_id: str
    text: str
    price_cents: int | None
    created_at: datetime

"""Bodies of the partner and key routes."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from partnerfleet_backend.kit.schemas import Email, InputModel, OutputModel
from partnerfleet_backend.level.service import LevelName


class SupportContact(InputModel):
    """What the partner's customers see when the partner gives support."""

    phone: str | None = Field(default=None, max_length=40)
    email: Email | None = None
    hours: str | None = Field(default=None, max_length=200)


class Manager(InputModel):
    """The vendor's person for the partner (a Platinum benefit), as the partner sees them."""

    name: str = Field(min_length=1, max_length=120)
    email: Email
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()/-]{5,40}$")


class PartnerCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    billing_email: Email | None = None
    level: LevelName = LevelName.BRONZE


class PartnerUpdate(InputModel):
    """Operator changes to a partner account."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    billing_email: Email | None = None
    level: LevelName | None = None
    status: Literal["active", "suspended"] | None = None
    manager: Manager | None = Field(
        default=None, description="The personal manager (shown while the level includes one)"
    )


class MeUpdate(InputModel):
    """A partner's changes to its own profile."""

    billing_email: Email | None = None
    support_contact: SupportContact | None = None
    logo_url: str | None = Field(default=None, max_length=2000, pattern=r"^https://")
    webhook_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")


class PartnerRead(OutputModel):
    id: str
    name: str
    status: str
    level: LevelName
    support_level: Literal["basic", "premium"]
    benefits: dict[str, Any]
    billing_email: str | None
    support_contact: dict[str, Any] | None
    manager: dict[str, Any] | None = Field(
        description="Your personal manager at the vendor, while your level includes one"
    )
    logo_url: str | None
    webhook_url: str | None
    webhook_secret: str | None = Field(
        default=None,
        description="Signs webhook deliveries (HMAC-SHA256). Shown once: in the answer that "
        "sets the first webhook_url and in the answer of POST /v1/me/webhook-secret; null "
        "everywhere else.",
    )
    balance_cents: int
    created_at: datetime
    version: int

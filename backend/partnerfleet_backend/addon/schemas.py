"""Bodies of the add-on routes."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from partnerfleet_backend.kit.schemas import InputModel, OutputModel

Option = Literal[
    "premium-support",
    "white-label",
    "api-calls-25k",
    "api-calls-50k",
    "api-calls-100k",
    "api-calls-200k",
    "data-export-raw",
]


class AddOnCreate(InputModel):
    option: Option
    auto_renew: bool = True
    client_reference: str | None = Field(default=None, min_length=1, max_length=200)


class AddOnUpdate(InputModel):
    auto_renew: bool | None = None


class AddOnRead(OutputModel):
    id: str
    option: Option
    status: Literal["active", "included", "requested", "ended"]
    auto_renew: bool
    price_cents: int
    period_start: datetime
    period_end: datetime
    cancelled_at: datetime | None
    client_reference: str | None
    created_at: datetime
    version: int


class SupportRead(OutputModel):
    support_level: Literal["basic", "premium"]
    source: Literal["level", "option"]
    premium_until: datetime | None = None


class SupportUpdate(InputModel):
    support_level: Literal["basic", "premium"]

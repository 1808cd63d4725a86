"""Bodies of the access-request routes."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from partnerfleet_backend.kit.schemas import CatalogName, InputModel, OutputModel


class AccessRequestCreate(InputModel):
    access: Literal["full", "limited"]
    access_products: list[CatalogName] | None = Field(
        default=None, max_length=20, description="With access 'limited': the products you ask for"
    )
    note: str | None = Field(
        default=None, min_length=1, max_length=500, description="A line for the customer's admins"
    )


class AccessRequestRead(OutputModel):
    id: str
    customer_id: str
    access: Literal["full", "limited"]
    access_products: list[str] | None
    note: str | None
    status: Literal["pending", "granted", "declined", "withdrawn"]
    created_at: datetime
    sent_at: datetime
    sends: int
    decided_at: datetime | None
    granted_access: Literal["full", "limited"] | None = Field(
        description="What the customer granted (it may differ from what was asked)"
    )
    granted_products: list[str] | None

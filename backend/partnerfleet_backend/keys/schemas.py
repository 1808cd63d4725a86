"""Bodies of the key routes."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from partnerfleet_backend.kit.schemas import InputModel


class ApiKeyCreate(InputModel):
    """`read`, `write` (the partner's admins: everything) or `team` (staff rights: manages
    the licenses and settings of the customers in `customer_ids` only)."""

    scope: Literal["read", "write", "team"]
    customer_ids: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="With scope 'team' (and only then): the customer orgs it manages",
    )
    label: str | None = Field(
        default=None, min_length=1, max_length=100, description="Whose key: a person, a team"
    )


class ApiKeyCreated(BaseModel):
    """The key itself is shown here once and never again."""

    id: str
    key: str
    scope: str
    partner_id: str | None
    customer_ids: list[str] | None = None


class ApiKeyRead(BaseModel):
    """A key as listed: never the key itself (its first characters say which it is)."""

    id: str
    prefix: str
    scope: str
    label: str | None = None
    customer_ids: list[str] | None = None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyRevoked(BaseModel):
    id: str
    scope: str
    revoked_at: datetime | None

"""Bodies of the key routes."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from partnerfleet_backend.kit.schemas import InputModel


class ApiKeyCreate(InputModel):
    scope: Literal["read", "write"]


class ApiKeyCreated(BaseModel):
    """The key itself is shown here once and never again."""

    id: str
    key: str
    scope: str
    partner_id: str | None


class ApiKeyRead(BaseModel):
    """A key as listed: never the key itself (its first characters say which it is)."""

    id: str
    prefix: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyRevoked(BaseModel):
    id: str
    scope: str
    revoked_at: datetime | None

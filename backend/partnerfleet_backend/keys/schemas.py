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


class ApiKeyRevoked(BaseModel):
    id: str
    scope: str
    revoked_at: datetime | None

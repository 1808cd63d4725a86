"""Bodies of the usage routes."""

from datetime import datetime

from pydantic import Field

from partnerfleet_backend.kit.schemas import InputModel, OutputModel, StrictInt


class UsageCreate(InputModel):
    used: StrictInt = Field(ge=0, le=10_000_000)
    at: datetime | None = Field(default=None, description="When measured; now when absent.")


class UsageRead(OutputModel):
    license_id: str
    used: int
    at: datetime

"""Bodies of the quota route."""

from datetime import datetime

from pydantic import BaseModel


class QuotaRead(BaseModel):
    limit: int
    used: int
    remaining: int
    resets_at: datetime

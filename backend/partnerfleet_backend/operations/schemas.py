"""Bodies of the operator's routes."""

from datetime import datetime

from pydantic import BaseModel

from partnerfleet_backend.kit.schemas import InputModel


class ClockUpdate(InputModel):
    now: datetime


class ClockRead(BaseModel):
    now: datetime


class JobsRun(InputModel):
    at: datetime | None = None

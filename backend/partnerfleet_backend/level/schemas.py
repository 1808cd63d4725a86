"""The level's answers and the operator's training records."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from partnerfleet_backend.models import TrainingKind


class TrainingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: TrainingKind = Field(description="`half_day` (Silver) or `two_day` (Gold, Platinum)")
    taken_on: date = Field(description="The day the training was taken; valid 24 months")


class TrainingRead(BaseModel):
    id: str
    partner_id: str
    kind: str
    taken_on: date
    expires_on: date = Field(description="From this day it no longer counts (24 months on)")
    recorded_at: datetime


class LevelRead(BaseModel):
    """The partner's level now and at the next monthly run, and why."""

    current: str
    benefits: dict[str, Any]
    support_phone: str = Field(description="The support line of the current level")
    monthly_run_rate_cents: int
    run_rate_makes_it: str = Field(description="The level the run-rate alone gives")
    orders_last_6_months: int = Field(description="Orders that count at the next run")
    trainings: list[str] = Field(description="Trainings still valid at the next run")
    next_month: str = Field(description="The level at the next monthly run, as things stand")
    next_month_reasons: list[str] = Field(
        description="Why it is below what the run-rate gives (orders, training), if it is"
    )

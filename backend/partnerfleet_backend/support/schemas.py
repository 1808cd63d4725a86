"""Bodies of the support routes."""

from datetime import datetime
from typing import Literal

from partnerfleet_backend.kit.schemas import InputModel, OutputModel

SupportLevelName = Literal["basic", "premium"]


class SupportRead(OutputModel):
    support_level: SupportLevelName
    source: Literal["level", "option"]
    premium_until: datetime | None = None


class SupportUpdate(InputModel):
    support_level: SupportLevelName

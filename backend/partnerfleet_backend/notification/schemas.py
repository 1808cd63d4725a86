"""Bodies of the notification routes."""

from datetime import datetime
from typing import Any

from partnerfleet_backend.kit.schemas import OutputModel


class NotificationRead(OutputModel):
    id: str
    kind: str
    message: str
    data: dict[str, Any] | None
    created_at: datetime

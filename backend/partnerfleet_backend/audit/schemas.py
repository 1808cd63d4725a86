"""Bodies of the audit routes."""

from datetime import datetime
from typing import Any

from partnerfleet_backend.kit.schemas import OutputModel


class AuditEventRead(OutputModel):
    id: str
    actor_key_id: str | None
    request_id: str | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime

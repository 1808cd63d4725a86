"""Bodies of the audit routes."""

from datetime import datetime
from typing import Any

from pydantic import Field

from partnerfleet_backend.kit.schemas import OutputModel


class AuditEventRead(OutputModel):
    id: str
    actor_key_id: str | None
    request_id: str | None = Field(
        description="The service's id of the request or calendar run (X-Request-Id of the "
        "answer; run_... for the calendar)"
    )
    client_request_id: str | None = Field(description="The X-Request-Id the client sent")
    actor: str = Field(
        description="'key' (actor_key_id says which), 'user' (a person in the portal; "
        "actor_key_id is the user's id), 'calendar' or 'cli'"
    )
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime

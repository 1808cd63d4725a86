"""Bodies of the add-on routes. Options are the catalog's (`GET /v1/catalog`)."""

from datetime import datetime

from pydantic import Field

from partnerfleet_backend.kit.schemas import CatalogName, InputModel, OutputModel
from partnerfleet_backend.models import AddOnStatus

__all__ = ["AddOnCreate", "AddOnRead", "AddOnStatus", "AddOnUpdate"]


class AddOnCreate(InputModel):
    option: CatalogName = Field(description="An add-on option of the catalog.")
    auto_renew: bool = True
    client_reference: str | None = Field(default=None, min_length=1, max_length=200)


class AddOnUpdate(InputModel):
    auto_renew: bool | None = None
    client_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Claims an add-on bought outside a program (one without a client_reference) "
        "for the program that adopts it; set once.",
    )


class AddOnRead(OutputModel):
    id: str
    option: str
    status: AddOnStatus
    auto_renew: bool
    price_cents: int
    period_start: datetime
    period_end: datetime
    cancelled_at: datetime | None
    client_reference: str | None
    created_at: datetime
    version: int

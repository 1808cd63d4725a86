"""Body of the catalog route."""

from typing import Any

from pydantic import BaseModel, ConfigDict


class CatalogRead(BaseModel):
    """The catalog document: products with editions, terms, metrics and prices (cents per seat
    and month, per segment and term; per unit for usage-billed products), add-on options."""

    model_config = ConfigDict(extra="allow")

    currency: str
    products: list[dict[str, Any]]
    addon_options: list[dict[str, Any]]
    trial_days: int

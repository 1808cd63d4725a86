"""The catalog as data: products, editions, terms, prices and add-on options.

The shipped default is ``catalog.json`` beside this module; an operator's document in the
database replaces it. Every list of products, editions and options in the service is read
from here (the provider's JSON Schemas are checked against the shipped document by a test).
"""

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from partnerfleet_backend.catalog import repository
from partnerfleet_backend.kit.errors import ValidationFailed


@lru_cache(maxsize=1)
def default_catalog_document() -> dict[str, Any]:
    """The catalog shipped with the service (read once per process; treat it as read-only)."""
    text = resources.files("partnerfleet_backend.catalog").joinpath("catalog.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document


@dataclass(frozen=True)
class Catalog:
    """Look-ups over the catalog document."""

    document: dict[str, Any]

    @property
    def products(self) -> list[str]:
        return [p["product"] for p in self.document["products"]]

    @property
    def usage_products(self) -> list[str]:
        """Products billed monthly in arrears on peak usage."""
        return [p["product"] for p in self.document["products"] if p["billing"] == "usage"]

    @property
    def options(self) -> list[str]:
        return [o["option"] for o in self.document["addon_options"]]

    def product(self, product: str) -> dict[str, Any]:
        for entry in self.document["products"]:
            if entry["product"] == product:
                return dict(entry)
        raise ValidationFailed(
            f"product '{product}' is not one of {', '.join(self.products)}", field="product"
        )

    def is_usage_billed(self, product: str) -> bool:
        return bool(self.product(product)["billing"] == "usage")

    def check_edition(self, product: str, edition: str) -> None:
        editions: list[str] = self.product(product)["editions"]
        if edition not in editions:
            raise ValidationFailed(
                f"edition '{edition}' is not one of {', '.join(editions)} for {product}",
                field="edition",
            )

    def check_term(self, product: str, term_months: int | None) -> None:
        entry = self.product(product)
        if entry["billing"] == "usage":
            if term_months is not None:
                raise ValidationFailed(
                    f"{product} is billed on usage and takes no term_months", field="term_months"
                )
            return
        terms: list[int] = entry["terms"]
        if term_months not in terms:
            raise ValidationFailed(
                f"term_months must be one of {', '.join(map(str, terms))}", field="term_months"
            )

    def unit_cents(self, product: str, segment: str, edition: str, term_months: int | None) -> int:
        """Price per seat and month (per unit of usage for usage-billed products)."""
        entry = self.product(product)
        self.check_edition(product, edition)
        if entry["billing"] == "usage":
            return int(entry["unit_cents"])
        self.check_term(product, term_months)
        return int(entry["monthly_cents"][segment][edition][str(term_months)])

    def addon_option(self, option: str) -> dict[str, Any]:
        for entry in self.document["addon_options"]:
            if entry["option"] == option:
                return dict(entry)
        raise ValidationFailed(
            f"option '{option}' is not one of {', '.join(self.options)}", field="option"
        )

    def api_calls_by_option(self) -> dict[str, int]:
        """The API-call packs and how many calls a month each adds."""
        return {
            o["option"]: int(o["api_calls"])
            for o in self.document["addon_options"]
            if o.get("api_calls")
        }

    @property
    def trial_days(self) -> int:
        return int(self.document.get("trial_days", 14))


# A process keeps the catalog this long before it reads the table again: a replaced document
# applies within that time, and a request does not pay a round trip for prices that rarely
# change.
CATALOG_TTL_SECONDS = 10.0
_loaded: tuple[float, Catalog] | None = None


def load_catalog(session: Session) -> Catalog:
    """The current catalog (the shipped one until an operator replaces it), cached per
    process for CATALOG_TTL_SECONDS."""
    global _loaded
    now = time.monotonic()
    if _loaded is not None and now - _loaded[0] < CATALOG_TTL_SECONDS:
        return _loaded[1]
    catalog = Catalog(repository.stored_document(session) or default_catalog_document())
    _loaded = (now, catalog)
    return catalog


def forget_catalog() -> None:
    """Read the table again on the next look-up (after an operator replaced the document)."""
    global _loaded
    _loaded = None

"""The catalog is the one list of products, editions, terms, segments and add-on options; the
provider's JSON Schemas and typed arguments must say the same (the provider cannot import the
backend, so this test holds them together)."""

import dataclasses
import typing
from typing import Any, Literal

import pytest

from partnerfleet import schema
from partnerfleet.resources.addon import AddOnArgs
from partnerfleet.resources.customer_org import CustomerOrgArgs
from partnerfleet.resources.license import LicenseArgs
from partnerfleet.resources.partner import PartnerArgs
from partnerfleet_backend.catalog.service import Catalog, default_catalog_document
from partnerfleet_backend.level.service import LEVELS

CATALOG = Catalog(default_catalog_document())
PREPAID = [p for p in CATALOG.document["products"] if p["billing"] == "prepaid"]
USAGE = [p for p in CATALOG.document["products"] if p["billing"] == "usage"]


def _editions(products: list[dict[str, Any]]) -> set[str]:
    return {e for p in products for e in p["editions"]}


def _literal_values(annotation: Any) -> set[Any]:
    """The values of the Literal inside an annotation such as pulumi.Input[Literal[...]]."""
    if typing.get_origin(annotation) is Literal:
        return set(typing.get_args(annotation))
    found: set[Any] = set()
    for arg in typing.get_args(annotation):
        found |= _literal_values(arg)
    return found


def _license_items() -> list[tuple[str, dict[str, Any]]]:
    """The license schema, and the fleet file's license entries."""
    fleet = schema.load("fleet")
    customer = fleet["properties"]["customers"]["items"]
    return [
        ("license", schema.load("license")),
        ("fleet", customer["properties"]["licenses"]["items"]),
    ]


SEGMENTS = set(PREPAID[0]["monthly_cents"])
TERMS = {t for p in PREPAID for t in p["terms"]}


class TestSchemasAgreeWithTheCatalog:
    @pytest.mark.parametrize("where,document", _license_items())
    def test_products_editions_and_terms(self, where: str, document: dict[str, Any]) -> None:
        props = document["properties"]
        assert set(props["product"]["enum"]) == set(CATALOG.products), where
        assert set(props["edition"]["enum"]) == _editions(CATALOG.document["products"]), where
        assert set(props["term_months"]["enum"]) == TERMS, where
        branch = document["allOf"][0]
        assert [p["product"] for p in PREPAID] == [branch["if"]["properties"]["product"]["const"]]
        assert set(branch["then"]["properties"]["edition"]["enum"]) == _editions(PREPAID)
        assert set(branch["else"]["properties"]["edition"]["enum"]) == _editions(USAGE)

    def test_the_fleet_file_takes_the_license_inputs_but_customer_id(self) -> None:
        license_ = schema.load("license")
        fleet_item = _license_items()[1][1]
        expected = {k: v for k, v in license_["properties"].items() if k != "customer_id"}
        assert fleet_item["properties"] == expected
        assert fleet_item["allOf"] == license_["allOf"]

    def test_segments(self) -> None:
        fleet_customer = schema.load("fleet")["properties"]["customers"]["items"]
        for document in (schema.load("customer_org"), fleet_customer):
            assert set(document["properties"]["segment"]["enum"]) == SEGMENTS

    def test_add_on_options(self) -> None:
        assert set(schema.load("addon")["properties"]["option"]["enum"]) == set(CATALOG.options)

    def test_partner_levels(self) -> None:
        assert set(schema.load("partner")["properties"]["level"]["enum"]) == set(LEVELS)


class TestTypedArgumentsAgreeWithTheSchemas:
    @pytest.mark.parametrize(
        "args,name",
        [
            (LicenseArgs, "license"),
            (AddOnArgs, "addon"),
            (CustomerOrgArgs, "customer_org"),
            (PartnerArgs, "partner"),
        ],
    )
    def test_fields_and_their_choices(self, args: type, name: str) -> None:
        properties = schema.load(name)["properties"]
        hints = {f.name: f.type for f in dataclasses.fields(args)}  # Input[...] stays unevaluated
        assert list(hints) == list(properties)
        for field, prop in properties.items():
            if "enum" in prop:
                assert _literal_values(hints[field]) == set(prop["enum"]), field
            else:
                assert not _literal_values(hints[field]), field

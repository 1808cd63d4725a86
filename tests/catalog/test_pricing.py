"""Every money figure of the SPEC, computed by the code that charges it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerfleet_backend.catalog.pricing import prorate, top_up_discount_bp
from partnerfleet_backend.catalog.service import Catalog, default_catalog_document
from partnerfleet_backend.kit.money import div_round_half_up, net_of_discount
from partnerfleet_backend.level.service import level_for_monthly_usage


class TestRounding:
    def test_half_rounds_up(self) -> None:
        assert div_round_half_up(5, 10) == 1
        assert div_round_half_up(15, 10) == 2
        assert div_round_half_up(14, 10) == 1

    def test_negative_half_rounds_away_from_zero(self) -> None:
        assert div_round_half_up(-5, 10) == -1
        assert div_round_half_up(-14, 10) == -1

    @given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
    def test_is_within_half_of_the_exact_quotient(self, numerator: int, denominator: int) -> None:
        result = div_round_half_up(numerator, denominator)
        assert abs(result * denominator - numerator) * 2 <= denominator


class TestTopUpBrackets:
    @pytest.mark.parametrize(
        ("nominal_cents", "discount_bp", "pays_cents"),
        [
            (55_000, 2_500, 41_250),
            (110_000, 3_000, 77_000),
            (275_000, 3_500, 178_750),
            (550_000, 4_000, 330_000),
            (1_100_000, 4_500, 605_000),
            (2_750_000, 5_000, 1_375_000),
        ],
    )
    def test_each_bracket_gives_its_discount_and_exact_price(
        self, nominal_cents: int, discount_bp: int, pays_cents: int
    ) -> None:
        assert top_up_discount_bp(nominal_cents) == discount_bp
        assert net_of_discount(nominal_cents, top_up_discount_bp(nominal_cents)) == pays_cents

    def test_intermediate_amounts_get_the_bracket_they_reach(self) -> None:
        assert top_up_discount_bp(109_999) == 2_500
        assert top_up_discount_bp(200_000) == 3_000
        assert top_up_discount_bp(10_000_000) == 5_000

    def test_below_550_eur_has_no_discount(self) -> None:
        assert top_up_discount_bp(54_999) == 0
        assert top_up_discount_bp(100) == 0


class TestCatalogPrices:
    catalog = Catalog(default_catalog_document())

    @pytest.mark.parametrize(
        ("segment", "edition", "yearly", "monthly"),
        [
            ("business", "pro", 92, 110),
            ("business", "proplus", 138, 166),
            ("public_admin", "pro", 92, 110),
            ("public_admin", "proplus", 138, 166),
            ("school", "pro", 18, 22),
            ("school", "proplus", 28, 34),
        ],
    )
    def test_prices_per_segment_edition_and_term(
        self, segment: str, edition: str, yearly: int, monthly: int
    ) -> None:
        for term in (12, 24, 36, 48, 60):
            assert self.catalog.unit_cents("dns-filter", segment, edition, term) == yearly
        assert self.catalog.unit_cents("dns-filter", segment, edition, 1) == monthly

    def test_monthly_is_twenty_percent_more_rounded_half_up_per_seat(self) -> None:
        for segment in ("business", "public_admin", "school"):
            for edition in ("pro", "proplus"):
                yearly = self.catalog.unit_cents("dns-filter", segment, edition, 12)
                assert self.catalog.unit_cents("dns-filter", segment, edition, 1) == (
                    div_round_half_up(yearly * 120, 100)
                )

    @pytest.mark.parametrize(
        ("product", "cents"), [("mail", 100), ("firewall", 150), ("vuln-scanner", 200)]
    )
    def test_usage_billed_products_have_a_unit_price_and_no_term(
        self, product: str, cents: int
    ) -> None:
        assert self.catalog.is_usage_billed(product)
        assert self.catalog.unit_cents(product, "business", "standard", None) == cents


class TestProration:
    def test_worked_example_of_the_spec(self) -> None:
        # 50 seats added to a 12-month school ProPlus license (0.28) with 183 of 365 days left
        assert prorate(50 * 28 * 12, 183, 365) == 8_423

    def test_nothing_left_costs_nothing(self) -> None:
        assert prorate(50 * 28 * 12, 0, 365) == 0


class TestLevels:
    @pytest.mark.parametrize(
        ("monthly_cents", "level"),
        [
            (0, "bronze"),
            (10_999, "bronze"),
            (11_000, "silver"),
            (38_499, "silver"),
            (38_500, "gold"),
            (109_999, "gold"),
            (110_000, "platinum"),
        ],
    )
    def test_level_follows_monthly_nominal_usage(self, monthly_cents: int, level: str) -> None:
        assert level_for_monthly_usage(monthly_cents).name == level

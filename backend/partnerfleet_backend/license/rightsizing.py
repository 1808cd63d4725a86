"""Right-sizing before renewal (issue 27): a prepaid license that renews within 45 days with
fewer seats in use (the peak the product reported in the last 30 days) than it renews with is a
saving the MSP sees before it is charged: in the license's answer, the 45-day reminder, the
portal's front page and the plan. Lowering the seats (`partnerfleet rightsize` writes them into
the fleet file, for a pull request) is never done by itself."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from partnerfleet_backend.catalog.pricing import term_price_cents
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.money import eur
from partnerfleet_backend.license import repository
from partnerfleet_backend.license.schemas import RightsizingRead
from partnerfleet_backend.models import RENEWING

WINDOW_DAYS = 45  # renewals this close are shown
PEAK_DAYS = 30  # the seats in use: the peak of these days


@dataclass(frozen=True)
class _Due:
    license_id: str
    renews_on: date
    seats: int
    product: str
    customer_id: str
    edition: str
    term: int


def _field(lic: Any, name: str) -> Any:
    return lic[name] if isinstance(lic, dict) else getattr(lic, name)


def _due(ctx: Ctx, lic: Any) -> _Due | None:
    ends, term = _field(lic, "ends_at"), _field(lic, "term_months")
    if not term or ends is None or not _field(lic, "auto_renew"):
        return None
    now = ctx.now
    if _field(lic, "status") not in RENEWING or not now < ends <= now + timedelta(days=WINDOW_DAYS):
        return None
    return _Due(
        license_id=_field(lic, "id"),
        renews_on=ends.date(),
        seats=_field(lic, "seats_next_term") or _field(lic, "seats") or 0,
        product=_field(lic, "product"),
        customer_id=_field(lic, "customer_id"),
        edition=_field(lic, "edition_next_term") or _field(lic, "edition"),
        term=_field(lic, "term_months_next_term") or term,
    )


def savings(ctx: Ctx, licenses: list[Any]) -> dict[str, RightsizingRead]:
    """The right-sizing of each license among `licenses` that has one (by id)."""
    due = [d for d in (_due(ctx, lic) for lic in licenses) if d is not None]
    since = ctx.now - timedelta(days=PEAK_DAYS)
    peaks = repository.peaks_since(ctx.session, [d.license_id for d in due], since)
    catalog = load_catalog(ctx.session) if due else None
    found = {}
    for d in due:
        peak = peaks.get(d.license_id)
        if peak is None or peak >= d.seats or catalog is None:
            continue
        keep = max(peak, 1)
        segment = repository.segment_of(ctx.session, d.customer_id)
        unit = catalog.unit_cents(d.product, segment, d.edition, d.term)
        saving = term_price_cents(d.seats, unit, d.term) - term_price_cents(keep, unit, d.term)
        unused = d.seats - keep
        found[d.license_id] = RightsizingRead(
            renews_on=d.renews_on,
            seats=d.seats,
            peak_used=peak,
            unused_seats=unused,
            saving_cents=saving,
            said=f"{unused} of {d.seats} seats unused (peak {peak} in {PEAK_DAYS} days): "
            f"lowering them before {d.renews_on} saves {eur(saving)}",
        )
    return found

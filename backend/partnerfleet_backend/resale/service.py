"""Billing the partner's own customers (issue 27; the MSP usage-billing seed: an MSP "bills its
customers monthly on usage"; docs/rules.md, "Resale billing").

A partner sets what it charges its customers per product and edition (`*`: every edition): a
price per seat (or usage unit) and month, or a markup on its cost. For a month, each license
the partner paid for gives one line: the units paid for in the month (seats times the part of
the month), the resale amount, the cost (nominal, and net through the lots) and the margin.
The cost is the ledger's: every charge of the license (a term, what was left of a term at an
increase, a usage month; a refund negated) spread over the time it pays for
(`allocation.share`), so the months of a charge add up to it to the cent. Licenses of
customers that pay the vendor themselves cost the partner nothing and have no line."""

import io
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from defusedcsv import csv as defusedcsv

from partnerfleet_backend.catalog.pricing import resale_at_price, resale_with_markup
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.money import div_round_half_up
from partnerfleet_backend.models import (
    ANY_EDITION,
    Customer,
    LedgerEntry,
    License,
    ResalePrice,
)
from partnerfleet_backend.reports.service import Reader, euros, month_range
from partnerfleet_backend.resale import repository
from partnerfleet_backend.resale.allocation import overlap_seconds, share
from partnerfleet_backend.resale.schemas import ResaleLine, ResalePriceWrite

CSV_PAGE = 500
CSV_HEADER = [
    "month",
    "customer",
    "customer_id",
    "license_id",
    "reference",
    "product",
    "edition",
    "units",
    "pricing",
    "resale_unit_eur",
    "markup_percent",
    "resale_eur",
    "cost_eur",
    "cost_net_eur",
    "margin_eur",
    "resale_cents",
    "cost_cents",
    "cost_net_cents",
    "margin_cents",
]


def prices(ctx: Ctx, partner_id: str) -> list[ResalePrice]:
    return repository.prices(ctx.session, partner_id)


def set_price(
    ctx: Ctx, partner_id: str, product: str, edition: str, body: ResalePriceWrite
) -> ResalePrice:
    """Set the resale price of a product's edition (or `*`, every edition)."""
    if (body.price_cents is None) == (body.markup_bp is None):
        raise ValidationFailed("give price_cents or markup_bp, one of them", field="price_cents")
    catalog = load_catalog(ctx.session)
    catalog.product(product)  # 422 naming `product` for one the catalog does not sell
    if edition != ANY_EDITION:
        catalog.check_edition(product, edition)
    found = repository.price(ctx.session, partner_id, product, edition)
    before = ctx.snapshot(found) if found else None
    if found is None:
        found = ResalePrice(id=new_id("rsp"), partner_id=partner_id, product=product)
        found.edition = edition
    found.price_cents, found.markup_bp = body.price_cents, body.markup_bp
    found.updated_at = ctx.now
    repository.add(ctx.session, found)
    ctx.audit(
        "resale_price.set",
        "resale_price",
        found.id,
        partner_id=partner_id,
        before=before,
        after=ctx.snapshot(found),
    )
    return found


def drop_price(ctx: Ctx, partner_id: str, product: str, edition: str) -> None:
    found = repository.price(ctx.session, partner_id, product, edition)
    if found is None:
        raise NotFound(f"no resale price for {product} {edition}")
    before = ctx.snapshot(found)
    repository.drop(ctx.session, found)
    ctx.audit(
        "resale_price.dropped",
        "resale_price",
        found.id,
        partner_id=partner_id,
        before=before,
        after=None,
    )


def _period(entry: LedgerEntry) -> tuple[datetime, datetime]:
    """What a charge pays for (a charge made before periods were kept: its moment)."""
    if entry.covers_from is None or entry.covers_to is None:
        return entry.created_at, entry.created_at
    return entry.covers_from, entry.covers_to


def _line(
    lic: License,
    customer: Customer,
    entries: list[LedgerEntry],
    lo: datetime,
    hi: datetime,
    priced: ResalePrice | None,
) -> ResaleLine:
    cost = sum(share(-e.amount_cents, *_period(e), lo, hi) for e in entries)
    net = sum(share(-e.net_cents, *_period(e), lo, hi) for e in entries)
    month = int((hi - lo).total_seconds())
    # seats x seconds paid for within the month (a refund's units are negative)
    seat_seconds = sum((e.units or 0) * overlap_seconds(*_period(e), lo, hi) for e in entries)
    if priced is not None and priced.price_cents is not None:
        pricing, resale = "price", resale_at_price(priced.price_cents, seat_seconds, month)
    elif priced is not None and priced.markup_bp is not None:
        pricing, resale = "markup", resale_with_markup(cost, priced.markup_bp)
    else:
        pricing, resale = "list", cost
    hundredths = div_round_half_up(seat_seconds * 100, month)
    return ResaleLine(
        customer_id=customer.id,
        customer_label=customer.reference or customer.name,
        license_id=lic.id,
        reference=lic.reference,
        product=lic.product,
        edition=lic.edition,
        units=euros(hundredths),  # two decimals, exact
        pricing=pricing,
        resale_unit_cents=priced.price_cents if priced else None,
        markup_bp=priced.markup_bp if priced else None,
        resale_cents=resale,
        cost_cents=cost,
        cost_net_cents=net,
        margin_cents=resale - net,
    )


def lines(
    ctx: Ctx,
    partner_id: str,
    month: str,
    *,
    customer_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[ResaleLine], str | None]:
    """One page of the month's lines, in license order; the next page's cursor."""
    lo, hi = month_range(month)
    ids = repository.licenses_billed(
        ctx.session, partner_id, lo, hi, customer_id=customer_id, after=cursor, limit=limit + 1
    )
    more = len(ids) > limit
    ids = ids[:limit]
    by_license: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in repository.charges_of(ctx.session, partner_id, ids, lo, hi):
        by_license[str(entry.object_id)].append(entry)
    table = {(p.product, p.edition): p for p in repository.prices(ctx.session, partner_id)}
    found = [
        _line(
            lic,
            customer,
            by_license[lic.id],
            lo,
            hi,
            table.get((lic.product, lic.edition)) or table.get((lic.product, ANY_EDITION)),
        )
        for lic, customer in repository.licenses_with_customers(ctx.session, ids)
    ]
    return found, (ids[-1] if more and ids else None)


def lines_csv(read: Reader, partner_id: str, month: str) -> Iterator[str]:
    """The month's lines as CSV for a PSA, page by page, each read in a short transaction of
    its own (UTF-8 with a byte-order mark; a cell a spreadsheet would take for a formula is
    written with a leading apostrophe)."""
    month_range(month)  # a bad month is a 422 before the answer starts
    buffer = io.StringIO()
    writer = defusedcsv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)

    def page_after(after: str | None) -> tuple[list[ResaleLine], str | None]:
        return read(lambda ctx: lines(ctx, partner_id, month, limit=CSV_PAGE, cursor=after))

    cursor: str | None = None
    while True:
        page, cursor = page_after(cursor)
        for line in page:
            writer.writerow(
                [
                    month,
                    line.customer_label,
                    line.customer_id,
                    line.license_id,
                    line.reference or "",
                    line.product,
                    line.edition,
                    line.units,
                    line.pricing,
                    "" if line.resale_unit_cents is None else euros(line.resale_unit_cents),
                    "" if line.markup_bp is None else euros(line.markup_bp),
                    euros(line.resale_cents),
                    euros(line.cost_cents),
                    euros(line.cost_net_cents),
                    euros(line.margin_cents),
                    line.resale_cents,
                    line.cost_cents,
                    line.cost_net_cents,
                    line.margin_cents,
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if cursor is None:
            return

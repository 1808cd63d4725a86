"""The reports: a month's billing data as CSV, the monthly statement and a customer org's
report as PDF. Every amount is the ledger's; PDFs carry the partner's name and logo when it
has white label, the vendor's otherwise, and the name of the org they were made for."""

import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from defusedcsv import csv as defusedcsv

from partnerfleet_backend.customer import service as customers
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import ValidationFailed
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.overview.service import white_label
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partner.logo import shown_logo
from partnerfleet_backend.reports import repository
from partnerfleet_backend.usage import repository as usage

T = TypeVar("T")

CSV_HEADER = [
    "date",
    "kind",
    "description",
    "customer",
    "customer_reference",
    "customer_id",
    "object_type",
    "object_id",
    "product",
    "nominal_eur",
    "net_eur",
    "nominal_cents",
    "net_cents",
    "entry_id",
    "payer",
]


MONTH = re.compile(r"\d{4}-\d{2}")
FIRST_YEAR, LAST_YEAR = 2000, 9998  # a month's end must be a date too


def month_range(month: str) -> tuple[datetime, datetime]:
    """'2027-03' -> [2027-03-01, 2027-04-01) in UTC; 422 for anything else ('2027-3', a year
    before 2000 or after 9998)."""
    try:
        if not MONTH.fullmatch(month):
            raise ValueError(month)
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
        if not FIRST_YEAR <= start.year <= LAST_YEAR:
            raise ValueError(month)
    except ValueError:
        raise ValidationFailed(
            f"month is YYYY-MM between {FIRST_YEAR}-01 and {LAST_YEAR}-12, e.g. 2027-03",
            field="month",
        ) from None
    return start, add_months(start, 1)


def payer_of(object_type: str | None) -> str:
    """Who paid the order behind a ledger line: the customer for a cashback (and its
    reversal: the lines of an invoice the customer paid), the partner's wallet for the rest."""
    return "customer" if object_type == "invoice" else "partner"


def euros(cents: int) -> str:
    """Cents as a decimal with a point, exact: -1234 -> '-12.34'."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


class Reader(Protocol):
    """Runs read-only work in a short transaction of its own (`Api.read`, `Portal.read`)."""

    def __call__(self, work: Callable[[Ctx], T]) -> T: ...


CSV_PAGE = 500


def _lines(ctx: Ctx, partner_id: str, month: str) -> Iterator[dict[str, Any]]:
    """Every ledger line of the month, page by page, in the caller's transaction."""
    start, end = month_range(month)
    after: tuple[datetime, str] | None = None
    while True:
        page = repository.ledger_lines(
            ctx.session, partner_id, start, end, after=after, limit=CSV_PAGE
        )
        yield from page
        if len(page) < CSV_PAGE:
            return
        last = page[-1]["entry"]
        after = (last.created_at, last.id)


def ledger_csv(read: Reader, partner_id: str, month: str) -> Iterator[str]:
    """The month's ledger as CSV, one chunk per page of 500 lines, each page read in a short
    transaction of its own through `read` (nothing is held while a client reads): UTF-8 with
    a byte-order mark (so a spreadsheet reads the umlauts), comma-separated, amounts with a
    decimal point and in cents. A cell a spreadsheet would take for a formula (=, +, -, @
    first) is written with a leading apostrophe (defusedcsv); amounts stay numbers."""
    start, end = month_range(month)
    read(lambda ctx: partners.get(ctx, partner_id))
    buffer = io.StringIO()
    writer = defusedcsv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)

    def page_after(after: tuple[datetime, str] | None) -> list[dict[str, Any]]:
        return read(
            lambda ctx: repository.ledger_lines(
                ctx.session, partner_id, start, end, after=after, limit=CSV_PAGE
            )
        )

    after: tuple[datetime, str] | None = None
    while True:
        page = page_after(after)
        for line in page:
            entry = line["entry"]
            writer.writerow(
                [
                    entry.created_at.strftime("%Y-%m-%d"),
                    entry.kind,
                    entry.description,
                    line["customer_name"] or "",
                    line["customer_reference"] or "",
                    line["customer_id"] or "",
                    entry.object_type or "",
                    entry.object_id or "",
                    line["product"] or line["option"] or "",
                    euros(entry.amount_cents),
                    euros(entry.net_cents),
                    entry.amount_cents,
                    entry.net_cents,
                    entry.id,
                    payer_of(entry.object_type),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(page) < CSV_PAGE:
            return
        last = page[-1]["entry"]
        after = (last.created_at, last.id)


@dataclass
class Statement:
    partner_name: str
    partner_id: str
    month: str
    made_at: datetime
    white_label: bool
    logo: bytes | None
    opening_cents: int
    closing_cents: int
    top_ups: list[dict[str, object]] = field(default_factory=list)
    charges: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    # cashback on invoices customers paid (and taken back), per customer and order
    cashback: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    other: list[dict[str, object]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def statement(ctx: Ctx, partner_id: str, month: str) -> Statement:
    """The month's statement: opening and closing credit, top-ups with their discounts,
    charges per customer and license, cashback per customer and order, refunds, adjustments
    and expiries."""
    partner = partners.get(ctx, partner_id)
    start, end = month_range(month)
    branded = white_label(ctx, partner)
    logo = partners.logo(ctx, partner_id) if branded else None
    result = Statement(
        partner_name=partner.name,
        partner_id=partner_id,
        month=month,
        made_at=ctx.now,
        white_label=branded,
        logo=shown_logo(logo.data if logo is not None else None),
        opening_cents=repository.balance_before(ctx.session, partner_id, start),
        closing_cents=repository.balance_before(ctx.session, partner_id, end),
    )
    charges: dict[str, list[dict[str, object]]] = defaultdict(list)
    cashback: dict[str, list[dict[str, object]]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for line in _lines(ctx, partner_id, month):
        entry = line["entry"]
        totals[entry.kind] += entry.amount_cents
        row = {
            "date": entry.created_at.strftime("%Y-%m-%d"),
            "description": entry.description,
            "nominal_cents": entry.amount_cents,
            "net_cents": entry.net_cents,
            "kind": entry.kind,
        }
        if entry.kind == "top_up":
            result.top_ups.append({**row, "discount_bp": line["discount_bp"] or 0})
        elif entry.kind == "charge":
            who = line["customer_name"] or (
                f"add-on {line['option']}" if line["option"] else "account"
            )
            charges[who].append(row)
        elif payer_of(entry.object_type) == "customer":
            cashback[line["customer_name"] or "customer"].append(row)
        else:
            result.other.append(row)
    result.charges = dict(sorted(charges.items()))
    result.cashback = dict(sorted(cashback.items()))
    result.totals = dict(totals)
    return result


@dataclass
class CustomerReport:
    customer_name: str
    partner_name: str
    white_label: bool
    logo: bytes | None
    made_at: datetime
    vendor_name: str
    licenses: list[dict[str, object]]


def customer_report(ctx: Ctx, partner_id: str, customer_id: str) -> CustomerReport:
    """An org's licenses and their use over the last 30 days."""
    customer = customers.get(ctx, partner_id, customer_id)
    partner = partners.get(ctx, partner_id)
    branded = white_label(ctx, partner)
    logo = partners.logo(ctx, partner_id) if branded else None
    lines: list[dict[str, object]] = []
    held = customers.licenses_of(ctx, customer_id)
    peaks = usage.peaks(
        ctx.session, [lic.id for lic in held], ctx.now - timedelta(days=30), ctx.now
    )
    for lic in held:
        peak = peaks.get(lic.id, 0)
        lines.append(
            {
                "product": lic.product,
                "edition": lic.edition,
                "seats": lic.seats,
                "used": lic.used_seats,
                "peak_30_days": peak,
                "status": lic.status,
                "ends_at": lic.ends_at.strftime("%Y-%m-%d") if lic.ends_at else "-",
            }
        )
    return CustomerReport(
        customer_name=customer.name,
        partner_name=partner.name,
        white_label=branded,
        logo=shown_logo(logo.data if logo is not None else None),
        made_at=ctx.now,
        vendor_name=ctx.settings.vendor_name,
        licenses=lines,
    )

"""PDFs with fpdf2 (pure Python, installed from wheels): the monthly statement and a customer
org's report, headed by the partner's name and logo when it has white label (the vendor's
otherwise) and naming the org they were made for."""

import io

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from partnerfleet_backend.kit.errors import ServiceUnavailable
from partnerfleet_backend.kit.slots import Slots
from partnerfleet_backend.models import CreditLot, Invoice
from partnerfleet_backend.reports.service import CustomerReport, Statement, euros


def _busy() -> ServiceUnavailable:
    refused = ServiceUnavailable("too many PDFs are being made right now; retry in a moment")
    refused.headers["Retry-After"] = "5"
    return refused


# PDFs made at once in a worker (the calendar's statements and the pages' downloads alike):
# each holds its pages and images in memory until it is written out.
PDFS_AT_ONCE = 2
making = Slots(PDFS_AT_ONCE, _busy)


def _money(cents: object) -> str:
    return f"{euros(int(str(cents)))} EUR"


def _latin(text: object) -> str:
    """The core fonts speak Latin-1: other characters become '?' rather than failing."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


class _Doc(FPDF):
    def __init__(self, brand: str, logo: bytes | None, title: str, made_for: str) -> None:
        super().__init__(format="A4")
        self.brand, self.logo, self.title_text, self.made_for = brand, logo, title, made_for
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(_latin(title))
        self.set_author(_latin(brand))
        self.add_page()

    def header(self) -> None:
        text_x = 10.0
        if self.logo:
            shown = self.image(io.BytesIO(self.logo), x=10, y=8, h=14)
            text_x = 10 + float(shown.rendered_width) + 5
            self.set_xy(text_x, 9)
        self.set_font("helvetica", "B", 15)
        self.cell(0, 8, _latin(self.brand), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("helvetica", "", 10)
        self.set_x(text_x)
        made = f"{self.title_text} - made for {self.made_for}"
        self.cell(0, 6, _latin(made), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", "", 8)
        self.cell(0, 6, _latin(f"{self.brand} - page {self.page_no()}"), align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("helvetica", "B", 11)
        self.cell(0, 7, _latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("helvetica", "", 9)

    def row(self, cells: list[object], widths: list[int], bold: bool = False) -> None:
        self.set_font("helvetica", "B" if bold else "", 9)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            last = i == len(cells) - 1
            align = "R" if isinstance(cell, str) and cell.endswith(" EUR") else "L"
            text = _latin(cell)
            while self.get_string_width(text) > width - 2 and len(text) > 3:
                text = text[:-2] + "~"
            if last:
                self.cell(width, 6, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:
                self.cell(width, 6, text, align=align)


def statement_pdf(s: Statement, vendor: str) -> bytes:
    with making.taken(wait=30):
        return _statement_pdf(s, vendor)


def _statement_pdf(s: Statement, vendor: str) -> bytes:
    brand = s.partner_name if s.white_label else vendor
    doc = _Doc(brand, s.logo, f"Statement {s.month}", s.partner_name)
    doc.set_font("helvetica", "", 10)
    widths = [24, 116, 25, 25]
    doc.heading("Credit")
    doc.row(["", "Opening credit", _money(s.opening_cents), ""], widths)
    doc.row(["", "Closing credit", _money(s.closing_cents), ""], widths, bold=True)
    doc.heading("Top-ups")
    doc.row(["Date", "Top-up", "Nominal", "Paid"], widths, bold=True)
    for t in s.top_ups:
        discount = int(str(t["discount_bp"])) / 100
        doc.row(
            [
                t["date"],
                f"{t['description']} ({discount:g} % off)",
                f"{euros(int(str(t['nominal_cents'])))} EUR",
                f"{euros(int(str(t['net_cents'])))} EUR",
            ],
            widths,
        )
    if not s.top_ups:
        doc.row(["", "none", "", ""], widths)
    doc.heading("Charges per customer and license")
    doc.row(["Date", "Charge", "Nominal", "Net"], widths, bold=True)
    _per_customer(doc, s.charges, widths)
    if not s.charges:
        doc.row(["", "none", "", ""], widths)
    if s.cashback:  # only for partners whose customers pay for themselves
        doc.heading("Cashback on what your customers paid, per customer and order")
        doc.row(["Date", "Order", "Credit", "Cost"], widths, bold=True)
        _per_customer(doc, s.cashback, widths)
    doc.heading("Refunds, adjustments and expiries")
    for r in s.other:
        doc.row(
            [
                r["date"],
                f"{r['kind']}: {r['description']}",
                f"{euros(int(str(r['nominal_cents'])))} EUR",
                f"{euros(int(str(r['net_cents'])))} EUR",
            ],
            widths,
        )
    if not s.other:
        doc.row(["", "none", "", ""], widths)
    return bytes(doc.output())


def _per_customer(doc: _Doc, groups: dict[str, list[dict[str, object]]], widths: list[int]) -> None:
    """Ledger lines under their customer's name: date, description, nominal and net."""
    for customer, rows in groups.items():
        doc.row(["", customer, "", ""], widths, bold=True)
        for r in rows:
            doc.row(
                [
                    r["date"],
                    r["description"],
                    f"{euros(int(str(r['nominal_cents'])))} EUR",
                    f"{euros(int(str(r['net_cents'])))} EUR",
                ],
                widths,
            )


def customer_report_pdf(r: CustomerReport) -> bytes:
    with making.taken(wait=30):
        return _customer_report_pdf(r)


def _customer_report_pdf(r: CustomerReport) -> bytes:
    brand = r.partner_name if r.white_label else r.vendor_name
    doc = _Doc(brand, r.logo, "License report", r.customer_name)
    doc.heading(f"Licenses of {r.customer_name} on {r.made_at:%Y-%m-%d}")
    widths = [34, 24, 18, 18, 26, 30, 40]
    doc.row(
        ["Product", "Edition", "Seats", "In use", "Peak 30 d", "Status", "Valid until"],
        widths,
        bold=True,
    )
    for line in r.licenses:
        doc.row(
            [
                line["product"],
                line["edition"],
                line["seats"] if line["seats"] is not None else "-",
                line["used"] if line["used"] is not None else "-",
                line["peak_30_days"],
                line["status"],
                line["ends_at"],
            ],
            widths,
        )
    if not r.licenses:
        doc.row(["none", "", "", "", "", "", ""], widths)
    return bytes(doc.output())


def invoice_pdf(invoice: Invoice, customer_name: str, vendor: str) -> bytes:
    """The vendor's invoice to a customer that pays for itself: one line at the public price."""
    with making.taken(wait=30):
        doc = _Doc(vendor, None, f"Invoice {invoice.number}", customer_name)
        doc.heading(f"Invoice {invoice.number} to {customer_name}")
        widths = [40, 150]
        for label, value in (
            ("Issued", f"{invoice.issued_at:%Y-%m-%d}"),
            ("Due", f"{invoice.due_at:%Y-%m-%d}"),
            ("Status", invoice.status),
        ):
            doc.row([label, value], widths)
        doc.heading("Lines")
        doc.row(["Description", "Amount"], [150, 40], bold=True)
        doc.row([invoice.description, _money(invoice.amount_cents)], [150, 40])
        doc.row(["Total (public price)", _money(invoice.amount_cents)], [150, 40], bold=True)
        return bytes(doc.output())


def top_up_invoice_pdf(lot: CreditLot, partner_name: str, vendor: str) -> bytes:
    """The vendor's invoice for a top-up: the amount paid, the nominal credit it gave and the
    discount bracket, valid until when."""
    with making.taken(wait=30):
        number = lot.invoice_number or "-"
        doc = _Doc(vendor, None, f"Invoice {number}", partner_name)
        doc.heading(f"Invoice {number} to {partner_name}")
        widths = [50, 140]
        for label, value in (
            ("Date", f"{lot.created_at:%Y-%m-%d}"),
            ("Credit valid until", f"{lot.expires_at:%Y-%m-%d}"),
            ("Discount bracket", f"{lot.discount_bp / 100:g} % off the nominal credit"),
        ):
            doc.row([label, value], widths)
        doc.heading("Lines")
        doc.row(["Description", "Amount"], [150, 40], bold=True)
        doc.row([f"Credit, nominal {_money(lot.amount_cents)}", _money(lot.price_cents)], [150, 40])
        doc.row(["Total paid", _money(lot.price_cents)], [150, 40], bold=True)
        return bytes(doc.output())

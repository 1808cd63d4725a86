"""Invoices to customers that pay for themselves, as the operator sees them."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from partnerfleet_backend.kit.schemas import InputModel, OutputModel


class InvoiceRead(OutputModel):
    id: str
    number: str
    partner_id: str
    customer_id: str
    status: Literal["open", "paid", "void"]
    description: str
    object_type: str | None
    object_id: str | None
    amount_cents: int = Field(description="The public price of the order, invoiced")
    cashback_bp: int = Field(description="The partner's cashback rate at the order")
    cashback_cents: int = Field(description="Credited to the partner when the invoice is paid")
    issued_at: datetime
    due_at: datetime
    paid_at: datetime | None
    voided_at: datetime | None


class InvoiceVoid(InputModel):
    reason: str = Field(min_length=1, max_length=200, description="Why, for the audit trail")


class PurchaseRead(OutputModel):
    """A purchase that can still be undone (the grace window: 168 hours)."""

    made_at: datetime
    until: datetime = Field(description="Undo it before then to get it back in full")
    amount_cents: int = Field(description="What it charged, or invoiced to the customer")
    payer: Literal["partner", "customer"]
    description: str
    entry_id: str | None = Field(description="The charge refunded when it is undone")
    invoice_id: str | None = Field(description="The invoice voided when it is undone")
    undo_by: str = Field(
        description="How: 'cancel' (the license or add-on), or the seats and edition to set "
        "back (a seat increase or edition upgrade)"
    )
    seats_before: int | None = None
    edition_before: str | None = None

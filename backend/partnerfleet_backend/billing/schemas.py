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

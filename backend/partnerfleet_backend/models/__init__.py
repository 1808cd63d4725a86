"""Tables, one module each; importing this package registers them all."""

from partnerfleet_backend.models.addon import AddOn
from partnerfleet_backend.models.api_key import ApiKey
from partnerfleet_backend.models.audit_event import AuditEvent
from partnerfleet_backend.models.base import Base
from partnerfleet_backend.models.credit_lot import CreditLot
from partnerfleet_backend.models.customer import Customer
from partnerfleet_backend.models.idempotency_key import IdempotencyKey
from partnerfleet_backend.models.ledger_entry import LedgerEntry, LotConsumption
from partnerfleet_backend.models.license import License, UsageBill, UsageReport
from partnerfleet_backend.models.partner import Partner, Wallet
from partnerfleet_backend.models.quota_counter import QuotaCounter
from partnerfleet_backend.models.system import CatalogDocument, Notification, TestClock

__all__ = [
    "AddOn",
    "ApiKey",
    "AuditEvent",
    "Base",
    "CatalogDocument",
    "CreditLot",
    "Customer",
    "IdempotencyKey",
    "LedgerEntry",
    "License",
    "LotConsumption",
    "Notification",
    "Partner",
    "QuotaCounter",
    "TestClock",
    "UsageBill",
    "UsageReport",
    "Wallet",
]

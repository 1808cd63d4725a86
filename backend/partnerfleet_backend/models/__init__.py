"""Tables, one module each; importing this package registers them all."""

from partnerfleet_backend.models.account import (
    ROLES,
    Invitation,
    RecoveryCode,
    SessionStage,
    TokenPurpose,
    User,
    UserKind,
    UserRole,
    WebSession,
)
from partnerfleet_backend.models.addon import CURRENT as CURRENT_ADDON
from partnerfleet_backend.models.addon import AddOn, AddOnStatus
from partnerfleet_backend.models.api_key import ApiKey
from partnerfleet_backend.models.audit_event import AuditEvent
from partnerfleet_backend.models.base import Base
from partnerfleet_backend.models.credit_lot import CreditLot
from partnerfleet_backend.models.customer import Customer, CustomerStatus
from partnerfleet_backend.models.directory import (
    Approval,
    DirectoryEntry,
    Tender,
    TenderOffer,
    TenderRecipient,
    TenderStatus,
)
from partnerfleet_backend.models.idempotency_key import IdempotencyKey
from partnerfleet_backend.models.invoice import Invoice, InvoiceStatus
from partnerfleet_backend.models.ledger_entry import EntryKind, LedgerEntry, LotConsumption
from partnerfleet_backend.models.level import OrderKind, PartnerOrder, PartnerTraining, TrainingKind
from partnerfleet_backend.models.license import (
    CHANGEABLE,
    ENDED,
    FLAGGED,
    RENEWING,
    VALIDATING,
    License,
    LicenseIncrease,
    LicenseStatus,
    UsageBill,
    UsageReport,
)
from partnerfleet_backend.models.outbox import SECRET_MARK, MailState, OutboxMail
from partnerfleet_backend.models.partner import Partner, PartnerLogo, PartnerStatus, Wallet
from partnerfleet_backend.models.partnership import (
    AccessRequest,
    PartnerInvitation,
    RequestStatus,
)
from partnerfleet_backend.models.quota_counter import QuotaCounter
from partnerfleet_backend.models.resale import ANY_EDITION, ResalePrice
from partnerfleet_backend.models.system import (
    CalendarFailure,
    CatalogDocument,
    Delivery,
    Notification,
    RateCounter,
    TestClock,
)
from partnerfleet_backend.models.top_up import (
    NumberSequence,
    TopUpRequest,
    TopUpRule,
    TopUpStatus,
)

__all__ = [
    "ANY_EDITION",
    "CHANGEABLE",
    "CURRENT_ADDON",
    "ENDED",
    "FLAGGED",
    "RENEWING",
    "ROLES",
    "SECRET_MARK",
    "VALIDATING",
    "AccessRequest",
    "AddOn",
    "AddOnStatus",
    "ApiKey",
    "Approval",
    "AuditEvent",
    "Base",
    "CalendarFailure",
    "CatalogDocument",
    "CreditLot",
    "Customer",
    "CustomerStatus",
    "Delivery",
    "DirectoryEntry",
    "EntryKind",
    "IdempotencyKey",
    "Invitation",
    "Invoice",
    "InvoiceStatus",
    "LedgerEntry",
    "License",
    "LicenseIncrease",
    "LicenseStatus",
    "LotConsumption",
    "MailState",
    "Notification",
    "NumberSequence",
    "OrderKind",
    "OutboxMail",
    "Partner",
    "PartnerInvitation",
    "PartnerLogo",
    "PartnerOrder",
    "PartnerStatus",
    "PartnerTraining",
    "QuotaCounter",
    "RateCounter",
    "RecoveryCode",
    "RequestStatus",
    "ResalePrice",
    "SessionStage",
    "Tender",
    "TenderOffer",
    "TenderRecipient",
    "TenderStatus",
    "TestClock",
    "TokenPurpose",
    "TopUpRequest",
    "TopUpRule",
    "TopUpStatus",
    "TrainingKind",
    "UsageBill",
    "UsageReport",
    "User",
    "UserKind",
    "UserRole",
    "Wallet",
    "WebSession",
]

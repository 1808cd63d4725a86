"""Bodies of the plan route: intended changes in the provider's vocabulary in, a priced plan
out."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from partnerfleet_backend.kit.schemas import InputModel
from partnerfleet_backend.license.schemas import RightsizingRead

Action = Literal["create", "update", "delete"]
ObjectType = Literal["customer", "license", "addon", "support"]
Effective = Literal["now", "renewal", "trial_end", "period_end", "monthly_in_arrears"]

MAX_CHANGES = 5_000


class PlanChange(InputModel):
    """One intended change: what `pulumi up` would ask of the API for one resource."""

    key: str = Field(
        min_length=1, max_length=500, description="The caller's name for it (a Pulumi URN)."
    )
    action: Action
    type: ObjectType
    id: str | None = Field(
        default=None, min_length=1, max_length=40, description="The object, for update/delete."
    )
    inputs: dict[str, Any] = Field(
        default_factory=dict,
        description="The body the create or update would send (a license's `customer_id` may "
        "be left out when `customer` names a customer created in this plan).",
    )
    customer: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="For a new license: the `key` of the customer created earlier in this plan.",
    )
    label: str | None = Field(default=None, max_length=200, description="How reports name it.")
    at_end: bool = Field(
        default=False,
        description="A delete the engine runs only after every create and update has "
        "succeeded (a removed resource, the old half of a create-before-delete replacement).",
    )


class PlanCreate(InputModel):
    changes: list[PlanChange] = Field(max_length=MAX_CHANGES)


class Refusal(BaseModel):
    code: str
    detail: str
    needed_cents: int | None = None
    available_cents: int | None = None
    shortfall_cents: int | None = None


class PlannedChange(BaseModel):
    key: str
    label: str
    action: Action
    type: ObjectType
    id: str | None
    customer_id: str | None
    customer_label: str | None = Field(
        default=None, description="The customer's reference (or name)."
    )
    refused: Refusal | None
    charge_now_cents: int = Field(description="Nominal, drawn from the credit now.")
    charge_now_net_cents: int = Field(description="What that credit cost (through the lots).")
    payer: Literal["partner", "customer"] = Field(
        default="partner",
        description="Who pays what the change costs now: the partner's wallet (charge_now_cents)"
        " or the customer, invoiced (invoiced_cents); nothing is drawn from the wallet for it",
    )
    invoiced_cents: int = Field(
        default=0, description="Invoiced to the customer now, at the public price."
    )
    cashback_cents: int = Field(
        default=0, description="The partner's cashback on that invoice, credited when it is paid."
    )
    refund_cents: int = Field(
        default=0,
        description="Nominal credit given back to the wallet now: a purchase of the last 168 "
        "hours undone (the grace window), each part to the lot it came from",
    )
    refund_net_cents: int = Field(default=0, description="What that credit cost (its lots).")
    voided_cents: int = Field(
        default=0,
        description="Invoices to the customer voided now: a purchase it paid for undone",
    )
    effective: Effective
    effective_at: datetime | None
    monthly_before_cents: int
    monthly_after_cents: int
    monthly_from_renewal_cents: int | None = Field(
        description="The monthly amount after the next renewal, when it differs."
    )
    forfeit_cents: int = Field(description="Prepaid value given up by a cancel (no refund).")
    notes: list[str]
    api_calls: int = Field(description="API calls the provider spends on it in `pulumi up`.")
    skipped: bool = Field(
        default=False,
        description="Never run by the up, because of a change refused before it: a delete "
        "the engine runs only after every create and update succeeded, or a license of a "
        "customer whose create is refused. Priced at nothing.",
    )


class PlanTotals(BaseModel):
    charge_now_cents: int
    charge_now_net_cents: int
    invoiced_cents: int = 0
    cashback_cents: int = 0
    refund_cents: int = 0
    refund_net_cents: int = 0
    voided_cents: int = 0
    forfeit_cents: int
    monthly_before_cents: int
    monthly_after_cents: int
    monthly_delta_cents: int


class PlanWallet(BaseModel):
    balance_before_cents: int
    balance_after_cents: int
    available_before_cents: int
    available_after_cents: int
    expires_at: datetime | None
    expiring_within_30_days_cents: int


class PlanLevel(BaseModel):
    current: str
    next_month: str = Field(
        description="The level at the next monthly run after the plan: its run-rate, the "
        "orders that count then (the plan's own included), the trainings valid then."
    )
    next_month_reasons: list[str] = Field(
        description="Why it is below what the run-rate gives (orders, training), if it is"
    )
    monthly_usage_after_cents: int
    orders_after: int = Field(description="Orders that count at the next run, after the plan")


class PlanQuota(BaseModel):
    calls_needed: int = Field(description="API calls the `up` will spend on these changes.")
    remaining: int
    limit: int
    enough: bool


class UnderLicensed(BaseModel):
    license_id: str
    reference: str | None
    customer_id: str
    customer_label: str | None = None
    seats: int
    used_seats: int
    in_plan: bool


class RightSize(BaseModel):
    """A license renewing within 45 days with seats unused (after the plan's changes)."""

    license_id: str
    reference: str | None
    customer_id: str
    rightsizing: RightsizingRead


class FirstRefusal(BaseModel):
    key: str
    label: str
    code: str
    shortfall_cents: int | None


class PlanRead(BaseModel):
    """The priced plan. Nothing was changed; applying the same changes at the same moment
    charges exactly these amounts."""

    currency: str
    planned_at: datetime
    changes: list[PlannedChange]
    totals: PlanTotals
    wallet: PlanWallet
    level: PlanLevel
    quota: PlanQuota
    under_licensed: list[UnderLicensed]
    rightsizing: list[RightSize] = Field(
        default=[], description="Renewals within 45 days with seats unused, and the saving"
    )
    refused: bool
    first_refusal: FirstRefusal | None

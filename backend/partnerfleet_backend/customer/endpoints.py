"""Customer organisations."""

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from partnerfleet_backend.customer import service
from partnerfleet_backend.customer.schemas import (
    CustomerCreate,
    CustomerGrant,
    CustomerRead,
    CustomerUpdate,
)
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.pipeline.api import (
    OperatorApi,
    PartnerReadApi,
    PartnerWriteApi,
    TeamWriteApi,
)

router = APIRouter(prefix="/v1", tags=["customers"])


@router.post("/customers", status_code=201, response_model=CustomerRead)
def create_customer(body: CustomerCreate, api: PartnerWriteApi) -> JSONResponse:
    """Create a customer org; `reference` (your CRM id) is unique among your customers."""
    pid = api.partner_id
    return api.write(lambda ctx: CustomerRead.model_validate(service.create(ctx, pid, body)), 201)


@router.get("/customers", response_model=Page[CustomerRead])
def list_customers(
    api: PartnerReadApi,
    limit: Limit = 50,
    cursor: Cursor = None,
    reference: str | None = Query(default=None, max_length=100),
) -> Page[CustomerRead]:
    """Your customer orgs, filterable by `reference`."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[CustomerRead]:
        rows, next_cursor = service.list_customers(ctx, pid, limit, cursor, reference)
        return Page(items=[CustomerRead.model_validate(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)


@router.get("/customers/{customer_id}", response_model=CustomerRead)
def get_customer(customer_id: str, api: PartnerReadApi) -> JSONResponse:
    """One customer org (404 for another partner's)."""
    pid = api.partner_id
    body = api.read(lambda ctx: CustomerRead.model_validate(service.get(ctx, pid, customer_id)))
    return api.respond(body)


@router.patch("/customers/{customer_id}", response_model=CustomerRead)
def update_customer(customer_id: str, body: CustomerUpdate, api: TeamWriteApi) -> JSONResponse:
    """Change a customer org (honours If-Match)."""
    pid = api.partner_id
    return api.write(
        lambda ctx: CustomerRead.model_validate(service.update(ctx, pid, customer_id, body))
    )


@router.delete("/customers/{customer_id}", response_model=CustomerRead)
def end_customer(customer_id: str, api: TeamWriteApi) -> JSONResponse:
    """End the relationship: the customer's licenses stay with it, unmanaged, never renewed."""
    pid = api.partner_id
    return api.write(lambda ctx: CustomerRead.model_validate(service.end(ctx, pid, customer_id)))


@router.patch("/partners/{partner_id}/customers/{customer_id}/grant", response_model=CustomerRead)
def grant(partner_id: str, customer_id: str, body: CustomerGrant, api: OperatorApi) -> JSONResponse:
    """Set what the customer grants its partner (access, products, who pays) for it (operator;
    the customer's admins do it in the portal). The partner is told when the payer changes."""
    update = CustomerUpdate.model_validate(body.model_dump(exclude_unset=True))
    return api.write(
        lambda ctx: CustomerRead.model_validate(
            service.update(ctx, partner_id, customer_id, update, by_customer=True)
        )
    )

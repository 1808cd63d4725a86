"""The directory and the tenders over HTTP: public reads and a public request form (no key),
the partner's entry and its tenders, the operator's review."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.directory import service, tenders
from partnerfleet_backend.directory.schemas import (
    ApprovalUpdate,
    DirectoryRead,
    DirectoryUpdate,
    OfferCreate,
    OfferRead,
    PublicPartner,
    TenderAccepted,
    TenderAdminRead,
    TenderCreate,
    TenderRead,
    TenderToken,
)
from partnerfleet_backend.pipeline.api import (
    OperatorApi,
    OwnAccountApi,
    PartnerWriteApi,
    PublicApi,
)

router = APIRouter(prefix="/v1")
D, T = "directory", "tenders"
Filter = Annotated[str | None, Query(max_length=40)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/directory", response_model=list[PublicPartner], tags=[D])
def search_directory(
    api: PublicApi, country: Filter = None, product: Filter = None, service_name: Filter = None
) -> list[PublicPartner]:
    """The public partner directory (no key): approved partners, by country, product, service
    (`service_name`). Nothing private."""
    return api.read(lambda ctx: service.search(ctx, country, product, service_name))


@router.get("/directory/{partner_id}", response_model=PublicPartner, tags=[D])
def directory_entry(partner_id: str, api: PublicApi) -> PublicPartner:
    """One partner of the public directory (no key)."""
    return api.read(lambda ctx: service.public_one(ctx, partner_id))


@router.get(
    "/me/directory",
    response_model=DirectoryRead,
    tags=[D],
    responses={404: {"description": "No entry yet: PUT /v1/me/directory makes one"}},
)
def own_entry(api: OwnAccountApi) -> DirectoryRead:
    """Your directory entry, its approval, and which requests for quotes you receive."""
    pid = api.partner_id
    assert pid is not None
    return api.read(lambda ctx: service.own(ctx, pid))


@router.put("/me/directory", response_model=DirectoryRead, tags=[D])
def put_entry(body: DirectoryUpdate, api: PartnerWriteApi) -> JSONResponse:
    """Make or change your entry; a new website or registration number waits for the
    operator's check again."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: service.put(ctx, pid, body))


@router.put("/partners/{partner_id}/directory/approval", response_model=DirectoryRead, tags=[D])
def approve_entry(partner_id: str, body: ApprovalUpdate, api: OperatorApi) -> JSONResponse:
    """Approve an entry (registration and website checked) or hide it (operator; audited)."""
    return api.write(lambda ctx: service.set_approval(ctx, partner_id, body.approval))


@router.delete("/partners/{partner_id}/directory", status_code=204, tags=[D])
def remove_entry(partner_id: str, api: OperatorApi) -> JSONResponse:
    """Remove an entry (operator; audited)."""

    def work(ctx: Ctx) -> dict[str, str]:
        service.remove(ctx, partner_id)
        return {}

    api.write(work)
    return JSONResponse(None, status_code=204)


@router.post("/tender-requests", status_code=202, response_model=TenderAccepted, tags=[T])
def submit_tender(body: TenderCreate, request: Request, api: PublicApi) -> JSONResponse:
    """Ask partners for quotes (no key, free): nothing is published until you confirm it from
    the email we send, which also has the link that cancels it."""
    client = client_of(request)

    def work(ctx: Ctx) -> TenderAccepted:
        return tenders.said(tenders.submit(ctx, body, client))

    return api.write(work, 202)


@router.post("/tender-requests/confirmation", response_model=TenderAccepted, tags=[T])
def confirm_tender(body: TenderToken, api: PublicApi) -> JSONResponse:
    """Confirm a request with the token of its email: it goes to the partners."""
    return api.write(lambda ctx: tenders.said(tenders.confirm(ctx, body.token)))


@router.post("/tender-requests/cancellation", response_model=TenderAccepted, tags=[T])
def cancel_tender(body: TenderToken, api: PublicApi) -> JSONResponse:
    """Cancel a request with the token of its email: partners no longer see it."""
    return api.write(lambda ctx: tenders.said(tenders.cancel(ctx, body.token)))


@router.get("/tenders", response_model=list[TenderRead], tags=[T])
def received_tenders(api: OwnAccountApi) -> list[TenderRead]:
    """The valid requests for quotes sent to you, in full."""
    pid = api.partner_id
    assert pid is not None
    return api.read(lambda ctx: [tenders.read_view(t, o) for t, o in tenders.received(ctx, pid)])


@router.get("/tenders/{tender_id}", response_model=TenderRead, tags=[T])
def received_tender(tender_id: str, api: OwnAccountApi) -> TenderRead:
    """One request sent to you, while it is valid."""
    pid = api.partner_id
    assert pid is not None
    return api.read(lambda ctx: tenders.read_view(*tenders.one_received(ctx, pid, tender_id)))


@router.post("/tenders/{tender_id}/offers", status_code=201, response_model=OfferRead, tags=[T])
def send_offer(tender_id: str, body: OfferCreate, api: PartnerWriteApi) -> JSONResponse:
    """Answer a request with an offer (one per request): mailed to the requester."""
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> OfferRead:
        row = tenders.offer(ctx, pid, tender_id, body)
        return OfferRead.model_validate(row, from_attributes=True)

    return api.write(work, 201)


@router.get("/tender-requests", response_model=list[TenderAdminRead], tags=[T])
def all_tenders(api: OperatorApi, status: Filter = None) -> list[TenderAdminRead]:
    """Every request for quotes, newest first (operator: to remove abuse)."""

    return api.read(lambda ctx: tenders.admin_list(ctx, status))


@router.delete("/tender-requests/{tender_id}", response_model=TenderAccepted, tags=[T])
def remove_tender(tender_id: str, api: OperatorApi) -> JSONResponse:
    """Take an abusive request down (operator; audited)."""
    return api.write(lambda ctx: tenders.said(tenders.remove(ctx, tender_id)))

"""The directory and the tenders in the browser: public pages (no sign-in: the directory, a
partner's page, the request form and its one-click links) and the partner's portal pages (its
entry, the requests sent to it, its offers). Everything a visitor typed is shown as text."""

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Actor, Ctx
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.directory import service, tenders
from partnerfleet_backend.directory.endpoints import client_of
from partnerfleet_backend.directory.schemas import (
    SERVICES,
    DirectoryUpdate,
    OfferCreate,
    TenderCreate,
    TenderRead,
)
from partnerfleet_backend.kit.errors import Forbidden, NotFound, ServiceError
from partnerfleet_backend.kit.integrity import rules_held
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.portal.endpoints import Field
from partnerfleet_backend.portal.web import Portal, SignedIn, render
from partnerfleet_backend.settings import get_settings

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
Text = Annotated[str, Form(max_length=4000)]
PUBLIC = Actor(key_id="public", kind="public", scope="public", partner_id=None)
_PRICE = re.compile(r"^(\d{1,9})(?:[.,](\d{1,2}))?$")


def _public(work: Callable[[Ctx], T], *, write: bool = False) -> T:
    settings = get_settings()

    def unit(session: Session) -> T:
        now = current_time(session, settings)
        return work(Ctx(session=session, now=now, actor=PUBLIC, request_id=None, settings=settings))

    with rules_held():
        return run_in_transaction(unit, settings, write=write)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}"


@router.get("/directory")
def directory(
    request: Request,
    country: Annotated[str, Query(max_length=2)] = "",
    product: Annotated[str, Query(max_length=40)] = "",
    service_name: Annotated[str, Query(alias="service", max_length=40)] = "",
) -> HTMLResponse:
    found, products = _public(
        lambda ctx: (
            service.search(ctx, country.upper() or None, product or None, service_name or None),
            load_catalog(ctx.session).products,
        )
    )
    return render(
        request,
        "directory.html",
        partners=found,
        products=products,
        services=SERVICES,
        country=country,
        product=product,
        service=service_name,
    )


@router.get("/directory/{partner_id}")
def directory_page(request: Request, partner_id: str) -> HTMLResponse:
    try:
        entry = _public(lambda ctx: service.public_one(ctx, partner_id))
    except NotFound:
        return render(
            request,
            "tender_said.html",
            404,
            heading="Not found",
            message="No such partner in the directory.",
        )
    return render(request, "directory_entry.html", p=entry)


@router.get("/tenders/new")
def tender_form(request: Request) -> HTMLResponse:
    return _tender_form(request, {})


def _tender_form(
    request: Request, form: dict[str, Any], status: int = 200, error: str = ""
) -> HTMLResponse:
    products = _public(lambda ctx: load_catalog(ctx.session).products)
    return render(
        request,
        "tender_form.html",
        status,
        form=form,
        products=products,
        services=SERVICES,
        error=error,
    )


@router.post("/tenders/new")
def submit_tender(
    request: Request,
    title: Field = "",
    text: Text = "",
    country: Field = "",
    product: Field = "",
    service_name: Annotated[str, Form(alias="service", max_length=40)] = "",
    name: Field = "",
    email: Field = "",
    phone: Field = "",
    organisation: Field = "",
) -> HTMLResponse:
    form = {
        "title": title,
        "text": text,
        "country": country.strip().upper(),
        "product": product,
        "service": service_name,
        "name": name,
        "email": email.strip(),
        "phone": phone.strip() or None,
        "organisation": organisation.strip() or None,
    }
    client = client_of(request)
    try:
        body = TenderCreate.model_validate(form)
        _public(lambda ctx: tenders.submit(ctx, body, client), write=True)
    except ValidationError as invalid:
        return _tender_form(request, form, 422, _first_error(invalid))
    except ServiceError as refused:
        return _tender_form(request, form, refused.status, refused.detail)
    return render(
        request,
        "tender_said.html",
        heading="Check your email",
        message=f"We sent a link to {body.email}. Your request is published once you confirm it.",
    )


@router.get("/tenders/confirm")
def confirm(request: Request, t: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """One click from the email: published."""
    return _link(request, t, tenders.confirm)


@router.get("/tenders/cancel")
def cancel(request: Request, t: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """One click from the email: cancelled at once."""
    return _link(request, t, tenders.cancel)


def _link(request: Request, token: str, act: Callable[[Ctx, str], Any]) -> HTMLResponse:
    try:
        tender = _public(lambda ctx: act(ctx, token), write=True)
    except ServiceError as refused:
        return render(
            request,
            "tender_said.html",
            refused.status,
            heading="This link does not work",
            message=refused.detail,
        )
    message = tenders.said(tender).message
    return render(
        request, "tender_said.html", heading=tender.title, message=message[:1].upper() + message[1:]
    )


# The partner's pages in the portal


def _may_change(portal: Portal) -> bool:
    return portal.user.kind == "partner" and portal.user.role == "admin"


def _received(portal: Portal, pid: str, status: int = 200, error: str = "") -> HTMLResponse:
    def work(ctx: Ctx) -> tuple[list[TenderRead], str]:
        rows = [tenders.read_view(t, offered) for t, offered in tenders.received(ctx, pid)]
        try:
            entry = service.own(ctx, pid)
            receives = "requests matching your entry" if entry.receives_tenders else "nothing (off)"
        except NotFound:
            receives = "nothing (no directory entry)"
        return rows, receives

    rows, receives = portal.read(work)
    return portal.render(
        "tenders.html",
        status,
        pid=pid,
        tenders=rows,
        receives=receives,
        may_offer=_may_change(portal),
        error=error,
    )


@router.get("/portal/p/{partner_id}/tenders")
def received(partner_id: str, portal: SignedIn) -> HTMLResponse:
    return _received(portal, portal.partner(partner_id))


@router.post("/portal/p/{partner_id}/tenders/{tender_id}/offer")
def offer(
    partner_id: str,
    tender_id: str,
    portal: SignedIn,
    text: Text = "",
    price: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    portal.check_csrf(csrf_token)
    pid = portal.partner(partner_id)
    if not _may_change(portal):
        raise Forbidden("only the partner's admins send offers")
    portal.refuse_if_suspended()
    try:
        cents = None
        if price.strip():
            found = _PRICE.match(price.strip().replace(" ", ""))
            if not found:
                raise ValueError("price: a number of euros, e.g. 1200 or 1200.50")
            cents = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
        body = OfferCreate.model_validate({"text": text, "price_cents": cents})
        portal.write(lambda ctx: tenders.offer(ctx, pid, tender_id, body))
    except ValidationError as invalid:
        return _received(portal, pid, 422, _first_error(invalid))
    except ServiceError as refused:
        return _received(portal, pid, refused.status, refused.detail)
    except ValueError as invalid:
        return _received(portal, pid, 422, str(invalid))
    return _received(portal, pid)


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _entry_page(
    portal: Portal, pid: str, form: dict[str, Any] | None = None, status: int = 200, error: str = ""
) -> HTMLResponse:
    def work(ctx: Ctx) -> Any:
        try:
            return service.own(ctx, pid)
        except NotFound:
            return None

    entry = portal.read(work)
    shown = form
    if shown is None:
        shown = {"listed": False, "receives_tenders": False}
        if entry is not None:
            shown = {
                k: ", ".join(v) if isinstance(v, list) else v for k, v in entry.model_dump().items()
            }
    return portal.render(
        "directory_edit.html",
        status,
        pid=pid,
        entry=entry,
        f=shown,
        services=SERVICES,
        editable=_may_change(portal),
        error=error,
    )


@router.get("/portal/p/{partner_id}/directory")
def entry_form(partner_id: str, portal: SignedIn) -> HTMLResponse:
    return _entry_page(portal, portal.partner(partner_id))


@router.post("/portal/p/{partner_id}/directory")
def save_entry(
    partner_id: str,
    portal: SignedIn,
    listed: Field = "",
    country: Field = "",
    languages: Field = "",
    services: Field = "",
    products: Field = "",
    website: Field = "",
    registration_number: Field = "",
    description: Text = "",
    receives_tenders: Field = "",
    tender_countries: Field = "",
    tender_products: Field = "",
    tender_services: Field = "",
    csrf_token: Field = "",
) -> HTMLResponse:
    portal.check_csrf(csrf_token)
    pid = portal.partner(partner_id)
    if not _may_change(portal):
        raise Forbidden("only the partner's admins change the directory entry")
    portal.refuse_if_suspended()
    form: dict[str, Any] = {
        "listed": listed == "yes",
        "country": country.strip().upper(),
        "languages": languages,
        "services": services,
        "products": products,
        "website": website.strip(),
        "registration_number": registration_number.strip(),
        "description": description,
        "receives_tenders": receives_tenders == "yes",
        "tender_countries": tender_countries,
        "tender_products": tender_products,
        "tender_services": tender_services,
    }
    lists = (
        "languages",
        "services",
        "products",
        "tender_countries",
        "tender_products",
        "tender_services",
    )
    try:
        body = DirectoryUpdate.model_validate(
            {k: _listed(v) if k in lists else v for k, v in form.items()}
            | {"tender_countries": [c.upper() for c in _listed(tender_countries)]}
        )
        portal.write(lambda ctx: service.put(ctx, pid, body))
    except ValidationError as invalid:
        return _entry_page(portal, pid, form, 422, _first_error(invalid))
    except ServiceError as refused:
        return _entry_page(portal, pid, form, refused.status, refused.detail)
    return _entry_page(portal, pid)

"""The application factory: every domain's router behind the request pipeline."""

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from partnerfleet_backend import __version__
from partnerfleet_backend.addon.endpoints import router as addon_router
from partnerfleet_backend.audit.endpoints import router as audit_router
from partnerfleet_backend.billing.endpoints import router as billing_router
from partnerfleet_backend.catalog.endpoints import router as catalog_router
from partnerfleet_backend.customer.endpoints import router as customer_router
from partnerfleet_backend.directory.endpoints import router as directory_router
from partnerfleet_backend.directory.pages import router as directory_pages_router
from partnerfleet_backend.keys.endpoints import router as keys_router
from partnerfleet_backend.kit.errors import ServiceError
from partnerfleet_backend.kit.redact import install_log_redaction
from partnerfleet_backend.level.endpoints import router as level_router
from partnerfleet_backend.license.endpoints import router as license_router
from partnerfleet_backend.notification.endpoints import router as notification_router
from partnerfleet_backend.operations.endpoints import router as operations_router
from partnerfleet_backend.overview.endpoints import router as overview_router
from partnerfleet_backend.partner.endpoints import router as partner_router
from partnerfleet_backend.partnership.endpoints import router as partnership_router
from partnerfleet_backend.pipeline.contract import install_contract
from partnerfleet_backend.pipeline.middleware import RequestIdAndBodyLimit
from partnerfleet_backend.pipeline.problems import install_problem_handlers
from partnerfleet_backend.plan.endpoints import router as plan_router
from partnerfleet_backend.portal import docs
from partnerfleet_backend.portal.docs import router as docs_router
from partnerfleet_backend.portal.downloads import router as downloads_router
from partnerfleet_backend.portal.endpoints import router as portal_router
from partnerfleet_backend.portal.invitations import router as invitation_pages_router
from partnerfleet_backend.portal.pages import router as pages_router
from partnerfleet_backend.portal.partnership import router as partnership_pages_router
from partnerfleet_backend.portal.people import router as people_router
from partnerfleet_backend.portal.resale import router as resale_pages_router
from partnerfleet_backend.portal.security import router as security_router
from partnerfleet_backend.portal.top_ups import router as top_ups_pages_router
from partnerfleet_backend.portal.web import HERE as PORTAL_HERE
from partnerfleet_backend.portal.web import SignInRequired, error_page
from partnerfleet_backend.quota.endpoints import router as quota_router
from partnerfleet_backend.reports.endpoints import router as reports_router
from partnerfleet_backend.resale.endpoints import router as resale_router
from partnerfleet_backend.settings import get_settings
from partnerfleet_backend.support.endpoints import router as support_router
from partnerfleet_backend.topup.endpoints import router as topup_router
from partnerfleet_backend.usage.endpoints import router as usage_router
from partnerfleet_backend.wallet.endpoints import router as wallet_router

PORTAL_STATIC = str(PORTAL_HERE / "static")
# Matched in this order, route by route, on every request (no two routes match one path: a
# test says so, so the order decides nothing but speed): the routes a fleet's refresh and
# apply call most come first.
ROUTERS = (
    license_router,
    customer_router,
    addon_router,
    support_router,
    usage_router,
    wallet_router,
    partner_router,
    keys_router,
    plan_router,
    overview_router,
    quota_router,
    level_router,
    directory_router,
    reports_router,
    catalog_router,
    notification_router,
    audit_router,
    operations_router,
    billing_router,
    partnership_router,
    topup_router,
    resale_router,
)
PAGES = (
    portal_router,
    pages_router,
    people_router,
    downloads_router,
    partnership_pages_router,
    invitation_pages_router,
    directory_pages_router,
    security_router,
    top_ups_pages_router,
    resale_pages_router,
    docs_router,
)


def portal_error_page(request: Request, error: ServiceError) -> Response | None:
    """A refused portal page is a page, not JSON."""
    if not request.url.path.startswith("/portal"):
        return None
    return error_page(request, error)


async def to_sign_in(request: Request, refused: Exception) -> Response:
    """To the sign-in page and back afterwards; a sign-in half done goes on where it stopped
    (the second factor's code, or setting it up)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    step = getattr(refused, "page", "/portal/sign-in")
    return RedirectResponse(f"{step}?{urlencode({'next': target})}", status_code=303)


def create_app() -> FastAPI:
    """The service."""
    settings = get_settings()
    install_log_redaction()
    app = FastAPI(
        title="partnerfleet licensing backend",
        version=__version__,
        description="The vendor's partner-program service: partners, wallet, customer orgs, "
        "licenses, add-ons and support levels. Errors are application/problem+json with a "
        "stable `code`. Money is integer cents, percentages integer basis points. People "
        "sign in to the portal at /portal; machines use API keys.",
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(app, pages=portal_error_page)
    app.add_exception_handler(SignInRequired, to_sign_in)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in ROUTERS:
        app.include_router(router)
    for router in PAGES:
        app.include_router(router)
    app.mount("/portal/static", StaticFiles(directory=PORTAL_STATIC), name="portal-static")
    docs.mount(app)
    install_contract(app)
    app.add_middleware(
        RequestIdAndBodyLimit,
        max_body_bytes=settings.max_body_bytes,
        larger={"/v1/plans": settings.plan_max_body_bytes},
        read_seconds=settings.request_read_seconds,
    )
    return app

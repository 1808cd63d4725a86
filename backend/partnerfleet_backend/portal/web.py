"""The portal's request pipeline: who is signed in (a session cookie), what they may see
(their partner's or their org's pages; an operator any partner's, audited), the form token
(CSRF) of every change, and pages rendered from templates. Pages work without JavaScript."""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import sessions
from partnerfleet_backend.db.context import Actor, Ctx
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.keys.service import refuse_changes_when_suspended
from partnerfleet_backend.kit import money
from partnerfleet_backend.kit.errors import Forbidden, NotFound, ServiceError
from partnerfleet_backend.kit.integrity import rules_held
from partnerfleet_backend.models import SessionStage
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.settings import Settings, get_settings

T = TypeVar("T")
HERE = Path(__file__).parent
COOKIE = "pf_session"
LOGIN_CSRF_COOKIE = "pf_login_csrf"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def eur(cents: int | None) -> str:
    """1234567 -> '12,345.67 EUR' (integer arithmetic, no float)."""
    return "-" if cents is None else money.eur(cents)


def day(moment: datetime | str | None) -> str:
    if moment is None:
        return "-"
    if isinstance(moment, str):
        return moment[:10]
    return moment.strftime("%Y-%m-%d")


templates.env.filters["eur"] = eur
templates.env.filters["day"] = day


class SignInRequired(Exception):
    """No valid session: the browser goes to the sign-in page (and back afterwards)."""

    page = "/portal/sign-in"


class CodeRequired(SignInRequired):
    """The password was right; the second factor's code comes next."""

    page = "/portal/sign-in/code"


class SetUpRequired(SignInRequired):
    """The account must have a second factor and has none: set it up first."""

    page = SET_UP = "/portal/me/second-factor"


# what a session that must set up its second factor may reach
SET_UP_PAGES = (SetUpRequired.SET_UP, "/portal/sign-out")


@dataclass(frozen=True)
class PortalUser:
    id: str
    email: str
    name: str
    kind: str
    role: str
    partner_id: str | None
    customer_id: str | None

    @property
    def may_change(self) -> bool:
        return self.role in ("admin", "billing")


@dataclass
class Portal:
    """One signed-in request."""

    request: Request
    settings: Settings
    user: PortalUser
    csrf_token: str
    partner_status: str | None = None  # of the partner whose pages these are

    def actor(self) -> Actor:
        scope = "write" if self.user.may_change else "read"
        return Actor(
            key_id=self.user.id,
            kind="operator" if self.user.kind == "operator" else "user",
            scope=scope,
            partner_id=self.user.partner_id,
        )

    def _ctx(self, session: Session) -> Ctx:
        return Ctx(
            session=session,
            now=current_time(session, self.settings),
            actor=self.actor(),
            request_id=getattr(self.request.state, "request_id", None),
            settings=self.settings,
        )

    def read(self, work: Callable[[Ctx], T]) -> T:
        return run_in_transaction(lambda s: work(self._ctx(s)), self.settings, write=False)

    def write(self, work: Callable[[Ctx], T]) -> T:
        """`work` in a transaction; an "at most one" the database held is its rule's 409."""
        with rules_held():
            return run_in_transaction(lambda s: work(self._ctx(s)), self.settings)

    def check_csrf(self, token: str | None) -> None:
        """Every form that changes something carries the session's form token."""
        if not token or not hmac.compare_digest(token, self.csrf_token):
            raise Forbidden("the form is stale or did not come from this site; reload the page")

    def partner(self, partner_id: str) -> str:
        """`partner_id` when this user may see that partner's pages: its own users, and
        operators (each look audited); anyone else gets the same 404 as a missing partner."""
        user = self.user
        if user.kind == "partner" and user.partner_id == partner_id:
            # a closed one is not found
            self.partner_status = self.read(lambda ctx: partners.get(ctx, partner_id).status)
            return partner_id
        if user.kind == "operator":

            def look(ctx: Ctx) -> None:
                partners.get(ctx, partner_id)
                ctx.audit(
                    "operator.read",
                    "partner",
                    partner_id,
                    partner_id=partner_id,
                    before=None,
                    after={"method": "GET", "path": self.request.url.path},
                )

            self.write(look)
            return partner_id
        raise NotFound(f"partner {partner_id} not found")

    def refuse_if_suspended(self, *, taking_back: bool = False) -> None:
        """A partner's own people change nothing of a suspended partner but what it may take
        back (the one rule: `keys.service.refuse_changes_when_suspended`)."""
        if self.user.kind == "partner":
            refuse_changes_when_suspended(self.partner_status, taking_back=taking_back)

    def require(self, *roles: str) -> None:
        if self.user.role not in roles:
            raise Forbidden("your role may not change this")

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return render(
            self.request,
            template,
            status_code=status_code,
            user=self.user,
            csrf_token=self.csrf_token,
            **context,
        )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"user": None, **context}, status_code=status_code
    )


def signed_in(request: Request) -> Portal:
    """The request's signed-in user, or SignInRequired."""
    settings = get_settings()
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired

    def work(session: Session) -> tuple[PortalUser, str, str] | None:
        found = sessions.session_and_stage(session, token)
        if found is None:
            return None
        web, user, stage = found
        sessions.touch(session, web)
        return (
            PortalUser(
                user.id,
                user.email,
                user.name,
                user.kind,
                user.role,
                user.partner_id,
                user.customer_id,
            ),
            web.csrf_token,
            stage,
        )

    found = run_in_transaction(work, settings)
    if found is None:
        raise SignInRequired
    user, csrf, stage = found
    if stage == SessionStage.CODE:
        raise CodeRequired
    if stage == SessionStage.ENROL and request.url.path not in SET_UP_PAGES:
        raise SetUpRequired
    return Portal(request, settings, user, csrf)


SignedIn = Annotated[Portal, Depends(signed_in)]


def set_session_cookie(response: Response, settings: Settings, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        secure=settings.portal_secure_cookies,
        samesite="lax",
        path="/",
    )


def error_page(request: Request, error: ServiceError) -> Response:
    """How a refused page looks in a browser."""
    if isinstance(error, SignInRequired):  # pragma: no cover - handled separately
        return RedirectResponse("/portal/sign-in", status_code=303)
    return render(request, "error.html", status_code=error.status, error=error)

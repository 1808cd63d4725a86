"""Signing in safely, in the portal: the second factor's code after the password, setting it
up (a QR code and ten recovery codes shown once), turning it off, a person's own sessions
(listed, ended one by one or all but this one), and a partner's admin requiring a second
factor of all its people. The rules are `accounts/second_factor.py`'s."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import second_factor, sessions
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import Forbidden, NotFound, ServiceError
from partnerfleet_backend.portal.web import COOKIE, CodeRequired, Portal, SignedIn, render
from partnerfleet_backend.settings import get_settings

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=200)]
SET_UP = "/portal/me/second-factor"


def _safe(target: str) -> str:
    return target if target.startswith("/portal") and "//" not in target else "/portal"


def _half_signed_in(session: Session, request: Request) -> str | None:
    """The form token of this browser's sign-in that waits for its code, if it does."""
    found = sessions.session_user(session, request.cookies.get(COOKIE, ""))
    if found is None or found[0].stage != "code":
        return None
    return found[0].csrf_token


@router.get(CodeRequired.page)
def code_page(request: Request, next: str = "/portal") -> Response:
    token = run_in_transaction(lambda s: _half_signed_in(s, request), get_settings(), write=False)
    if token is None:
        return RedirectResponse("/portal/sign-in", status_code=303)
    return render(request, "sign_in_code.html", csrf_token=token, next=_safe(next))


@router.post(CodeRequired.page)
def prove_code(
    request: Request, code: Field, csrf_token: Field = "", next: Field = "/portal"
) -> Response:
    """The code from the app (or a recovery code): signed in, or try again (five tries)."""

    def work(session: Session) -> tuple[bool | None, str] | None:
        found = sessions.session_user(session, request.cookies.get(COOKIE, ""))
        if found is None or found[0].stage != "code":
            return None
        web, user = found
        if not hmac.compare_digest(csrf_token, web.csrf_token):
            raise Forbidden("the form is stale or did not come from this site; reload the page")
        passed = second_factor.prove(session, web, user, code, settings.resolved_secret_key())
        return passed, web.csrf_token

    settings = get_settings()
    done = run_in_transaction(work, settings)
    if done is None:
        return RedirectResponse("/portal/sign-in", status_code=303)
    passed, token = done
    if passed:
        return RedirectResponse(_safe(next), status_code=303)
    if passed is None:
        response = RedirectResponse("/portal/sign-in?ended=codes", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response
    return render(
        request,
        "sign_in_code.html",
        status_code=401,
        csrf_token=token,
        next=_safe(next),
        error="That code is not the one your app shows now (or the recovery code is used).",
    )


def _set_up_page(portal: Portal, status: int = 200, **extra: object) -> HTMLResponse:
    key, user_id = portal.settings.resolved_secret_key(), portal.user.id
    shown = run_in_transaction(lambda s: second_factor.page(s, user_id, key), portal.settings)
    return portal.render("second_factor.html", status_code=status, **shown, **extra)


@router.get(SET_UP)
def second_factor_page(portal: SignedIn) -> HTMLResponse:
    return _set_up_page(portal)


@router.post(SET_UP)
def change_second_factor(
    request: Request, portal: SignedIn, action: Field, code: Field = "", csrf_token: Field = ""
) -> Response:
    """Turn it on (a first code), new recovery codes, or off (a current code each)."""
    portal.check_csrf(csrf_token)
    token = request.cookies.get(COOKIE, "")
    key = portal.settings.resolved_secret_key()

    def work(session: Session) -> list[str] | None:
        found = sessions.session_user(session, token)
        if found is None:
            raise Forbidden("sign in again")
        web, user = found
        if action == "confirm":
            codes = second_factor.confirm(session, user, code, key)
            sessions.signed_in_fully(web)
            return codes
        if action == "renew":
            return second_factor.renew_recovery_codes(session, user, code, key)
        if action == "off":
            second_factor.turn_off(session, user, code, key)
            return None
        raise NotFound(f"no action {action!r}")

    try:
        codes = run_in_transaction(work, portal.settings)
    except ServiceError as refused:
        if refused.extra.get("field") != "code" and refused.status != 409:
            raise
        return _set_up_page(portal, refused.status, error=refused.detail)
    if codes is None:
        return _set_up_page(portal, notice="The second factor is off.")
    return portal.render("recovery_codes.html", codes=codes)


@router.get("/portal/me/sessions")
def my_sessions(request: Request, portal: SignedIn, notice: str = "") -> HTMLResponse:
    token = request.cookies.get(COOKIE, "")
    listed = run_in_transaction(
        lambda s: sessions.listed(s, portal.user.id, token), portal.settings, write=False
    )
    said = {"ended": "That session is signed out.", "others": "Every other session is signed out."}
    return portal.render("sessions.html", sessions=listed, notice=said.get(notice))


@router.post("/portal/me/sessions/{public_id}/end")
def end_one(public_id: str, portal: SignedIn, csrf_token: Field = "") -> Response:
    portal.check_csrf(csrf_token)
    ended = run_in_transaction(
        lambda s: sessions.revoke(s, portal.user.id, public_id), portal.settings
    )
    if not ended:
        raise NotFound("no such session of yours")
    return RedirectResponse("/portal/me/sessions?notice=ended", status_code=303)


@router.post("/portal/me/sessions/end-others")
def end_others(request: Request, portal: SignedIn, csrf_token: Field = "") -> Response:
    portal.check_csrf(csrf_token)
    token = request.cookies.get(COOKIE, "")
    run_in_transaction(lambda s: sessions.revoke_others(s, portal.user.id, token), portal.settings)
    return RedirectResponse("/portal/me/sessions?notice=others", status_code=303)


@router.post("/portal/p/{partner_id}/second-factor-policy")
def require_second_factor(
    partner_id: str, portal: SignedIn, require: Field = "", csrf_token: Field = ""
) -> Response:
    """A partner's admin requires a second factor of all its people (or stops requiring it)."""
    portal.check_csrf(csrf_token)
    pid = portal.partner(partner_id)
    if portal.user.kind != "partner" or portal.user.role != "admin":
        raise Forbidden("only the partner's admins decide this")

    run_in_transaction(
        lambda s: second_factor.set_policy(s, portal.user.id, pid, require == "yes"),
        portal.settings,
    )
    return RedirectResponse(f"/portal/p/{pid}/users", status_code=303)

"""The request pipeline shared by every route: auth, transactions, idempotency, ETags."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from partnerfleet_backend.db.context import Actor, Ctx
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.keys.service import (
    refuse_changes_when_suspended,
    require_operator,
    require_partner,
)
from partnerfleet_backend.kit import failpoints
from partnerfleet_backend.kit.errors import (
    IdempotencyKeyInUse,
    ServiceError,
    ValidationFailed,
    VersionConflict,
)
from partnerfleet_backend.kit.integrity import rules_held
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline import idempotency
from partnerfleet_backend.pipeline.caller import Caller
from partnerfleet_backend.pipeline.contract import CHARGES as CHARGES  # a route declares it
from partnerfleet_backend.settings import Settings, get_settings

T = TypeVar("T")
A = TypeVar("A", bound="Api")


def request_id_of(request: Request) -> str:
    """The request id set by the middleware (or a new one)."""
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else uuid.uuid4().hex


def parse_if_match(value: str | None) -> int | None:
    """``If-Match: "3"`` (also W/"3" or 3) -> 3; ``*`` (any version) -> None."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ValidationFailed(
            'If-Match must carry an object version such as "3"', field="If-Match"
        )
    return int(text)


class Api:
    """One request's way to run service code in a transaction. Who calls (and whether they may
    call the route) is found out on first use, in the route's worker thread: the key is read
    and the call counted (`caller`), then the work runs in a transaction of its own."""

    def __init__(
        self,
        request: Request,
        settings: Settings,
        request_id: str,
        *,
        actor: Actor | None = None,
        caller: Caller | None = None,  # None: a product's request (nothing to count)
        admit: "Callable[[Api], None] | None" = None,
    ) -> None:
        self.request = request
        self.settings = settings
        self.request_id = request_id
        self.caller = caller
        self.idempotency_key: str | None = None
        self._actor = actor
        self._partner_id: str | None = None
        self._if_match: int | None = None
        self._admit = admit

    def admitted(self) -> None:
        """Read the key and check the route's rules, once (401, 403, 422 for bad headers)."""
        if self._admit is not None:
            admit, self._admit = self._admit, None
            admit(self)

    @property
    def actor(self) -> Actor:
        self.admitted()
        assert self._actor is not None
        return self._actor

    @property
    def partner_id(self) -> str | None:
        """The partner the request acts for (an operator's route: None)."""
        self.admitted()
        return self._partner_id

    @property
    def if_match(self) -> int | None:
        self.admitted()
        return self._if_match

    @property
    def unsettled(self) -> bool:
        """Not admitted yet: a route that failed, or answered, before it read the key."""
        return self._admit is not None

    def settle(self) -> None:
        """Admit now: a 401 outranks whatever else failed, and the call is counted."""
        self.admitted()

    def _run(self, unit: Callable[[Session], T], *, write: bool = True, one: bool = False) -> T:
        """`unit` in a transaction of its own (see `caller`)."""
        self.admitted()
        if self.caller is None:
            return run_in_transaction(unit, self.settings, write=write)
        return self.caller.run(unit, write=write, one=one)

    def _ctx(self, session: Session, *, audited: bool = True) -> Ctx:
        return Ctx(
            session=session,
            now=current_time(session, self.settings),
            actor=self.actor,
            request_id=self.request_id,
            settings=self.settings,
            if_match=self.if_match,
            client_request_id=getattr(self.request.state, "client_request_id", None),
            audited=audited,
        )

    def read(self, work: Callable[[Ctx], T], *, one_transaction: bool = False) -> T:
        """Run read-only service code (`one_transaction`: in a transaction even on a GET, for a
        read through a server-side cursor)."""
        return self._run(lambda s: work(self._ctx(s)), write=False, one=one_transaction)

    def simulate(self, work: Callable[[Ctx], T], *, calls: int = 1) -> T:
        """Run service code that changes things, and roll all of it back (a plan; its `calls`
        are counted first, on their own)."""
        self.admitted()
        if self.caller is not None:
            self.caller.count_more(calls - 1)
        return run_in_transaction(
            lambda s: work(self._ctx(s, audited=False)), self.settings, keep=False
        )

    def write(
        self,
        work: Callable[[Ctx], BaseModel | dict[str, Any]],
        status_code: int = 200,
        *,
        restore: Callable[[Ctx, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> JSONResponse:
        """Run a change in one transaction; a POST's Idempotency-Key is claimed in that same
        transaction (see `idempotency`): a retry replays the first answer, never runs twice.
        The stored answer keeps no secret (`idempotency.SECRET_FIELDS`); `restore` puts back
        what the replay may show again (a license key, from its license)."""
        key = self.idempotency_key if self.request.method == "POST" else None
        scope = self.partner_id or "operator"
        print_ = ""
        if key is not None:
            print_ = idempotency.fingerprint(
                self.request.method, self.request.url.path, getattr(self.request, "_body", b"")
            )

        def unit(session: Session) -> tuple[int, dict[str, Any], bool]:
            if key is not None:
                replay = idempotency.claim(session, self.settings, scope, key, print_)
                if replay is not None:
                    stored = replay[1]
                    if restore is not None and replay[0] < 400:
                        stored = restore(self._ctx(session), stored)
                    return replay[0], stored, True
            ctx = self._ctx(session)
            body = _plain(work(ctx))
            if key is not None:
                idempotency.complete(
                    session, scope, key, print_, status_code, idempotency.redact(body), ctx.now
                )
            failpoints.hit(self.request, self.settings, "before-commit")
            return status_code, body, False

        try:
            status, body, replayed = self._run_claimed(unit)
        except ServiceError as error:
            self._after_failure(key, scope, print_, error)
            raise
        if replayed:
            return self._respond(body, status, replayed=True)
        failpoints.hit(self.request, self.settings, "after-commit")
        return self._respond(body, status)

    def _run_claimed(self, unit: Callable[[Session], T]) -> T:
        """`unit` in a transaction; what the database refused as the service's error (a
        violated "at most one": 409; a change meanwhile: 409)."""
        try:
            with rules_held():  # a rule the database holds: an "at most one"
                for _ in range(3):
                    try:
                        return self._run(unit)
                    except idempotency.ClaimedMeanwhile:
                        continue  # the other request committed: this time we read its answer
            raise IdempotencyKeyInUse("a request with this Idempotency-Key keeps running")
        except StaleDataError:
            raise VersionConflict("the object changed meanwhile; read it again and retry") from None

    def respond(self, result: BaseModel | dict[str, Any], status_code: int = 200) -> JSONResponse:
        """A JSON response with the object's version as ETag."""
        return self._respond(_plain(result), status_code)

    def _after_failure(self, key: str | None, scope: str, print_: str, error: ServiceError) -> None:
        """A 4xx stays the answer to its key; after a 409, 412, 429 or 5xx the key is free
        again (its claim rolled back with the work)."""
        if key is not None and error.status < 500 and error.status not in (409, 412, 429):
            idempotency.record_refusal(
                self.settings, scope, key, print_, error.status, error.problem()
            )

    def _respond(
        self, body: dict[str, Any], status_code: int, *, replayed: bool = False
    ) -> JSONResponse:
        headers = {}
        if isinstance(body.get("version"), int):
            headers["ETag"] = f'"{body["version"]}"'
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        media = "application/problem+json" if status_code >= 400 else "application/json"
        return JSONResponse(body, status_code=status_code, headers=headers, media_type=media)


class PartnerApi(Api):
    """A partner route's request: it always acts for one partner (admission refuses a caller
    who has none: an operator without a partner to read for, a product)."""

    @property
    def partner_id(self) -> str:
        self.admitted()
        if self._partner_id is None:  # admission of a partner route always sets it
            raise RuntimeError("a partner route admitted a caller without a partner")
        return self._partner_id


def _plain(result: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """An answer as JSON-ready values (a model dumps itself, in compiled code)."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True)
    encoded: dict[str, Any] = jsonable_encoder(result)
    return encoded


# The headers the pipeline reads, documented in the OpenAPI document by `contract` (read from
# the request directly: FastAPI's per-parameter parsing cost more than the rest of the
# pipeline's own work on a read).
HEADERS = {
    "Idempotency-Key": "Makes a POST safe to retry (24 h).",
    "If-Match": "Expected object version, as sent in ETag.",
}
ON_BEHALF = "PartnerFleet-Partner-Id"
ON_BEHALF_DOC = (
    "Operator keys only, on reading routes: the partner whose data to read (each such read is "
    "audited)."
)
ON_BEHALF_MAX = 40


def _make_dependency(
    kind: str, made: type[A], *, way_out: bool = False
) -> Callable[..., Awaitable[A]]:
    """The request pipeline for one kind of route. `way_out` routes (reading the own account,
    buying an add-on) are counted against the quota but never refused for it, so a partner
    whose calls are used up can still see where it stands and buy a pack."""

    async def dependency(request: Request) -> A:
        if request.method == "POST":
            await request.body()  # read once, so the idempotency fingerprint can see it
        headers = request.headers
        authorization = headers.get("authorization")
        idempotency_key = headers.get("idempotency-key")
        if_match = headers.get("if-match")
        on_behalf = headers.get(ON_BEHALF)
        settings = get_settings()
        caller = Caller(request, settings, authorization, way_out=way_out)

        def admit(api: Api) -> None:
            _admit(api, caller, kind, idempotency_key, if_match, on_behalf)

        api = made(request, settings, request_id_of(request), caller=caller, admit=admit)
        # A route that fails before its work finished the pipeline has it finished by the
        # error's handler (`problems.settled`: a 401 outranks the route's own error, and the
        # call is counted before the answer); one that returns without using it, by the
        # middleware after the answer. No generator dependency: its exit stack cost more than
        # the rest of the pipeline's own work on a read.
        request.state.pipeline = api
        return api

    dependency.documented_headers = (  # type: ignore[attr-defined]
        {**HEADERS, ON_BEHALF: ON_BEHALF_DOC} if kind == "partner_read" else HEADERS
    )
    return dependency


def _admit(
    api: Api,
    caller: Caller,
    kind: str,
    idempotency_key: str | None,
    if_match: str | None,
    on_behalf: str | None,
) -> None:
    """Who calls, and may they call this route (in the route's worker thread)."""
    actor = caller.identify()
    if on_behalf is not None and len(on_behalf) > ON_BEHALF_MAX:
        raise ValidationFailed(
            f"{ON_BEHALF} must be at most {ON_BEHALF_MAX} characters", field=ON_BEHALF
        )
    if idempotency_key is not None and not (0 < len(idempotency_key) <= idempotency.MAX_KEY_LENGTH):
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 255 characters", field="Idempotency-Key"
        )
    api._actor = actor
    api._if_match = parse_if_match(if_match)
    api.idempotency_key = idempotency_key
    request = api.request
    if kind == "operator":
        require_operator(actor)
    elif actor.is_operator and kind == "partner_read" and on_behalf is not None:
        api._partner_id = _operator_reads(request, caller, on_behalf, api.request_id)
    elif kind in ("partner_read", "partner_write", "team_write"):
        api._partner_id = require_partner(
            actor, write=kind != "partner_read", team=kind == "team_write"
        )
        if kind != "partner_read":
            refuse_changes_when_suspended(
                actor.partner_status, taking_back=request.method == "DELETE"
            )


def _operator_reads(request: Request, caller: Caller, partner_id: str, request_id: str) -> str:
    """An operator reads a partner's data through the partner's own routes: the partner must
    exist, and the read is audited (in the partner's trail too)."""

    settings, actor = caller.settings, caller.actor
    assert actor is not None

    def work(session: Session) -> str:
        ctx = Ctx(
            session=session,
            now=current_time(session, settings),
            actor=actor,
            request_id=request_id,
            settings=settings,
            client_request_id=getattr(request.state, "client_request_id", None),
        )
        partners.get(ctx, partner_id)
        ctx.audit(
            "operator.read",
            "partner",
            partner_id,
            partner_id=partner_id,
            before=None,
            after={"method": request.method, "path": request.url.path},
        )
        return partner_id

    return caller.run(work)


def _product(request: Request) -> Api:
    """A product's request: no API key (its license key, in the path, is its credential), not
    counted against any partner's quota, no idempotency keys."""
    settings = get_settings()
    actor = Actor(key_id="product", kind="product", scope="product", partner_id=None)
    return Api(request, settings, request_id_of(request), actor=actor)


def _public(request: Request) -> Api:
    """Anyone's request (the directory, a request for quotes): no key, nobody's quota."""
    settings = get_settings()
    actor = Actor(key_id="public", kind="public", scope="public", partner_id=None)
    return Api(request, settings, request_id_of(request), actor=actor)


OperatorApi = Annotated[Api, Depends(_make_dependency("operator", Api))]
PublicApi = Annotated[Api, Depends(_public)]
ProductApi = Annotated[Api, Depends(_product)]
PartnerReadApi = Annotated[PartnerApi, Depends(_make_dependency("partner_read", PartnerApi))]
PartnerWriteApi = Annotated[PartnerApi, Depends(_make_dependency("partner_write", PartnerApi))]
# A change of one customer's licenses or settings: a team key may make it too, for the
# customers its key names (the service checks which: `customers.check_team`).
TeamWriteApi = Annotated[PartnerApi, Depends(_make_dependency("team_write", PartnerApi))]
AnyActorApi = Annotated[Api, Depends(_make_dependency("any", Api, way_out=True))]
# Never refused for quota (counted all the same): the way out of an exhausted quota.
OwnAccountApi = Annotated[
    PartnerApi, Depends(_make_dependency("partner_read", PartnerApi, way_out=True))
]
BuyAddOnApi = Annotated[
    PartnerApi, Depends(_make_dependency("partner_write", PartnerApi, way_out=True))
]

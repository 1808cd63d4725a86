"""The plugin's provider: each request of the engine handed to the resource's one implementation
(``partnerfleet.resources``), with the values translated at the edge (``wire``).

What the plugin adds to the dynamic provider's behaviour: a preview never calls the backend
(create and update answer with the known inputs and unknown outputs); `read` without a state
is an import or a `get` (by the backend's id, or by the partner's reference); the resource's
identity (which makes retries and re-runs safe) comes from its URN, the same identity the
dynamic resource of that name had; the network work runs in threads so the engine's parallel
steps stay parallel: threads of our own (`WORK`), never the event loop's default pool, which
the SDK fills with the registrations of a Fleet's children while the engine asks this same
process to create them (sharing it deadlocked).
"""

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pulumi.dynamic import CheckResult
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    ConstructRequest,
    ConstructResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from partnerfleet import config, errors
from partnerfleet.errors import ProviderError
from partnerfleet.functions import level_of
from partnerfleet.plugin import fleet, package
from partnerfleet.plugin.wire import UNKNOWN, camel, camel_path, to_plain, to_wire
from partnerfleet.resources.addon import AddOnProvider
from partnerfleet.resources.customer_org import CustomerOrgProvider
from partnerfleet.resources.identity import IDENTITY_KEY
from partnerfleet.resources.license import LicenseProvider
from partnerfleet.resources.partner import PartnerProvider
from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.support_level import SupportLevelProvider

WORK = ThreadPoolExecutor(max_workers=16, thread_name_prefix="partnerfleet")
T = TypeVar("T")


async def off_loop(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` in one of the plugin's own threads."""
    return await asyncio.get_running_loop().run_in_executor(WORK, work, *args)


BACKENDS: dict[str, BackendProvider] = {
    "CustomerOrg": CustomerOrgProvider(),
    "License": LicenseProvider(),
    "AddOn": AddOnProvider(),
    "SupportLevel": SupportLevelProvider(),
    "Partner": PartnerProvider(),
}
# Ids of the backend start with these; anything else given to an import is a reference.
ID_PREFIXES = {"CustomerOrg": "cus_", "License": "lic_", "AddOn": "add_"}


def type_name(urn_or_type: str) -> str:
    """``License`` of ``partnerfleet:index:License`` or of a URN (its last type, after any
    parents')."""
    qualified = urn_or_type.split("::")[2] if urn_or_type.startswith("urn:") else urn_or_type
    return qualified.split("$")[-1].rsplit(":", 1)[-1]


def identity(urn: str) -> str:
    """project/stack/Type/name: what the dynamic resource of that name used, so that both
    derive the same idempotency keys and client references (a move between them never buys
    twice)."""
    parts = urn.split("::")
    stack = parts[0].rsplit(":", 1)[-1]
    return f"{parts[1]}/{stack}/{type_name(urn)}/{parts[3]}"


def backend_of(urn_or_type: str) -> BackendProvider:
    found = BACKENDS.get(type_name(urn_or_type))
    if found is None:
        raise ProviderError(f"partnerfleet has no resource type {urn_or_type}")
    return found


class PartnerfleetProvider(Provider):
    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(json.dumps(package.package_schema()))

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        settings = dict(request.variables)
        for key, value in request.args.items():  # an explicit provider's inputs
            if isinstance(value.value, str):
                settings.setdefault(f"partnerfleet:{key}", value.value)
        config.configure_from(settings)
        return ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def check(self, request: CheckRequest) -> CheckResponse:
        backend = backend_of(request.urn)
        olds, _ = to_plain(request.old_inputs)
        news, secret = to_plain(request.new_inputs)
        news[IDENTITY_KEY] = identity(request.urn)
        if olds:
            olds[IDENTITY_KEY] = news[IDENTITY_KEY]
        result: CheckResult = backend.check(olds, news)  # no network: on the loop
        failures = [CheckFailure(camel_path(f.property), f.reason) for f in (result.failures or [])]
        return CheckResponse(inputs=to_wire(result.inputs or {}, secret), failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        backend = backend_of(request.urn)
        olds, _ = to_plain(request.old_state)
        news, _ = to_plain(request.new_inputs)
        taken_over = olds.pop(package.DYNAMIC_STATE, None) is not None
        changed, replaces, delete_first = backend.differences(olds, news)
        return DiffResponse(
            # the dynamic provider's state becomes the plugin's by an update that calls nothing
            changes=bool(changed) or taken_over,
            replaces=[camel(k) for k in replaces],
            delete_before_replace=delete_first,
            diffs=[camel(k) for k in changed],
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        backend = backend_of(request.urn)
        props, secret = to_plain(request.properties)
        secret |= set(backend.spec.secret_outputs)
        if request.preview:  # nothing is bought in a preview: the outputs are not known yet
            unknown = {name: UNKNOWN for name in backend.spec.outputs}
            return CreateResponse(properties=to_wire({**unknown, **props}, secret))
        props[IDENTITY_KEY] = identity(request.urn)
        result = await off_loop(backend.create, props)
        return CreateResponse(result.id, to_wire(result.outs or {}, secret))

    async def read(self, request: ReadRequest) -> ReadResponse:
        backend = backend_of(request.urn)
        props, secret = to_plain(request.properties)
        secret |= set(backend.spec.secret_outputs)
        object_id = request.resource_id
        if IDENTITY_KEY not in props:  # an import or a get: nothing recorded yet
            props = {IDENTITY_KEY: identity(request.urn)}
            object_id = await off_loop(self._resolve, backend, request.urn, object_id)
        result = await off_loop(backend.read, object_id, props)
        if not result.id:  # gone
            return ReadResponse()
        inputs = result.inputs or to_plain(request.inputs)[0]
        return ReadResponse(result.id, to_wire(result.outs or {}, secret), to_wire(inputs, secret))

    @staticmethod
    def _resolve(backend: BackendProvider, urn: str, given: str) -> str:
        """The backend id of an import or a get: the id given, or the object holding that
        reference (`pulumi import partnerfleet:index:License crm-1001-dns crm-1001-dns`)."""
        prefix = ID_PREFIXES.get(type_name(urn))
        if prefix is None or given.startswith(prefix):
            return given
        try:
            found = backend.find_by_reference(given)
        except errors.PartnerfleetError as error:
            raise ProviderError(f"{type_name(urn)} {given}: {error}") from None
        if found is None:
            raise ProviderError(
                f"{type_name(urn)} {given}: no object has this id or reference (ids start "
                f"with {prefix})"
            )
        return str(found["id"])

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        backend = backend_of(request.urn)
        olds, _ = to_plain(request.olds)
        news, secret = to_plain(request.news)
        secret |= set(backend.spec.secret_outputs)
        news[IDENTITY_KEY] = identity(request.urn)
        taken_over = olds.pop(package.DYNAMIC_STATE, None) is not None
        if request.preview:
            return UpdateResponse(to_wire({**olds, **news}, secret))
        if taken_over and not backend.differences(olds, news)[0]:
            # A resource the dynamic provider made, now the plugin's (the Fleet's alias, or the
            # program's): the same object under the same identity, its state kept as it was,
            # without its pickled provider. Nothing to ask the backend.
            return UpdateResponse(to_wire({**olds, IDENTITY_KEY: news[IDENTITY_KEY]}, secret))
        result = await off_loop(backend.update, request.resource_id, olds, news)
        return UpdateResponse(to_wire(result.outs or {}, secret))

    async def delete(self, request: DeleteRequest) -> None:
        backend = backend_of(request.urn)
        props, _ = to_plain(request.properties)
        await off_loop(backend.delete, request.resource_id, props)

    async def construct(self, request: ConstructRequest) -> ConstructResponse:
        return await fleet.construct(request)

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        name = type_name(request.tok)
        if name not in package.FUNCTIONS:
            raise ProviderError(f"partnerfleet has no function {request.tok}")
        path = package.FUNCTIONS[name][0]
        try:
            answer: dict[str, Any] = await off_loop(config.client().get, path)
        except errors.PartnerfleetError as error:
            raise ProviderError(f"{request.tok}: {error}") from None
        if name == "getLevel":
            answer = level_of(answer)
        return InvokeResponse(return_value={"result": to_wire({"result": answer})["result"]})

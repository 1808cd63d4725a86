"""The OpenAPI document says every status a route can answer, each with the problem schema,
and the ETag of the routes that answer an object with a version. The statuses follow from the
pipeline every route shares (who may call, bodies, versions, idempotency keys, the quota, the
database) and from what the route declares itself: a route that charges the wallet says so
with `responses=CHARGES` (402)."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from partnerfleet_backend.pipeline.middleware import WITH_BODY
from partnerfleet_backend.pipeline.problems import PROBLEM

PUBLIC_PREFIX = "/v1/license-keys/"  # the license key in the path is the credential

WHY = {
    400: "The body could not be read as JSON.",
    401: "No API key, or one that is unknown or revoked.",
    402: "Not enough credit: nothing was charged or changed (`needed_cents`).",
    403: "The key may not do this (scope, operator route, suspended account).",
    404: "Not found, or not yours (the path's object, or one the body names): both answer "
    "the same.",
    408: "The body did not arrive in time.",
    409: "A conflict: an 'at most one' rule, a state that does not allow it, a running "
    "request with the same Idempotency-Key, or a change meanwhile.",
    412: "If-Match names another version than the object's (`current_version`).",
    413: "The body is larger than the limit.",
    422: "Invalid input; `field` (or `errors[].field`) names it.",
    429: "The API-call quota is used up, or too many requests (Retry-After).",
    503: "The database is busy or restarting: retry.",
}

# Declared on a route whose work can be refused for want of credit: `responses=CHARGES`.
CHARGES: dict[int | str, dict[str, Any]] = {402: {"description": WHY[402]}}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details with a stable `code`.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "request_id": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


def statuses(method: str, path: str) -> list[int]:
    """The error statuses any operation of `method` and `path` can answer through the shared
    pipeline (what a route declares itself comes on top)."""
    found = {422, 503}
    if not path.startswith(PUBLIC_PREFIX):
        found |= {401, 403, 429}
    else:
        found |= {404, 429}
    if "{" in path:
        found.add(404)
    if method in WITH_BODY:
        found |= {400, 404, 408, 413}
    if method in ("PATCH", "DELETE", "PUT"):
        found |= {409, 412}
    if method == "POST":
        found.add(409)
    return sorted(found)


def install_contract(app: FastAPI) -> None:
    """Make `app.openapi()` document the statuses and ETags."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _document_headers(schema, app)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                declared = {int(s) for s in responses if s[0] in "45"}  # by the route itself
                for status in sorted(declared.union(statuses(method.upper(), path))):
                    responses[str(status)] = {"description": WHY[status], "content": problem}
                for status, answer in responses.items():
                    if status.startswith("2") and _has_version(schema, answer):
                        answer.setdefault("headers", {})["ETag"] = {
                            "description": 'The object\'s version, e.g. "3": send it back '
                            "in If-Match to change it only if nobody else did.",
                            "schema": {"type": "string"},
                        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _has_version(schema: dict[str, Any], answer: dict[str, Any]) -> bool:
    ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if not isinstance(ref, str):
        return False
    component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return "version" in component.get("properties", {})


def _document_headers(schema: dict[str, Any], app: FastAPI) -> None:
    """The headers the request pipeline reads itself (`api.HEADERS`), as header parameters of
    each operation whose route runs it."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path_format is None:
            continue
        documented: dict[str, str] = {}
        for dependency in route.dependant.dependencies:
            documented.update(getattr(dependency.call, "documented_headers", {}))
        if not documented:
            continue
        item = schema.get("paths", {}).get(context.path_format, {})
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            parameters = operation.setdefault("parameters", [])
            for name, description in documented.items():
                parameters.append(
                    {
                        "name": name,
                        "in": "header",
                        "required": False,
                        "description": description,
                        "schema": {"type": "string"},
                    }
                )

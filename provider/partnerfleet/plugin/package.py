"""The plugin's Pulumi package schema, derived from ``schemas/`` (each resource is declared once,
there): the inputs with their types, defaults and descriptions, the outputs the declaration
names (with their types), the secret outputs, the provider's configuration and the read
functions. SDKs for other languages are generated from this document."""

import importlib.metadata
from functools import cache
from typing import Any

from partnerfleet import schema
from partnerfleet.plugin.wire import camel
from partnerfleet.resources.spec import load_spec

PACKAGE = "partnerfleet"
MODULE = "index"
# Pulumi type name -> the schema that declares it
RESOURCES = {
    "CustomerOrg": "customer_org",
    "License": "license",
    "AddOn": "addon",
    "SupportLevel": "support_level",
    "Partner": "partner",
}
# A resource the dynamic provider made: its type (the prefix and the kind), and the key of its
# state that holds the pickled provider. The plugin takes such a resource over under its name
# (docs/plugin.md, "Moving").
DYNAMIC_PREFIX = "pulumi-python:dynamic/partnerfleet:"
DYNAMIC_STATE = "__provider"
CONFIG = {
    "endpoint": {
        "type": "string",
        "description": "The licensing backend's URL (default: PARTNERFLEET_ENDPOINT, else "
        "http://127.0.0.1:8000).",
    },
    "apiKey": {
        "type": "string",
        "secret": True,
        "description": "The partner's API key (default: PARTNERFLEET_API_KEY). Set it with "
        "`pulumi config set --secret partnerfleet:apiKey`.",
    },
}
FLEET_COMPONENT = {
    "isComponent": True,
    "description": "A whole fleet file (schemas/fleet.schema.json) in one resource: every "
    "customer org, license, add-on and the support level it declares, named as the Python "
    "Fleet names them. Give the file's path or its content (Pulumi YAML: "
    "`content: {fn::readFile: ./fleet.yaml}`).",
    "inputProperties": {
        "file": {
            "type": "string",
            "description": "The fleet file's path (absolute, or relative to where pulumi runs).",
        },
        "content": {"type": "string", "description": "The fleet file's content (YAML)."},
    },
    "properties": {
        "customerCount": {"type": "integer", "description": "Customer orgs in the file."},
        "licenseCount": {"type": "integer", "description": "Licenses in the file."},
    },
    "required": ["customerCount", "licenseCount"],
}
# The read functions: token name -> (the API path, what it returns)
FUNCTIONS = {
    "getWallet": ("/v1/wallet", "The prepaid credit: balance, what is available, its lots."),
    "getLevel": ("/v1/me", "The partner's level, support level and the level's benefits."),
    "getQuota": ("/v1/quota", "This month's API calls: limit, used, remaining."),
    "getCatalog": ("/v1/catalog", "Products, editions, prices per segment and term, options."),
}


def token(name: str) -> str:
    return f"{PACKAGE}:{MODULE}:{name}"


def version() -> str:
    return importlib.metadata.version("partnerfleet")


def pulumi_type(prop: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema property as a Pulumi schema type (enums stay plain strings or integers:
    the check names the choices)."""
    kind = prop.get("type")
    if kind is None and "enum" in prop:
        kind = "integer" if all(isinstance(v, int) for v in prop["enum"]) else "string"
    if kind == "array":
        return {"type": "array", "items": pulumi_type(prop.get("items", {"type": "string"}))}
    if kind == "object":
        return {"type": "object", "additionalProperties": {"type": "string"}}
    if kind not in ("string", "integer", "number", "boolean"):
        return {"$ref": "pulumi.json#/Any"}
    return {"type": kind}


def _described(prop: dict[str, Any]) -> dict[str, Any]:
    described = pulumi_type(prop)
    text = prop.get("description", "")
    if "enum" in prop:
        text = f"{text} One of: {', '.join(map(str, prop['enum']))}.".strip()
    if text:
        described["description"] = text
    if "default" in prop:
        described["default"] = prop["default"]
    return described


def resource(schema_name: str) -> dict[str, Any]:
    document = schema.load(schema_name)
    spec = load_spec(schema_name)
    declared = document.get("x-partnerfleet", {})
    props: dict[str, Any] = document["properties"]
    output_types: dict[str, Any] = declared.get("outputTypes", {})
    inputs = {camel(k): _described(v) for k, v in props.items()}
    outputs: dict[str, Any] = {}
    for name in spec.outputs:
        typed = _described(props[name]) if name in props else _described(output_types[name])
        typed.pop("default", None)
        if name in spec.secret_outputs:
            typed["secret"] = True
        outputs[camel(name)] = typed
    return {
        "description": document.get("description", ""),
        "inputProperties": inputs,
        "requiredInputs": [camel(k) for k in document.get("required", [])],
        "properties": outputs,
    }


def _function(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "outputs": {
            "description": "The backend's answer, as JSON.",
            "properties": {"result": {"$ref": "pulumi.json#/Any"}},
            "required": ["result"],
        },
    }


@cache
def package_schema() -> dict[str, Any]:
    return {
        "name": PACKAGE,
        "displayName": "partnerfleet",
        "version": version(),
        "description": "Partner-program licensing as code: customer orgs, licenses, add-ons, "
        "the support level and the partner profile of a software vendor's partner program.",
        "keywords": ["pulumi", "partnerfleet", "licensing", "msp", "category/utility"],
        "license": "Apache-2.0",
        "publisher": "partnerfleet",
        "config": {"variables": CONFIG},
        "provider": {
            "description": "Where the licensing backend is, and the key to use.",
            "inputProperties": CONFIG,
        },
        "resources": {
            **{token(name): resource(file) for name, file in RESOURCES.items()},
            token("Fleet"): FLEET_COMPONENT,
        },
        "functions": {token(name): _function(text) for name, (_, text) in FUNCTIONS.items()},
        "language": {
            "nodejs": {
                "packageName": "@partnerfleet/pulumi",
                "respectSchemaVersion": True,
                # the last @pulumi/pulumi for Node 20 (what this project tests with)
                "dependencies": {"@pulumi/pulumi": "3.248.0"},
                "typescriptVersion": "5.4.5",
            },
            "python": {"packageName": "pulumi_partnerfleet", "respectSchemaVersion": True},
            "go": {
                "importBasePath": "partnerfleet.dev/sdk/go/partnerfleet",
                "respectSchemaVersion": True,
            },
        },
    }


if __name__ == "__main__":  # `python -m partnerfleet.plugin.package`: the schema, as JSON
    import json
    import sys

    sys.stdout.write(json.dumps(package_schema(), indent=2, sort_keys=True) + "\n")

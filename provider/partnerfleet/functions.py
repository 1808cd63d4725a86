"""Read functions for programs: the wallet, the level and its benefits, the quota, the catalog.

They run in the program (not the provider), read ``partnerfleet:endpoint`` and
``partnerfleet:apiKey`` from the stack config (environment as fallback), and each costs one
API call, so a program that never calls them previews with no calls at all.
"""

import os
from typing import Any

import pulumi

from partnerfleet.client import Client
from partnerfleet.config import DEFAULT_ENDPOINT
from partnerfleet.errors import PartnerfleetError


def _client() -> Client:
    cfg = pulumi.Config("partnerfleet")
    endpoint = cfg.get("endpoint") or os.environ.get("PARTNERFLEET_ENDPOINT") or DEFAULT_ENDPOINT
    key = os.environ.get("PARTNERFLEET_API_KEY") or cfg.get("apiKey")
    if not key:
        raise PartnerfleetError(
            "no API key: run `pulumi config set --secret partnerfleet:apiKey <key>` "
            "(or set PARTNERFLEET_API_KEY)"
        )
    return Client(endpoint, key)


def _get(path: str) -> dict[str, Any]:
    result: dict[str, Any] = _client().get(path)
    return result


def get_wallet() -> dict[str, Any]:
    """``{balance_cents, available_cents, expires_at, lots: [...]}``."""
    return _get("/v1/wallet")


def get_level() -> dict[str, Any]:
    """``{level, support_level, benefits}`` of the partner."""
    me = _get("/v1/me")
    return {k: me[k] for k in ("level", "support_level", "benefits")}


def get_quota() -> dict[str, Any]:
    """``{limit, used, remaining, resets_at}`` of this month's API calls."""
    return _get("/v1/quota")


def get_catalog() -> dict[str, Any]:
    """Products, editions, prices per segment and term, add-on options."""
    return _get("/v1/catalog")

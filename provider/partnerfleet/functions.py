"""Read functions for programs: the wallet, the level and its benefits, the quota, the catalog.

They run in the program (not the provider), connect by the same rule as the resources (stack
config first, environment as fallback: ``partnerfleet.config.resolve``), and each costs one
API call, so a program that never calls them previews with no calls at all.
"""

from typing import Any

import pulumi

from partnerfleet import config


def _get(path: str) -> dict[str, Any]:
    stack = pulumi.Config("partnerfleet")
    result: dict[str, Any] = config.client_for(config.resolve(stack.get)).get(path)
    return result


def get_wallet() -> dict[str, Any]:
    """``{balance_cents, available_cents, expires_at, lots: [...]}``."""
    return _get("/v1/wallet")


def level_of(me: dict[str, Any]) -> dict[str, Any]:
    """``{level, support_level, benefits}`` of the partner's ``/v1/me`` (here and in the
    plugin's getLevel)."""
    return {k: me.get(k) for k in ("level", "support_level", "benefits")}


def get_level() -> dict[str, Any]:
    """``{level, support_level, benefits}`` of the partner."""
    return level_of(_get("/v1/me"))


def get_quota() -> dict[str, Any]:
    """``{limit, used, remaining, resets_at}`` of this month's API calls."""
    return _get("/v1/quota")


def get_catalog() -> dict[str, Any]:
    """Products, editions, prices per segment and term, add-on options."""
    return _get("/v1/catalog")

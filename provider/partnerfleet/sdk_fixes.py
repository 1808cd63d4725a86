"""Workarounds for bugs of the Pulumi Python SDK that our fleets would hit.

``pulumi.dynamic.dynamic.serialize_provider`` (checked in 3.259.0 and 3.272.0) swaps in the
pure-Python pickler and patches two of its methods (``_batch_setitems`` and ``save_dict``) to
sort dictionaries, but restores only ``pickle.Pickler``. Every serialization then wraps the
previous wrapper: a program with a few hundred dynamic resources dies with ``RecursionError``
and construction time grows quadratically. We save and restore both methods around each call.
"""

import functools
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pulumi.dynamic.dynamic as dynamic_module

_lock = threading.Lock()
_MARK = "_partnerfleet_restores_pickler"


def _restoring(serialize: Callable[[Any], str]) -> Callable[[Any], str]:
    @functools.wraps(serialize)
    def serialize_provider(provider: Any) -> str:
        pure = pickle._Pickler
        with _lock:
            saved = {name: pure.__dict__[name] for name in ("_batch_setitems", "save_dict")}
            try:
                return serialize(provider)
            finally:
                for name, method in saved.items():
                    setattr(pure, name, method)

    setattr(serialize_provider, _MARK, True)
    return serialize_provider


def apply_sdk_fixes() -> None:
    """Patch the SDK once per process (idempotent)."""
    current = dynamic_module.serialize_provider
    if not getattr(current, _MARK, False):
        dynamic_module.serialize_provider = _restoring(current)

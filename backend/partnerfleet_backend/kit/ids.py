"""Object identifiers: a type prefix, a millisecond timestamp and randomness."""

import secrets
import time


def new_id(prefix: str) -> str:
    """A new id such as ``lic_018f2c...``; roughly time-ordered, never guessable."""
    millis = int(time.time() * 1000)
    return f"{prefix}_{millis:012x}{secrets.token_hex(8)}"

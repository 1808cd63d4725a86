"""Requests sent at once through the served backend (several workers): each in its own
thread and connection, released together by a barrier."""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

from tests.support.api import Caller


def race(caller: Caller, sends: list[Callable[[Caller], Any]]) -> Counter[tuple[int, str]]:
    """Send each of `sends` at once with `caller`'s key: how many answers of each (status,
    problem code)."""
    barrier = threading.Barrier(len(sends))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def one(send: Callable[[Caller], Any]) -> None:
        with requests.Session() as http:
            mine = Caller(http, caller.base, caller.key)
            barrier.wait()
            response = send(mine)
        code = response.json().get("code", "") if response.content else ""
        with lock:
            answers.append((response.status_code, code))

    threads = [threading.Thread(target=one, args=(send,)) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(answers)

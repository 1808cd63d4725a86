"""The HTTP client of the licensing backend: sessions per thread, timeouts, retries, idempotency.

Every POST carries an ``Idempotency-Key`` that stays the same across the retries of one
operation, so a retry after a dropped connection can never charge twice.
"""

import random
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import requests

from partnerfleet import errors

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read
RETRYABLE_CONFLICTS = {"idempotency_key_in_use"}


def _euros(cents: Any) -> str:
    return f"{int(cents) / 100:,.2f} EUR" if isinstance(cents, int | float) else "?"


class Client:
    """Talks to one backend with one key. Safe to share between threads."""

    def __init__(
        self,
        endpoint: str,
        api_key: str,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self._local = threading.local()
        self.calls = 0
        self._calls_lock = threading.Lock()

    def __repr__(self) -> str:  # never show the key
        return f"Client({self.endpoint!r})"

    @property
    def is_operator(self) -> bool:
        return self.api_key.startswith("pfo_")

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(
                {"Authorization": f"Bearer {self.api_key}", "User-Agent": "partnerfleet-pulumi/0.1"}
            )
            self._local.session = session
        return session

    def jitter(self, delay: float) -> float:
        """Full jitter on a backoff delay (a method of its own so tests can pin it)."""
        return random.uniform(0, delay)

    def _backoff(self, attempt: int) -> float:
        return self.jitter(min(self.backoff_cap, self.backoff_base * 2**attempt))

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        if_match: int | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Any, dict[str, str]]:
        """One operation, retried on transient failures; returns (body, headers)."""
        headers: dict[str, str] = {}
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        url = self.endpoint + path
        last: errors.PartnerfleetError | None = None
        delay = 0.0
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(delay)
            with self._calls_lock:
                self.calls += 1
            try:
                response = self._session().request(
                    method, url, json=json, params=params, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as error:
                reason = type(error).__name__ if not str(error) else str(error).split("\n")[0]
                last = errors.BackendUnreachable(
                    f"cannot reach the partnerfleet backend at {self.endpoint}: {reason[:200]}"
                )
                delay = self._backoff(attempt)
                continue
            if response.status_code < 400:
                body = response.json() if response.content else None
                return body, dict(response.headers)
            failure = self._error(response)
            retry_after = self._retry_after(response)
            retryable = (
                response.status_code >= 500
                or (response.status_code == 409 and failure.code in RETRYABLE_CONFLICTS)
                or (
                    response.status_code == 429
                    and retry_after is not None
                    and retry_after <= self.retry_after_cap
                )
            )
            if not retryable:
                raise failure
            last = failure
            delay = retry_after if retry_after is not None else self._backoff(attempt)
        assert last is not None
        if isinstance(last, errors.BackendUnreachable):
            raise last
        raise errors.Transient(
            f"the backend kept failing: {last.message}",
            status=last.status,
            code=last.code,
            request_id=last.request_id,
        )

    @staticmethod
    def _retry_after(response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def _error(self, response: requests.Response) -> errors.PartnerfleetError:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        code = problem.get("code")
        detail = problem.get("detail") or response.reason
        kw: dict[str, Any] = {
            "status": response.status_code,
            "code": code,
            "request_id": response.headers.get("X-Request-Id"),
        }
        status = response.status_code
        if status == 402:
            return errors.InsufficientCredit(
                f"insufficient credit: this needs {_euros(problem.get('needed_cents'))}, the "
                f"wallet has {_euros(problem.get('available_cents'))}; ask your vendor for a "
                "top-up, then run pulumi up again",
                **kw,
            )
        if status == 429 and code == "quota_exhausted":
            return errors.QuotaExhausted(
                f"API-call quota exhausted until {problem.get('resets_at')}; buy an API-call "
                "pack (api-calls-25k ... api-calls-200k) to continue now",
                **kw,
            )
        if status == 401:
            return errors.AuthenticationFailed(
                "the API key was refused (wrong or revoked); set partnerfleet:apiKey "
                "(pulumi config set --secret partnerfleet:apiKey ...)",
                **kw,
            )
        if status == 403 and "read-only" in str(detail):
            return errors.ReadOnlyKey(
                "the API key is read-only (scope 'read'); changes need a write key", **kw
            )
        if status == 403:
            return errors.Forbidden(str(detail), **kw)
        if status == 404:
            return errors.NotFound(str(detail), **kw)
        if status == 412 or code == "version_conflict":
            return errors.VersionConflict(
                "the object changed at the backend since the last refresh; run pulumi refresh "
                "and try again",
                **kw,
            )
        if status == 409:
            return errors.Conflict(str(detail), existing_id=problem.get("existing_id"), **kw)
        if status in (400, 413, 422):
            return errors.InvalidInput(str(detail), **kw)
        return errors.Transient(f"{status} {detail}", **kw)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)[0]

    def post(self, path: str, body: Any, *, idempotency_key: str | None = None) -> Any:
        return self.request("POST", path, json=body, idempotency_key=idempotency_key)[0]

    def patch(self, path: str, body: Any, *, if_match: int | None = None) -> Any:
        return self.request("PATCH", path, json=body, if_match=if_match)[0]

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)[0]

    def delete(self, path: str, *, if_match: int | None = None) -> Any:
        return self.request("DELETE", path, if_match=if_match)[0]

    def list_all(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, 100 per call."""
        cursor: str | None = None
        while True:
            page = self.get(path, limit=100, **params, **({"cursor": cursor} if cursor else {}))
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

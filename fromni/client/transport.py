"""The one place that talks HTTP to the platform: `Transport.call`.

It looks the method up in `fromni.methods.METHODS` (the only place paths live), sends it with
explicit timeouts over a keep-alive session, retries only what is safe to repeat, and turns
every failure into a `fromni.errors.FromniError`: a refusal (the platform's error body, whatever
the status) apart from an outage (a transport error, or a 5xx without that body).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterator, Mapping
from typing import Any, Self

import requests
from urllib3.exceptions import ConnectTimeoutError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

from ..errors import (
    FromniAPIError,
    FromniAuthError,
    FromniBadResponse,
    FromniError,
    FromniRefusal,
    FromniTimeout,
    FromniTransportError,
    FromniValueError,
)
from ..methods import METHODS
from .bodies import JSONBody, json_default

logger = logging.getLogger(__name__)

# How much of a non-JSON body goes into an error message.
_SNIPPET = 200
# Upper bound of one backoff sleep, so a large max_retries cannot stall a worker for minutes.
_MAX_BACKOFF = 30.0


class Transport:
    """The session, the timeouts and the retry policy a client is made with (see FromniClient)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 15.0,
        max_retries: int = 3,
        backoff: float = 0.25,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self._headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def close(self) -> None:
        """Close the session's pooled connections (only if the client created the session)."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def call(self, method_name: str, body: JSONBody | None = None) -> dict[str, Any]:
        """POST `body` to the method's path and return the decoded success answer.

        Retries (with exponential backoff and jitter) only when the method is retry-safe in
        METHODS and the failure is an outage (a transport error, or a 5xx without the
        platform's error body); a refusal (`FromniRefusal`) is never repeated. A send, launch
        or write that failed in an outage may already have taken effect, and the platform has
        no idempotency keys, so repeating it could duplicate a message. Those failures are
        raised to the caller, with `maybe_delivered` telling whether the request may have
        arrived.
        """
        method = METHODS.get(method_name)
        if method is None:
            raise FromniValueError(f"unknown API method {method_name!r}")
        if body is None:
            body = {}
        if isinstance(body, Mapping):
            missing = [f for f in method.required if body.get(f) is None]
            if missing:
                # The platform would answer HTTP 500; say it before sending anything.
                raise FromniValueError(
                    f"missing required field(s) {', '.join(missing)}", method=method_name
                )
        try:
            data = json.dumps(body, ensure_ascii=False, allow_nan=False, default=json_default)
        except (TypeError, ValueError) as exc:
            raise FromniValueError(
                f"the body is not valid JSON: {exc}", method=method_name
            ) from exc

        url = f"{self.base_url}/{method.path}"
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._post_json(method_name, url, data.encode("utf-8"))
            except FromniError as exc:
                exc.attempts = attempt
                if not (method.retry_safe and exc.retryable) or attempt > self.max_retries:
                    raise
                delay = self._backoff_delay(attempt)
                logger.warning(
                    "Fromni %s failed (%s); retry %d/%d in %.2fs",
                    method_name,
                    exc.message,
                    attempt,
                    self.max_retries,
                    delay,
                )
                time.sleep(delay)

    def _backoff_delay(self, attempt: int) -> float:
        # Jitter spreads the retries of many workers hit by the same outage; it never takes a
        # delay over the bound (the exponent is bounded too, so a large attempt cannot overflow).
        base = self.backoff * 2 ** min(attempt - 1, 32)
        return min(_MAX_BACKOFF, base * random.uniform(0.5, 1.5))

    def _post_json(self, method_name: str, url: str, data: bytes) -> dict[str, Any]:
        """One HTTP attempt: the success answer, or a FromniError describing the failure."""
        try:
            response = self.session.post(
                url, data=data, headers=self._headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise self._transport_error(method_name, exc) from exc
        return self._check_response(method_name, response)

    def _transport_error(self, method_name: str, exc: Exception) -> FromniTransportError:
        if isinstance(exc, requests.ConnectTimeout):
            return FromniTimeout(
                "timed out opening the connection", method=method_name, maybe_delivered=False
            )
        if isinstance(exc, requests.ReadTimeout) or _is_read_timeout(exc):
            return FromniTimeout(
                f"no answer within {self.timeout[1]:g} s", method=method_name, maybe_delivered=True
            )
        if isinstance(exc, requests.ConnectionError) and _never_sent(exc):
            return FromniTransportError(
                f"could not connect ({_short(exc)})", method=method_name, maybe_delivered=False
            )
        # Reset or closed after the request went out (or some other mid-flight failure).
        return FromniTransportError(
            f"the connection failed ({_short(exc)})", method=method_name, maybe_delivered=True
        )

    def _check_response(self, method_name: str, response: requests.Response) -> dict[str, Any]:
        """The success answer, or the error it is: a refusal when the body is the platform's
        error body (whatever the status), an outage for a 5xx without it (fromni.errors)."""
        status = response.status_code
        raw = response.content
        # Decode ourselves: JSON is UTF-8, and response.text would guess a charset when the
        # header has none (slow on big bodies, and wrong guesses garble error messages).
        text = raw.decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(raw) if raw else None
            is_json = True
        except ValueError:
            body, is_json = None, False

        if status in (401, 403):
            raise FromniAuthError(
                error_message(body, text), method=method_name, status=status, body=body or text
            )
        if _is_error_body(body):
            raise FromniRefusal(
                error_message(body, f"result is {body.get('result')!r}"),
                method=method_name,
                status=status,
                body=body,
            )
        if status != 200:
            raise FromniAPIError(
                error_message(body, text), method=method_name, status=status, body=body or text
            )
        if not is_json:
            raise FromniBadResponse(
                f"the body is not JSON: {error_message(None, text)!r}",
                method=method_name,
                status=status,
                body=text,
            )
        if not isinstance(body, dict) or "result" not in body:
            raise FromniBadResponse(
                "the body is not an object with a `result` field",
                method=method_name,
                status=status,
                body=body,
            )
        if body["result"] != "success":
            raise FromniRefusal(
                error_message(body, f"result is {body['result']!r}"),
                method=method_name,
                status=status,
                body=body,
            )
        return body


def error_message(body: Any, text: str) -> str:
    """The platform's words from an error body, else a snippet of the raw text."""
    if isinstance(body, Mapping):
        for key in ("message", "error"):
            value = body.get(key)
            if value:
                return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    snippet = " ".join(text.split())[:_SNIPPET]
    return snippet or "no message in the answer"


def json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _wrapped(exc: BaseException, *, with_context: bool) -> Iterator[BaseException]:
    """`exc` and every error it wraps, each once, depth first: requests and urllib3 hide the
    socket's error two or three levels deep in `reason`, `args` and `__cause__`."""
    stack: list[Any] = [exc]
    seen: set[int] = set()
    while stack:
        err = stack.pop()
        if not isinstance(err, BaseException) or id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        stack.extend((getattr(err, "reason", None), *err.args, err.__cause__))
        if with_context:
            stack.append(err.__context__)


def _never_sent(exc: BaseException) -> bool:
    """True when the connection could not even be opened (refused, DNS, connect timeout), so
    the platform cannot have seen the request. requests hides urllib3's error in args/reason."""
    # urllib3 2: NewConnectionError and NameResolutionError derive from ConnectTimeoutError.
    return any(isinstance(err, ConnectTimeoutError) for err in _wrapped(exc, with_context=True))


def _is_read_timeout(exc: BaseException) -> bool:
    # A timeout while reading the body surfaces as requests.ConnectionError(ReadTimeoutError).
    return any(isinstance(a, Urllib3ReadTimeout) for a in (exc.__context__, *exc.args))


def _is_error_body(body: Any) -> bool:
    """The platform's error body: an object with `result: "error"`, or with no `result` but a
    `message` or `error` (the README of the reference allows either)."""
    if not isinstance(body, Mapping):
        return False
    if "result" in body:
        return body["result"] == "error"
    return bool(body.get("message") or body.get("error"))


def _short(exc: BaseException) -> str:
    """The innermost cause, e.g. "Connection refused": requests and urllib3 wrap the socket
    error two or three levels deep, and their reprs are unreadable in a log line."""
    innermost = list(_wrapped(exc, with_context=False))[-1]  # the first is exc itself
    if isinstance(innermost, OSError) and innermost.strerror:
        return innermost.strerror
    text = str(innermost) or type(innermost).__name__
    return " ".join(text.split())[:_SNIPPET]

"""One exception hierarchy for everything that can go wrong talking to Fromni.

Callers catch `FromniError` and look at two attributes to decide what to do next:

- `retryable`: whether trying the same request again later may succeed (a 5xx, a timeout, a
  reset connection), as opposed to a request that will fail the same way every time (bad token,
  a refused parameter, a malformed answer).
- `FromniTransportError.maybe_delivered`: whether the request may already have reached the
  platform. For sends this decides between "not sent, safe to resend" and "unknown, check the
  dialog before resending", because the platform has no idempotency keys.
"""

from __future__ import annotations

__all__ = [
    "FromniAPIError",
    "FromniAuthError",
    "FromniBadResponse",
    "FromniError",
    "FromniTimeout",
    "FromniTransportError",
    "FromniValueError",
]


class FromniError(Exception):
    """Base of every error the Fromni client raises.

    Attributes:
        method: the API method name from `fromni.methods.METHODS` (or a client operation such as
            "upload_media"); None when not tied to one method.
        status: the HTTP status of the answer, or None when there was no answer.
        message: the platform's message when it gave one, otherwise ours.
        retryable: whether repeating the request may help.
        attempts: how many HTTP attempts were made before giving up (0 when nothing was sent).
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        status: int | None = None,
        retryable: bool | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.status = status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.attempts = attempts

    def _what(self) -> str:
        return f"Fromni {self.method}" if self.method else "Fromni request"

    def _msg(self) -> str:
        # Platform messages may or may not end with a period; the sentences below add their own.
        return self.message.rstrip(" .") or "no details given"

    def _tail(self) -> str:
        return f" (after {self.attempts} attempts)" if self.attempts > 1 else ""

    def __str__(self) -> str:
        return f"{self._what()} failed: {self._msg()}{self._tail()}."

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, status={self.status!r}, "
            f"message={self.message!r}, retryable={self.retryable!r})"
        )


class FromniAPIError(FromniError):
    """The platform answered, but with a non-200 status or `result` other than "success".

    5xx answers are retryable (the platform or a proxy in front of it had a bad moment); 4xx
    and `result: "error"` answers with HTTP 200 are not.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        status: int | None = None,
        retryable: bool | None = None,
        attempts: int = 1,
        body: object = None,
    ) -> None:
        if retryable is None:
            retryable = status is not None and (status >= 500 or status == 429)
        super().__init__(
            message, method=method, status=status, retryable=retryable, attempts=attempts
        )
        # The decoded answer (or its text when it was not JSON), for logs and debugging.
        self.body = body

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "an error"
        return f"{self._what()} was refused with {status}: {self._msg()}{self._tail()}."


class FromniAuthError(FromniAPIError):
    """HTTP 401/403: the token is wrong or lacks rights. Retrying cannot help."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        status: int | None = None,
        retryable: bool | None = None,
        attempts: int = 1,
        body: object = None,
    ) -> None:
        super().__init__(
            message, method=method, status=status, retryable=False, attempts=attempts, body=body
        )

    def __str__(self) -> str:
        return (
            f"{self._what()} was rejected with HTTP {self.status}: {self._msg()}. "
            "Check the Fromni API token."
        )


class FromniTransportError(FromniError):
    """No usable HTTP answer: connection refused or reset, DNS failure, timeout.

    `maybe_delivered` is False only when the request certainly never left (the connection could
    not be opened); after that point the platform may have acted on it.
    """

    default_retryable = True

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        maybe_delivered: bool,
        retryable: bool | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(
            message, method=method, status=None, retryable=retryable, attempts=attempts
        )
        self.maybe_delivered = maybe_delivered

    def __str__(self) -> str:
        if self.maybe_delivered:
            outcome = (
                "the request may have reached the platform, so check its effect before resending"
            )
        else:
            outcome = "the request did not reach the platform"
        return (
            f"Could not get an answer from {self._what()}: {self._msg()}{self._tail()}; {outcome}."
        )


class FromniTimeout(FromniTransportError):
    """The connection could not be opened in time, or the answer did not come in time."""


class FromniBadResponse(FromniError):
    """HTTP 200, but the body is not JSON or does not have the shape the reference promises.

    Not retryable: the same request would most likely get the same answer.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        status: int | None = None,
        attempts: int = 1,
        body: object = None,
    ) -> None:
        super().__init__(message, method=method, status=status, retryable=False, attempts=attempts)
        self.body = body

    def __str__(self) -> str:
        return f"{self._what()} returned an answer the client cannot use: {self._msg()}."


class FromniValueError(FromniError, ValueError):
    """Bad input caught before anything was sent (file over 10 MB, notification without a
    recipient, missing required field). Also a ValueError, so generic input handling sees it."""

    def __init__(self, message: str, *, method: str | None = None) -> None:
        super().__init__(message, method=method, status=None, retryable=False, attempts=0)

    def __str__(self) -> str:
        where = f" for Fromni {self.method}" if self.method else ""
        return f"Invalid input{where}: {self._msg()}."

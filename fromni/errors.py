"""One exception hierarchy for everything that can go wrong talking to Fromni.

The platform answers every API error with HTTP 500, so the status alone cannot tell a refusal
from an outage; the body can. Two kinds of failure, told apart here once for every method:

- a refusal (`FromniRefusal`): the platform answered with its error body
  (`{"result": "error", "message": ...}`), whatever the HTTP status. It read the request and
  said no; the same request will most likely be refused the same way, so nothing retries it
  on an outage schedule. `reason` names the refusals the desk recognises (`REFUSALS`).
- an outage: no answer (`FromniTransportError`: refused, reset or dropped connection, timeout)
  or a 5xx without the platform's error body (`FromniAPIError`, from a proxy or a crashed
  server). `retryable` is True: the same request may succeed later.

Callers catch `FromniError` and look at:

- `retryable`: whether trying the same request again later may succeed (an outage), as opposed
  to a request that will fail the same way every time (a refusal, a bad token, a malformed
  answer).
- `FromniRefusal.reason`: which known refusal it is, or None for words the desk does not know.
- `FromniTransportError.maybe_delivered`: whether the request may already have reached the
  platform. For sends this decides between "not sent, safe to resend" and "unknown, check the
  dialog before resending", because the platform has no idempotency keys.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "FromniAPIError",
    "FromniAuthError",
    "FromniBadResponse",
    "FromniError",
    "FromniRefusal",
    "FromniTimeout",
    "FromniTransportError",
    "FromniValueError",
    "REFUSALS",
    "Refusal",
    "refusal_reason",
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
    """An answer other than HTTP 200 with `result: "success"`.

    This class itself is an answer without the platform's error body: a 5xx (or 429) is an
    outage (a proxy or a crashed server answered) and retryable; a 4xx is not. An answer that
    carries the platform's error body is a `FromniRefusal`.
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
            retryable = self._outage(status)
        super().__init__(
            message, method=method, status=status, retryable=retryable, attempts=attempts
        )
        # The decoded answer (or its text when it was not JSON), for logs and debugging.
        self.body = body

    @staticmethod
    def _outage(status: int | None) -> bool:
        return status is not None and (status >= 500 or status == 429)

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "an error"
        return f"{self._what()} failed with {status}: {self._msg()}{self._tail()}."


class Refusal(NamedTuple):
    reason: str
    words: re.Pattern[str]


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# The refusals the desk recognises, by the platform's words (it gives no error codes; these are
# the messages the sandbox answers, as the platform does). The first match names the reason.
REFUSALS: tuple[Refusal, ...] = (
    # conversations/send after the platform ended the dialog's operator mode.
    Refusal("operator_mode_inactive", _words(r"\boperator mode is not active\b")),
    Refusal("conversation_not_found", _words(r"^conversation\b.*\bnot found\b")),
    # conversations/send: the message's text or attachments refused.
    Refusal("message_refused", _words(r"^(field )?'?message\b|\battachments?\b")),
    Refusal("not_found", _words(r"\bnot found\b")),
    Refusal("invalid_request", _words(r"\bis required\b|\bmust be\b|\bis not valid\b")),
)


def refusal_reason(message: str) -> str | None:
    """The reason of a known refusal (`REFUSALS`) by the platform's words, else None."""
    text = message.strip()
    return next((r.reason for r in REFUSALS if r.words.search(text)), None)


class FromniRefusal(FromniAPIError):
    """The platform answered with its error body (`result: "error"` and a message), whatever
    the HTTP status (it uses 500 for every API error): it refused this request.

    Not retryable: the client does not repeat it, and callers decide themselves whether a
    refusal they do not know (`reason` None) deserves a quick second try.
    """

    @staticmethod
    def _outage(status: int | None) -> bool:
        return False

    @property
    def reason(self) -> str | None:
        """Which known refusal this is (`REFUSALS`), or None."""
        return refusal_reason(self.message)

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "an error"
        return f"{self._what()} was refused with {status}: {self._msg()}{self._tail()}."

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, reason={self.reason!r})"


class FromniAuthError(FromniRefusal):
    """HTTP 401/403, with or without the platform's body: the token is wrong or lacks rights.
    Retrying cannot help."""

    @property
    def reason(self) -> str | None:
        return "unauthorized"

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

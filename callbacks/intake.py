"""What POST /fromni/callback/ does with a body, whichever server path carried it.

The Django view (callbacks/views.py) and the ASGI endpoint (callbacks/asgi.py) both answer
with `callback_intake`: the same checks, the same storage, the same statuses and bodies.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction

from callbacks.secrets import callback_secret_matches
from callbacks.services import callback_accept, callbacks_accept, notify_applier
from fromni.callbacks import CallbackError
from operator_desk.jsonbody import BodyError, strict_json
from operator_desk.outage import database_unavailable

MAX_BODY_BYTES = 1024 * 1024
TOO_LARGE = f"A callback body is at most {MAX_BODY_BYTES} bytes."

Answer = tuple[int, dict[str, Any]]

log = logging.getLogger(__name__)


def refusal(status: int, code: str, message: str) -> Answer:
    return status, {"ok": False, "error": code, "message": message}


def declared_length_refusal(declared: str | None) -> Answer | None:
    """A Content-Length that is missing is read as 0; one that is malformed or too large is
    refused before the body is read."""
    declared = declared or "0"
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        return refusal(413, "too_large", TOO_LARGE)
    return None


def callback_intake(
    raw: bytes, *, notify: bool = True, arrived_at: datetime | None = None
) -> Answer:
    """Check a callback body and store it once; the applier applies it after commit (asked to
    run unless `notify` is false: a batch asks once). `arrived_at`: when the request reached
    the desk (default now)."""
    body = _body_or_refusal(raw)
    if isinstance(body, tuple):
        return body
    try:
        receipt = callback_accept(body=body, notify=notify, arrived_at=arrived_at)
    except CallbackError as error:
        return refusal(400, "invalid", str(error))
    return _accepted(receipt.outcome)


def _body_or_refusal(raw: bytes) -> dict[str, Any] | Answer:
    """The body, if it is JSON within the limit and carries a secret the desk accepts."""
    if len(raw) > MAX_BODY_BYTES:
        return refusal(413, "too_large", TOO_LARGE)
    try:
        body = strict_json(raw)
    except BodyError as error:
        return refusal(400, "not_json", f"The body is not JSON the desk can take: {error}.")
    except ValueError:  # UnicodeDecodeError too
        return refusal(400, "not_json", "The body is not JSON.")
    if not isinstance(body, dict):
        return refusal(400, "invalid", "The body must be a JSON object.")
    # The environment's secrets and the registered ones (kept as digests), in constant time.
    if not callback_secret_matches(body.get("secret")):
        return refusal(403, "forbidden", "The secret is missing or wrong.")
    return body


def _accepted(outcome: str) -> Answer:
    return 200, {"ok": True, "outcome": outcome}


def callbacks_intake(
    raws: list[bytes], arrivals: list[datetime | None] | None = None
) -> list[Answer]:
    """Bodies that arrived together, stored in one transaction: one commit (and, on SQLite, one
    wait for the write lock) instead of one each. Each body still gets its own answer: a
    duplicate or a refusal changes nothing for the others. If the transaction fails, the bodies
    are taken one by one, so a failure costs only its own body a 500 (the platform re-sends).
    `arrivals`: when each reached the desk."""
    arrivals = arrivals or [None] * len(raws)
    if len(raws) > 1:
        try:
            with transaction.atomic():
                answers = _batch_intake(raws, arrivals)
                if any(answer.get("outcome") == "accepted" for _, answer in answers):
                    notify_applier()
                return answers
        except Exception as error:
            if database_unavailable(error):
                raise  # none can be stored now: the endpoint answers each 503 at once
            log.warning("storing %d callbacks together failed; one by one", len(raws))
    return [_intake_or_500(raw, arrived) for raw, arrived in zip(raws, arrivals, strict=True)]


def _batch_intake(raws: list[bytes], arrivals: list[datetime | None]) -> list[Answer]:
    """callback_intake for each body, the bodies stored together (callbacks_accept)."""
    checked = [_body_or_refusal(raw) for raw in raws]
    bodies = [(index, body) for index, body in enumerate(checked) if isinstance(body, dict)]
    results = callbacks_accept(
        bodies=[body for _, body in bodies], arrivals=[arrivals[index] for index, _ in bodies]
    )
    answers: list[Any] = [body if isinstance(body, tuple) else None for body in checked]
    for (index, _), result in zip(bodies, results, strict=True):
        if isinstance(result, CallbackError):
            answers[index] = refusal(400, "invalid", str(result))
        else:
            answers[index] = _accepted(result.outcome)
    return answers


def _intake_or_500(raw: bytes, arrived_at: datetime | None) -> Answer:
    try:
        return callback_intake(raw, arrived_at=arrived_at)
    except Exception as error:
        if database_unavailable(error):
            raise  # as above
        log.exception("storing a callback failed")
        return server_error()


def server_error() -> Answer:
    return refusal(500, "server_error", "The desk could not store the callback; send it again.")

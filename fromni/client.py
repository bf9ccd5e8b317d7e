"""The Fromni API client.

`FromniClient.call(name, body)` is the one place that talks HTTP: it looks the method up in
`fromni.methods.METHODS` (the only place paths live), sends it with explicit timeouts over a
keep-alive session, retries only what is safe to repeat, and turns every failure into a
`fromni.errors.FromniError`. The public methods below it (one per API method, named after the
table) only build the reference's request body and parse the answer into `fromni.models`.

No Django here: the client is used from web workers, Celery-style workers and scripts alike.
"""

from __future__ import annotations

import io
import json
import logging
import mimetypes
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, BinaryIO, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from urllib3.exceptions import ConnectTimeoutError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

from .errors import (
    FromniAPIError,
    FromniAuthError,
    FromniBadResponse,
    FromniError,
    FromniRefusal,
    FromniTimeout,
    FromniTransportError,
    FromniValueError,
)
from .methods import MEDIA_MAX_BYTES, METHODS
from .models import (
    CallbackSettings,
    Campaign,
    CampaignSummary,
    Connection,
    Contact,
    Conversation,
    Deal,
    DealAttribute,
    DialogMessage,
    Event,
    Id,
    NotificationResult,
    Page,
    SendResult,
    Template,
    TemplateChannel,
    TemplateGroup,
    UploadParams,
    Variable,
    format_datetime,
    parse_connections,
)

__all__ = ["FromniClient"]

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")

JSONBody = Mapping[str, Any] | Sequence[Any]
# A channel step of a notification or campaign: a designation such as "notify+vk", or the full
# object {"name", "connections", "ttl", "message"?}.
ChannelSpec = str | Mapping[str, Any]

# contacts/update can change only these identifiers (reference, "Update contact channel ID").
_UPDATABLE_CONTACT_FIELDS = ("phone", "vkId", "viberId", "fbId", "telegramId", "instagramId")
# How much of a non-JSON body goes into an error message.
_SNIPPET = 200
# Upper bound of one backoff sleep, so a large max_retries cannot stall a worker for minutes.
_MAX_BACKOFF = 30.0


def _compact(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The body without the optional fields the caller left out (None), so the platform
    applies its documented defaults instead of receiving explicit nulls."""
    return {key: value for key, value in fields.items() if value is not None}


def _json_default(value: Any) -> Any:
    # Let callers pass models and datetimes inside free-form parts of a body (filters, data).
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _channels(channels: Iterable[ChannelSpec]) -> list[Any]:
    return [{"name": c} if isinstance(c, str) else dict(c) for c in channels]


def _message(text: str | None, attachments: Iterable[Any]) -> dict[str, Any]:
    # The reference always shows `attachments`, empty when there are none; `text` may be left
    # out (None) for an attachment-only message.
    return _compact({"text": text, "attachments": list(attachments)})


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _variables(variables: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Any]:
    # {"City": "Moscow"} is the common case; a list of {name|id, value} passes through.
    if isinstance(variables, Mapping):
        return [{"name": name, "value": value} for name, value in variables.items()]
    return [dict(v) for v in variables]


def _paging(offset: int, limit: int, method: str) -> dict[str, int]:
    """`offset` and `limit`, always both: how the platform reads a missing `limit` is
    ambiguous (docs/platform.md), so the desk never leaves it out."""
    for name, value, least in (("offset", offset, 0), ("limit", limit, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise FromniValueError(f"{name} must be an integer >= {least}", method=method)
    return {"offset": offset, "limit": limit}


def _date(value: datetime | str | None, method: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    try:
        return format_datetime(value)
    except ValueError as exc:
        raise FromniValueError(str(exc), method=method) from None


def _never_sent(exc: BaseException) -> bool:
    """True when the connection could not even be opened (refused, DNS, connect timeout), so
    the platform cannot have seen the request. requests hides urllib3's error in args/reason."""
    stack: list[Any] = [exc]
    seen: set[int] = set()
    while stack:
        err = stack.pop()
        if not isinstance(err, BaseException) or id(err) in seen:
            continue
        seen.add(id(err))
        # urllib3 2: NewConnectionError and NameResolutionError derive from ConnectTimeoutError.
        if isinstance(err, ConnectTimeoutError):
            return True
        stack.extend((err.__cause__, err.__context__, getattr(err, "reason", None), *err.args))
    return False


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


def _error_message(body: Any, text: str) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "error"):
            value = body.get(key)
            if value:
                return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    snippet = " ".join(text.split())[:_SNIPPET]
    return snippet or "no message in the answer"


def _validation_summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


class FromniClient:
    """A Fromni API client: one keep-alive session, one method per API method.

    Args:
        base_url: e.g. "https://api.fromni.com/user" (the sandbox: "http://127.0.0.1:8100/user").
        token: the account's API token, sent as `Authorization: Token <token>`.
        connect_timeout, read_timeout: seconds; every request has both, so a hung platform
            cannot hang a worker.
        max_retries: extra attempts for retry-safe methods after a transport error or 5xx.
        backoff: first backoff delay in seconds; doubled per attempt, with jitter.
        session: a `requests.Session` to reuse (its headers are left alone; ours go per request
            so that the token is never sent to the media storage host).
    """

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

    def __repr__(self) -> str:
        # Never print the token.
        return f"FromniClient({self.base_url!r})"

    def close(self) -> None:
        """Close the session's pooled connections (only if the client created the session)."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> FromniClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transport ------------------------------------------------------------------------

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
            data = json.dumps(body, ensure_ascii=False, allow_nan=False, default=_json_default)
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
                _error_message(body, text), method=method_name, status=status, body=body or text
            )
        if _is_error_body(body):
            raise FromniRefusal(
                _error_message(body, f"result is {body.get('result')!r}"),
                method=method_name,
                status=status,
                body=body,
            )
        if status != 200:
            raise FromniAPIError(
                _error_message(body, text), method=method_name, status=status, body=body or text
            )
        if not is_json:
            raise FromniBadResponse(
                f"the body is not JSON: {_error_message(None, text)!r}",
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
                _error_message(body, f"result is {body['result']!r}"),
                method=method_name,
                status=status,
                body=body,
            )
        return body

    # --- parsing helpers shared by the public methods ---------------------------------------

    def _parse(self, method_name: str, parse: Callable[[], R]) -> R:
        # A malformed answer must surface as FromniBadResponse, never as pydantic's error.
        try:
            return parse()
        except (ValidationError, ValueError) as exc:
            message = _validation_summary(exc) if isinstance(exc, ValidationError) else str(exc)
            raise FromniBadResponse(
                f"unexpected shape: {message}", method=method_name, status=200
            ) from None

    def _one(self, method_name: str, body: JSONBody, model: type[M]) -> M:
        """A method whose answer is the object itself, next to `result`."""
        answer = self.call(method_name, body)
        fields = {k: v for k, v in answer.items() if k != "result"}
        return self._parse(method_name, lambda: model.model_validate(fields))

    def _list(self, method_name: str, body: JSONBody, model: type[M]) -> list[M]:
        """A method whose answer is `data: [...]`."""
        return self._page(method_name, body, model).data

    def _page(self, method_name: str, body: JSONBody, model: type[M]) -> Page[M]:
        """A list method: `data: [...]` plus `total` where the API gives it."""
        answer = self.call(method_name, body)
        # `null` is an empty page (see fromni.loose); anything else but a list is not a page.
        if answer.get("data") is not None and not isinstance(answer.get("data"), list):
            raise FromniBadResponse(
                f"`data` is {type(answer.get('data')).__name__}, not a list",
                method=method_name,
                status=200,
                body=answer,
            )
        fields = {k: v for k, v in answer.items() if k != "result"}
        return self._parse(method_name, lambda: Page[model].model_validate(fields))

    def _id(self, method_name: str, body: JSONBody) -> str:
        """A method that answers the id of what it created or started."""
        answer = self.call(method_name, body)
        value = answer.get("id")
        if value is None or isinstance(value, (dict, list, bool)):
            raise FromniBadResponse("no `id` in the answer", method=method_name, status=200)
        return str(value)

    def _ok(self, method_name: str, body: JSONBody) -> None:
        """A method that answers only {"result": "success"}."""
        self.call(method_name, body)

    # --- paging ---------------------------------------------------------------------------

    def iterate(
        self, list_method: Callable[..., Page[M]], /, *, page_size: int = 100, **kwargs: Any
    ) -> Iterator[M]:
        """Every row of a paged list method, fetched with an explicit `offset` and `limit`.

        E.g. `client.iterate(client.contacts_list, filter=f, order=[["createdAt", "ASC"]])`.
        The loop never relies on how the platform reads a missing `limit` (the reference says
        both "Default: 10" and "all records"), nor on a page holding `page_size` rows: a
        platform may cap pages below what was asked, so a short page is not the end. It ends
        at an empty page, when `total` (where the API gives it) is reached, or at a page with
        nothing new. Rows seen on an earlier page are skipped: offsets shift when rows are
        added while a backfill runs, and a platform that ignored `offset` would otherwise
        loop forever.
        """
        if page_size < 1:
            raise FromniValueError("page_size must be at least 1")
        offset = int(kwargs.pop("offset", 0) or 0)
        kwargs.pop("limit", None)
        seen: set[Any] = set()
        while True:
            page = list_method(offset=offset, limit=page_size, **kwargs)
            if not page.data:
                return
            new = 0
            for row in page.data:
                key = getattr(row, "id", None)
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                new += 1
                yield row
            offset += len(page.data)
            if new == 0:
                if page.total is not None and offset < page.total:
                    logger.warning(
                        "Fromni %s repeated rows at offset %d of %d; stopping there",
                        getattr(list_method, "__name__", "list"),
                        offset,
                        page.total,
                    )
                return
            if page.total is not None and offset >= page.total:
                return

    def iter_contacts(self, *, page_size: int = 100, **kwargs: Any) -> Iterator[Contact]:
        """All contacts matching `filter` (see contacts_list), page by page."""
        return self.iterate(self.contacts_list, page_size=page_size, **kwargs)

    def iter_conversations(self, *, page_size: int = 100) -> Iterator[Conversation]:
        """All dialogs, page by page."""
        return self.iterate(self.conversations_list, page_size=page_size)

    def iter_templates(self, *, page_size: int = 100, **kwargs: Any) -> Iterator[Template]:
        """All templates, page by page."""
        return self.iterate(self.templates_list, page_size=page_size, **kwargs)

    def iter_deals(self, *, page_size: int = 100, **kwargs: Any) -> Iterator[Deal]:
        """All deals matching `filter` (see deals_list), page by page."""
        return self.iterate(self.deals_list, page_size=page_size, **kwargs)

    # --- media ----------------------------------------------------------------------------

    def upload_media(
        self, filename: str, content: bytes | BinaryIO, content_type: str | None = None
    ) -> str:
        """Upload one file to the media storage and return its `mediaUrl` for attachments.

        The size is checked before anything is sent: the platform refuses files over
        MEDIA_MAX_BYTES, and upload parameters asked for a file that cannot be uploaded would
        be wasted. Then storage_upload (retried like any read) and upload_to_storage.
        """
        payload = _checked_payload(filename, content)
        content_type = content_type or _guess_type(filename)
        params = self.storage_upload(filename, content_type=content_type)
        return self.upload_to_storage(params, filename, payload, content_type)

    def upload_to_storage(
        self,
        params: UploadParams,
        filename: str,
        content: bytes | BinaryIO,
        content_type: str | None = None,
    ) -> str:
        """POST the file to `params.url` as multipart/form-data: every field of `params.fields`
        in the given order, then the `file` part LAST (the storage ignores anything after the
        file). Returns `params.media_url`; raises FromniAPIError when the storage refuses.

        Not retried: parameters are single-use, so a second POST after an unclear failure
        would be refused anyway; call upload_media again for fresh parameters.
        """
        payload = _checked_payload(filename, content)
        content_type = content_type or _guess_type(filename)
        parts: list[tuple[str, Any]] = [(k, (None, str(v))) for k, v in params.fields.items()]
        parts.append(("file", (filename, payload, content_type)))
        try:
            # No Authorization header: the storage is another host (S3 in production) and must
            # never see the API token; the signed fields are its credentials.
            response = self.session.post(params.url, files=parts, timeout=self.timeout)
        except requests.RequestException as exc:
            raise self._transport_error("upload_media", exc) from exc
        if not 200 <= response.status_code < 300:
            text = response.content.decode("utf-8", errors="replace")
            raise FromniAPIError(
                _error_message(_json_or_none(text), text),
                method="upload_media",
                status=response.status_code,
                body=text,
            )
        return params.media_url

    # --- Events ---------------------------------------------------------------------------

    def events_send(self, name: str, data: Mapping[str, Any] | None = None) -> str | None:
        """Transmit an event; returns the id of the campaign it launched, if any."""
        answer = self.call("events_send", _compact({"name": name, "data": data}))
        value = answer.get("id")
        return None if value is None else str(value)

    def events_list(self) -> list[Event]:
        return self._list("events_list", {}, Event)

    # --- Campaigns ------------------------------------------------------------------------

    def campaigns_launch(
        self,
        name: str,
        channels: Sequence[ChannelSpec],
        data: Sequence[Mapping[str, Any]],
        *,
        template_id: Id | None = None,
        scenario_id: str | None = None,
        live_time: int | None = None,
        match: Sequence[str] | None = None,
    ) -> str:
        """Launch a campaign to the recipients in `data`; returns the campaign id."""
        if live_time is not None and not 1 <= live_time <= 48:
            raise FromniValueError("live_time must be 1..48 hours", method="campaigns_launch")
        body = _compact(
            {
                "name": name,
                "liveTime": live_time,
                "scenarioId": scenario_id,
                "channels": _channels(channels),
                "templateId": template_id,
                "data": [dict(row) for row in data],
                "match": list(match) if match is not None else None,
            }
        )
        return self._id("campaigns_launch", body)

    def campaigns_list(
        self,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        type: str | None = None,
    ) -> list[CampaignSummary]:
        """Campaigns launched in a period; `type` is "event" or "manual"."""
        body = _compact(
            {
                "startDate": _date(start_date, "campaigns_list"),
                "endDate": _date(end_date, "campaigns_list"),
                "type": type,
            }
        )
        return self._list("campaigns_list", body, CampaignSummary)

    def campaigns_get(self, campaign_id: str) -> Campaign:
        """A campaign with its current per-recipient statistics."""
        return self._one("campaigns_get", {"id": campaign_id}, Campaign)

    # --- Notifications --------------------------------------------------------------------

    def notifications_send(
        self,
        text: str,
        channels: Sequence[ChannelSpec],
        *,
        phone: str | int | None = None,
        contact_id: str | None = None,
        attachments: Sequence[Any] = (),
    ) -> NotificationResult:
        """Send a one-way notification by phone or contact id (at least one is required)."""
        if phone in (None, "") and not contact_id:
            raise FromniValueError(
                "a phone or a contact_id is required", method="notifications_send"
            )
        body = _compact(
            {
                "phone": phone,
                "contactId": contact_id,
                "message": _message(text, attachments),
                "channels": _channels(channels),
            }
        )
        return self._one("notifications_send", body, NotificationResult)

    # --- Media storage --------------------------------------------------------------------

    def storage_upload(self, filename: str, *, content_type: str | None = None) -> UploadParams:
        """Upload parameters for one file (see upload_media, which also does the upload)."""
        if "." not in filename.rsplit("/", 1)[-1].strip("."):
            # The reference: "The file name must have the extension".
            raise FromniValueError(
                f"the file name {filename!r} has no extension", method="storage_upload"
            )
        body = _compact({"contentType": content_type, "filename": filename})
        return self._one("storage_upload", body, UploadParams)

    # --- Conversations --------------------------------------------------------------------

    def conversations_list(self, offset: int = 0, limit: int = 10) -> Page[Conversation]:
        """A page of dialogs (all of them: `iter_conversations`)."""
        body = _paging(offset, limit, "conversations_list")
        return self._page("conversations_list", body, Conversation)

    def conversations_messages(self, conversation_id: str) -> list[DialogMessage]:
        """The dialog's history with the bot (and the operator)."""
        body = {"conversationId": conversation_id}
        return self._list("conversations_messages", body, DialogMessage)

    def conversations_send(
        self, conversation_id: str, text: str | None, attachments: Sequence[Any] = ()
    ) -> SendResult:
        """Send the operator's message. Never retried: on FromniTransportError check
        `maybe_delivered` before sending again."""
        body = {"conversationId": conversation_id, "message": _message(text, attachments)}
        return self._one("conversations_send", body, SendResult)

    # --- Contacts and variables -----------------------------------------------------------

    def contacts_list(
        self,
        filter: Mapping[str, Any] | None = None,
        offset: int = 0,
        limit: int = 10,
        order: Sequence[Sequence[str]] | None = None,
    ) -> Page[Contact]:
        """A page of contacts matching `filter` ({union, conditions: [...]}, see reference)."""
        body = _compact(
            {
                "filter": filter,
                **_paging(offset, limit, "contacts_list"),
                "order": [list(o) for o in order] if order is not None else None,
            }
        )
        return self._page("contacts_list", body, Contact)

    def contacts_get(self, contact_id: str) -> Contact:
        return self._one("contacts_get", {"id": contact_id}, Contact)

    def contacts_create(self, contacts: Iterable[Mapping[str, Any]]) -> list[Contact]:
        """Create contacts; each item is {"phone": ..., "variables"?: [{name|id, value}]}."""
        body = [dict(contact) for contact in contacts]
        if not body:
            raise FromniValueError("no contacts to create", method="contacts_create")
        return self._list("contacts_create", body, Contact)

    def contacts_update(self, contact_id: str, field: str, value: str | int) -> None:
        """Change one channel identifier of a contact, e.g. ("telegramId", 12345)."""
        if field not in _UPDATABLE_CONTACT_FIELDS:
            raise FromniValueError(
                f"{field!r} cannot be updated; use one of {', '.join(_UPDATABLE_CONTACT_FIELDS)}",
                method="contacts_update",
            )
        self._ok("contacts_update", {"contactId": contact_id, field: value})

    def variables_list(self) -> list[Variable]:
        return self._list("variables_list", {}, Variable)

    def variables_create(self, name: str, validate_as: str | None = None) -> str:
        """Create a variable ("STRING", "NUMBER" or "DATE"); returns its id."""
        return self._id("variables_create", _compact({"name": name, "validateAs": validate_as}))

    def variables_delete(self, variable_id: str) -> None:
        self._ok("variables_delete", {"id": variable_id})

    def contacts_set_variables(
        self, contact_id: str, variables: Mapping[str, Any] | Iterable[Mapping[str, Any]]
    ) -> None:
        """Set variable values: {"City": "Moscow"} or [{"name"|"id": ..., "value": ...}]."""
        body = {"contactId": contact_id, "variables": _variables(variables)}
        self._ok("contacts_set_variables", body)

    # --- Callback settings ----------------------------------------------------------------

    def callback_set(self, callback_url: str, secret: str | None = None) -> None:
        self._ok("callback_set", _compact({"callbackUrl": callback_url, "secret": secret}))

    def callback_get(self) -> CallbackSettings:
        return self._one("callback_get", {}, CallbackSettings)

    # --- Channels -------------------------------------------------------------------------

    def channels_connections(self) -> list[Connection]:
        """Connected channel accounts, each with `channel` filled whatever the answer's form."""
        answer = self.call("channels_connections", {})
        return self._parse("channels_connections", lambda: parse_connections(answer.get("data")))

    # --- Templates ------------------------------------------------------------------------

    def templates_list(
        self,
        offset: int = 0,
        limit: int = 10,
        order: Sequence[Sequence[str]] | None = None,
    ) -> Page[Template]:
        body = _compact(
            {
                **_paging(offset, limit, "templates_list"),
                "order": [list(o) for o in order] if order is not None else None,
            }
        )
        return self._page("templates_list", body, Template)

    def templates_create(
        self,
        text: str,
        *,
        display_name: str | None = None,
        name: str | None = None,
        channels: Sequence[str | Mapping[str, Any]] | None = None,
    ) -> Template:
        """Create a template; `channels` items are designations or {"channel", "keyboard"...}."""
        body = _compact(
            {
                "displayName": display_name,
                "text": text,
                "name": name,
                "channels": (
                    [{"channel": c} if isinstance(c, str) else dict(c) for c in channels]
                    if channels is not None
                    else None
                ),
            }
        )
        return self._one("templates_create", body, Template)

    def templates_update(self, template_id: Id, text: str) -> None:
        self._ok("templates_update", {"id": template_id, "text": text})

    def templates_channel_add(
        self, template_id: Id, channel: str | Mapping[str, Any]
    ) -> TemplateChannel:
        """Register the template in a channel ("telegram" or {"channel": ..., options})."""
        spec = {"channel": channel} if isinstance(channel, str) else dict(channel)
        body = {"templateId": template_id, "channel": spec}
        return self._one("templates_channel_add", body, TemplateChannel)

    def templates_channel_delete(self, template_id: Id, channel: str) -> None:
        self._ok("templates_channel_delete", {"templateId": template_id, "channel": channel})

    def template_groups_create(self, name: str, templates: Sequence[Id]) -> TemplateGroup:
        body = {"name": name, "templates": list(templates)}
        return self._one("template_groups_create", body, TemplateGroup)

    def template_groups_add(self, template_id: Id, template_group_id: Id) -> None:
        body = {"templateId": template_id, "templateGroupId": template_group_id}
        self._ok("template_groups_add", body)

    def template_groups_remove(self, template_id: Id) -> None:
        self._ok("template_groups_remove", {"templateId": template_id})

    def templates_delete(self, template_id: Id) -> None:
        self._ok("templates_delete", {"templateId": template_id})

    # --- Deals and deal attributes --------------------------------------------------------

    def deal_attributes_create(
        self,
        name: str,
        type: str = "STRING",
        *,
        options: Sequence[str | int | float] | None = None,
        required: bool | None = None,
        entity: str | None = None,
        api_field: str | None = None,
        active: bool | None = None,
    ) -> DealAttribute:
        """Create a deal attribute (type: STRING, NUMBER, DATE, DATETIME, BOOLEAN, SELECT,
        MULTISELECT or URL; entity: "deal" or "product")."""
        body = _attribute_body(name, type, options, required, entity, api_field, active, None)
        return self._one("deal_attributes_create", body, DealAttribute)

    def deal_attributes_list(self) -> list[DealAttribute]:
        return self._list("deal_attributes_list", {}, DealAttribute)

    def deal_attributes_update(
        self,
        attribute_id: str,
        name: str,
        type: str,
        *,
        options: Sequence[str | int | float] | None = None,
        required: bool | None = None,
        entity: str | None = None,
        api_field: str | None = None,
        active: bool | None = None,
        is_default: bool | None = None,
    ) -> DealAttribute:
        body = {
            "id": attribute_id,
            **_attribute_body(name, type, options, required, entity, api_field, active, is_default),
        }
        return self._one("deal_attributes_update", body, DealAttribute)

    def deal_attributes_delete(self, attribute_id: str) -> None:
        self._ok("deal_attributes_delete", {"id": attribute_id})

    def deals_create(
        self,
        name: str,
        attributes: Sequence[Mapping[str, Any]],
        contact_id: str,
        *,
        products: Sequence[Mapping[str, Any]] | None = None,
    ) -> Deal:
        """Create one deal; `attributes` are [{"id": attribute id, "value": ...}]."""
        body = _deal_body(name, attributes, contact_id, products)
        return self._one("deals_create", body, Deal)

    def deals_create_batch(self, deals: Iterable[Mapping[str, Any]]) -> list[Deal]:
        """Create several deals in one request (same method as deals_create, body is an array);
        a failed element comes back with `error` set."""
        body = [dict(deal) for deal in deals]
        if not body:
            raise FromniValueError("no deals to create", method="deals_create")
        return self._list("deals_create", body, Deal)

    def deals_list(
        self,
        filter: Mapping[str, Any] | None = None,
        offset: int = 0,
        limit: int = 10,
        order: Sequence[Sequence[str]] | None = None,
    ) -> Page[Deal]:
        body = _compact(
            {
                "filter": filter if filter is not None else {},
                **_paging(offset, limit, "deals_list"),
                "order": [list(o) for o in order] if order is not None else None,
            }
        )
        return self._page("deals_list", body, Deal)

    def deals_update(
        self,
        deal_id: str,
        name: str,
        attributes: Sequence[Mapping[str, Any]],
        contact_id: str,
        *,
        products: Sequence[Mapping[str, Any]] | None = None,
    ) -> Deal:
        """Replace a deal's fields. Pass ALL its attributes: omitted ones are unlinked."""
        body = {"id": deal_id, **_deal_body(name, attributes, contact_id, products)}
        return self._one("deals_update", body, Deal)

    def deals_delete(self, deal_id: str) -> None:
        self._ok("deals_delete", {"id": deal_id})

    def deals_delete_batch(self, deal_ids: Iterable[str]) -> list[str | None]:
        """Delete several deals in one request (same method as deals_delete); returns the
        error of each id in order, None for the ones deleted."""
        ids = list(deal_ids)
        if not ids:
            raise FromniValueError("no deals to delete", method="deals_delete")
        answer = self.call("deals_delete", {"id": ids})
        return self._parse("deals_delete", lambda: _batch_errors(answer.get("data"), len(ids)))

    def deal_attribute_value(
        self,
        deal_id: str,
        attribute_id: str,
        value: str | int | float | None,
        *,
        product_id: str | None = None,
    ) -> None:
        """Set one attribute value of a deal (product_id None: a deal-level attribute)."""
        # productId and value are sent even when null: null is meaningful for both.
        body = {
            "dealId": deal_id,
            "attributeId": attribute_id,
            "productId": product_id,
            "value": value,
        }
        self._ok("deal_attribute_value", body)


def _attribute_body(
    name: str,
    type: str,
    options: Sequence[Any] | None,
    required: bool | None,
    entity: str | None,
    api_field: str | None,
    active: bool | None,
    is_default: bool | None,
) -> dict[str, Any]:
    return _compact(
        {
            "name": name,
            "type": type,
            "options": list(options) if options is not None else None,
            "required": required,
            "entity": entity,
            "apiField": api_field,
            "active": active,
            "isDefault": is_default,
        }
    )


def _deal_body(
    name: str,
    attributes: Sequence[Mapping[str, Any]],
    contact_id: str,
    products: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    return _compact(
        {
            "name": name,
            "attributes": [dict(a) for a in attributes],
            "products": [dict(p) for p in products] if products is not None else None,
            "contactId": contact_id,
        }
    )


def _batch_errors(data: Any, expected: int) -> list[str | None]:
    # The reference only says a failed element "contains the error field": accept objects with
    # or without `error` and plain booleans.
    if not isinstance(data, list) or len(data) != expected:
        raise ValueError(f"`data` is not a list of {expected} results")
    errors: list[str | None] = []
    for item in data:
        if item is True or (isinstance(item, Mapping) and not item.get("error")):
            errors.append(None)
        elif isinstance(item, Mapping):
            errors.append(str(item["error"]))
        else:
            errors.append("not deleted")
    return errors


def _checked_payload(filename: str, content: bytes | BinaryIO) -> bytes:
    """The file's bytes, or FromniValueError when it is over MEDIA_MAX_BYTES. A stream is read
    at most one byte past the limit, so an oversized one is refused without reading it all."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        size = memoryview(content).nbytes
        too_big = f"{size} bytes"
    else:
        if isinstance(content, io.TextIOBase):
            raise FromniValueError("open the file in binary mode", method="upload_media")
        data = content.read(MEDIA_MAX_BYTES + 1)
        if not isinstance(data, bytes):
            raise FromniValueError("the stream did not return bytes", method="upload_media")
        size, too_big = len(data), f"over {MEDIA_MAX_BYTES} bytes"
    if size > MEDIA_MAX_BYTES:
        raise FromniValueError(
            f"{filename!r} is {too_big}; the limit is {MEDIA_MAX_BYTES} bytes "
            f"({MEDIA_MAX_BYTES // (1024 * 1024)} MB)",
            method="upload_media",
        )
    return bytes(content) if isinstance(content, (bytes, bytearray, memoryview)) else data


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    """The innermost cause, e.g. "Connection refused": requests and urllib3 wrap the socket
    error two or three levels deep, and their reprs are unreadable in a log line."""
    innermost: BaseException = exc
    stack: list[Any] = [exc]
    seen: set[int] = set()
    while stack:
        err = stack.pop()
        if not isinstance(err, BaseException) or id(err) in seen:
            continue
        seen.add(id(err))
        innermost = err
        nested = [getattr(err, "reason", None), *err.args, err.__cause__]
        stack.extend(n for n in nested if isinstance(n, BaseException))
    if isinstance(innermost, OSError) and innermost.strerror:
        return innermost.strerror
    text = str(innermost) or type(innermost).__name__
    return " ".join(text.split())[:_SNIPPET]

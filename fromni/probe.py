"""Probing a real account: which paths answer, and which reading of the reference it uses.

`probe(client)` calls every read-only method of fromni.methods with a harmless body and reports,
per path, what came back: `answered` (and whether the answer fits the models, with every
leniency fromni.loose needed to read it), `refused` (the platform's words), `not found` (a
wrong path guess), `unauthorised`, `unreachable` or `unusable` (200 but no API answer). A few
extra reads of the same methods tell the ambiguous places apart (docs/platform.md): how a
missing `limit` is read, whether pages are capped, whether deals and contacts filters apply,
whether the dialog messages list the operator's sends.

It never changes anything: it calls only the methods in READ_ONLY (all of them reads of the
method table; storage/upload, a read that issues upload parameters, is left out) through `_ask`,
which refuses any other. Use a client with `max_retries=0`: a refusal is an answer here, not a
reason to ask again. No Django here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from .client import FromniClient
from .client.answers import validation_summary
from .errors import FromniAPIError, FromniAuthError, FromniBadResponse, FromniError
from .loose import KINDS, Observations, observing
from .methods import METHODS
from .models import (
    CallbackSettings,
    Campaign,
    CampaignSummary,
    Contact,
    Conversation,
    Deal,
    DealAttribute,
    DialogMessage,
    Event,
    Page,
    Template,
    Variable,
    format_datetime,
    parse_connections,
)

__all__ = ["NOT_PROBED", "READ_ONLY", "PathReport", "ProbeReport", "Reading", "probe"]

# The methods the probe may call, and the model each answer is read with.
READ_ONLY: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "callback_get": lambda a, c: CallbackSettings.model_validate(_fields(a), context=c),
    "channels_connections": lambda a, c: parse_connections(a.get("data"), context=c),
    "variables_list": lambda a, c: Page[Variable].model_validate(_fields(a), context=c),
    "contacts_list": lambda a, c: Page[Contact].model_validate(_fields(a), context=c),
    "contacts_get": lambda a, c: Contact.model_validate(_fields(a), context=c),
    "conversations_list": lambda a, c: Page[Conversation].model_validate(_fields(a), context=c),
    "conversations_messages": lambda a, c: Page[DialogMessage].model_validate(
        _fields(a), context=c
    ),
    "templates_list": lambda a, c: Page[Template].model_validate(_fields(a), context=c),
    "deals_list": lambda a, c: Page[Deal].model_validate(_fields(a), context=c),
    "deal_attributes_list": lambda a, c: Page[DealAttribute].model_validate(_fields(a), context=c),
    "events_list": lambda a, c: Page[Event].model_validate(_fields(a), context=c),
    "campaigns_list": lambda a, c: Page[CampaignSummary].model_validate(_fields(a), context=c),
    "campaigns_get": lambda a, c: Campaign.model_validate(_fields(a), context=c),
}
NOT_PROBED = {
    "storage_upload": "issues upload parameters (a signed URL) rather than reading anything",
}
for _name in READ_ONLY:
    if not METHODS[_name].retry_safe:  # pragma: no cover - a guard on the tables above
        raise RuntimeError(f"the probe's {_name} is not a read in fromni.methods")

# Ids nothing can have: a read for one is refused or answers nothing.
NO_SUCH_ID = "000000000000000000000000"
# A page this large tells a server-side cap apart from the end of the list.
BIG_PAGE = 500
# The reference's "Default: 10" for a list request without `limit`.
DEFAULT_TEN = 10

ANSWERED, REFUSED, NOT_FOUND = "answered", "refused", "not found"
UNAUTHORISED, UNREACHABLE, UNUSABLE = "unauthorised", "unreachable", "unusable"


@dataclass
class PathReport:
    method: str
    path: str
    outcome: str = ANSWERED
    message: str = ""
    # None: not checked (no answer); "" : the answer fits the models; else what does not fit.
    shape: str | None = None
    calls: int = 0
    milliseconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class Reading:
    """What the probe saw at one ambiguous place of the reference (docs/platform.md)."""

    key: str
    question: str
    seen: str  # what this account does, in words; "" when the probe could not tell
    matches_default: bool | None  # None: could not tell


@dataclass
class ProbeReport:
    base_url: str
    started_at: datetime
    paths: list[PathReport]
    readings: list[Reading]
    observations: Observations

    @property
    def ok(self) -> bool:
        return all(p.outcome == ANSWERED and not p.shape for p in self.paths)

    def summary(self) -> dict[str, str]:
        return {p.path: p.outcome for p in self.paths}

    def lines(self) -> list[str]:
        """The report as text (the management command prints it)."""
        out = [f"Probe of {self.base_url} at {self.started_at:%Y-%m-%d %H:%M:%S} UTC", ""]
        for p in self.paths:
            out.append(f"{p.path:<26} {p.outcome:<13}{p.calls} call(s), {p.milliseconds} ms")
            if p.message:
                out.append(f"    {p.message}")
            if p.shape:
                out.append(f"    the answer does not fit the models: {p.shape}")
            out += [f"    {note}" for note in p.notes]
        out += ["", "Readings of the reference (docs/platform.md):"]
        for r in self.readings:
            verdict = VERDICTS[r.matches_default]
            out.append(f"- {r.question}: {r.seen or 'could not tell'} ({verdict})")
        return out


VERDICTS = {True: "the desk's default reading", False: "the other reading", None: "not known"}


def _fields(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "result"}


class _Prober:
    def __init__(self, client: FromniClient) -> None:
        self.client = client
        self.observed = Observations()
        self.paths: dict[str, PathReport] = {
            name: PathReport(name, METHODS[name].path) for name in READ_ONLY
        }
        self.readings: list[Reading] = []

    def ask(self, name: str, body: dict[str, Any], *, check: bool = True) -> dict[str, Any] | None:
        """One read; its answer, or None when there was none (recorded on the path's report).
        `check`: read the answer with the models (the first call of each path)."""
        if name not in READ_ONLY:
            raise ValueError(f"the probe never calls {name}: it is not in READ_ONLY")
        report = self.paths[name]
        report.calls += 1
        started = time.perf_counter()
        try:
            answer = self.client.call(name, body)
        except FromniError as error:
            if report.outcome == ANSWERED and report.calls == 1:
                report.outcome, report.message = _classify(error)
            elif report.outcome == ANSWERED:
                report.notes.append(f"{_classify(error)[0]} for {body}: {error.message}")
            return None
        finally:
            report.milliseconds = round(
                report.milliseconds + (time.perf_counter() - started) * 1000, 1
            )
        if check:
            try:
                READ_ONLY[name](answer, observing(self.observed))
                report.shape = report.shape or ""
            except (ValidationError, ValueError) as exc:
                report.shape = (
                    validation_summary(exc) if isinstance(exc, ValidationError) else str(exc)
                )
        return answer

    def read(self, key: str, question: str, seen: str, matches: bool | None) -> None:
        self.readings.append(Reading(key, question, seen, matches))


def _classify(error: FromniError) -> tuple[str, str]:
    if isinstance(error, FromniAuthError):
        return UNAUTHORISED, error.message
    if isinstance(error, FromniAPIError):
        if error.status == 404:
            return NOT_FOUND, f"HTTP 404: {error.message}"
        return REFUSED, error.message
    if isinstance(error, FromniBadResponse):
        return UNUSABLE, error.message
    return UNREACHABLE, error.message


def _rows(answer: dict[str, Any] | None) -> list[Any] | None:
    if answer is None:
        return None
    data = answer.get("data")
    return data if isinstance(data, list) else [] if data is None else None


def _total(answer: dict[str, Any] | None) -> int | None:
    value = (answer or {}).get("total")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _first_id(answer: dict[str, Any] | None) -> Any:
    rows = _rows(answer) or []
    return rows[0].get("id") if rows and isinstance(rows[0], dict) else None


def probe(client: FromniClient, *, known_reply: tuple[str, str] | None = None) -> ProbeReport:
    """Probe the account `client` talks to. `known_reply`: (dialog id, messageId) of a reply the
    platform took, to tell whether conversations/messages lists the operator's sends."""
    started_at = datetime.now(UTC)
    p = _Prober(client)
    callback = p.ask("callback_get", {})
    if callback is not None:
        has_url = "callbackUrl" in callback
        p.read(
            "callback_url",
            "callback/get answers the callback URL",
            "yes" if has_url else "no, only the secret (as the reference's sample)",
            has_url,
        )
    p.ask("channels_connections", {})
    p.ask("variables_list", {})
    _contacts(p)
    _conversations(p, known_reply)
    _list_without_total(p, "templates_list", {"order": [["id", "ASC"]]})
    _deals(p)
    p.ask("deal_attributes_list", {})
    p.ask("events_list", {})
    now = datetime.now(UTC)
    # The last 30 days, and a day ahead so that clocks that differ miss nothing.
    period = {
        "startDate": format_datetime(now - timedelta(days=30)),
        "endDate": format_datetime(now + timedelta(days=1)),
    }
    campaign_id = _first_id(p.ask("campaigns_list", period))
    _get_by_id(p, "campaigns_get", {"id": campaign_id})
    _observed_readings(p)
    paths = [p.paths[name] for name in READ_ONLY]
    return ProbeReport(client.base_url, started_at, paths, p.readings, p.observed)


def _where(field_name: str, op: str, value: Any) -> dict[str, Any]:
    return {"union": "and", "conditions": [{"field": field_name, "op": op, "value": value}]}


def _get_by_id(p: _Prober, name: str, body: dict[str, Any]) -> None:
    key = next(iter(body))
    if body[key] is None:
        # Nothing real to ask for: a made-up id still shows whether the path exists.
        body = {key: NO_SUCH_ID}
        p.paths[name].notes.append("asked for a made-up id (none to read): a refusal is expected")
    p.ask(name, body)


def _contacts(p: _Prober) -> None:
    first = p.ask("contacts_list", {"offset": 0, "limit": 1})
    total = _total(first)
    _get_by_id(p, "contacts_get", {"id": _first_id(first)})
    if first is None:
        return
    _paging(p, "contacts_list", {}, total)
    _filter_applies(
        p,
        "contacts_list",
        "contact_filter",
        "the contacts filter takes createdAt (the backfill's resume)",
        _where("createdAt", "after", "2999-01-01T00:00:00.000Z"),
        any_rows=bool(total),
        then="the backfill reads all again",
    )


def _filter_applies(
    p: _Prober,
    name: str,
    key: str,
    question: str,
    nothing: dict[str, Any],
    *,
    any_rows: bool,
    then: str,
) -> None:
    """Whether a filter that matches no row is refused, ignored (rows come) or applied (none
    come, from a list that has some)."""
    answer = p.ask(name, {"filter": nothing, "offset": 0, "limit": 1}, check=False)
    if answer is None:
        p.read(key, question, f"no, refused ({then})", False)
    elif _rows(answer):
        p.read(key, question, f"no, ignored ({then})", False)
    else:
        p.read(key, question, "yes" if any_rows else "", True if any_rows else None)


def _paging(p: _Prober, name: str, body: dict[str, Any], total: int | None) -> None:
    """Whether pages are capped below `limit`, and how a missing `limit` is read."""
    big = _rows(p.ask(name, {**body, "offset": 0, "limit": BIG_PAGE}, check=False))
    if big is None:
        return
    if total is None:  # lists without `total`: the next page tells a cap from the end
        after = _rows(p.ask(name, {**body, "offset": len(big), "limit": BIG_PAGE}, check=False))
        capped = bool(big) and bool(after) and len(big) < BIG_PAGE
        total = len(big) if not after and len(big) < BIG_PAGE else None
    else:
        capped = len(big) < min(BIG_PAGE, total)
    path = METHODS[name].path
    cap_question = f"{path}: pages hold what limit asks"
    p.read(
        "page_cap", cap_question, f"no, at most {len(big)} rows" if capped else "yes", not capped
    )
    if total is None or total <= DEFAULT_TEN or (capped and len(big) <= DEFAULT_TEN):
        # Too few rows, or a cap that hides what a missing `limit` would give.
        p.read("limit", f"{path}: no limit means all rows", "", None)
        return
    offset = max(0, total - DEFAULT_TEN - 5)
    rest = _rows(p.ask(name, {**body, "offset": offset}, check=False))
    if rest is None:
        return
    question = f"{path}: no limit means all rows"
    if len(rest) == total - offset:
        p.read("limit", question, "yes, all rows", True)
    elif len(rest) == DEFAULT_TEN:
        p.read("limit", question, "no, 10 rows (the reference's 'Default: 10')", False)
    else:
        p.read("limit", question, f"no, {len(rest)} of {total - offset} rows", False)


def _list_without_total(p: _Prober, name: str, body: dict[str, Any]) -> None:
    if p.ask(name, {**body, "offset": 0, "limit": 1}) is not None:
        _paging(p, name, body, None)


def _conversations(p: _Prober, known_reply: tuple[str, str] | None) -> None:
    first = p.ask("conversations_list", {"offset": 0, "limit": 1})
    question = "conversations/messages lists the operator's sends (the outbox's check)"
    if known_reply is None:
        _get_by_id(p, "conversations_messages", {"conversationId": _first_id(first)})
        p.read("messages_sends", question, "", None)
        p.paths["conversations_messages"].notes.append(
            "the desk has no reply on the platform to look for: sends listed or not is unknown"
        )
        return
    dialog_id, message_id = known_reply
    listed = _rows(p.ask("conversations_messages", {"conversationId": dialog_id}))
    if listed is None:
        return
    ids = {str(row.get("id")) for row in listed if isinstance(row, dict) and row.get("out")}
    if message_id in ids:
        p.read("messages_sends", question, "yes", True)
    else:
        seen = "no: the desk's reply is not listed (an unanswered reply is failed, not resent)"
        p.read("messages_sends", question, seen, False)


def _deals(p: _Prober) -> None:
    first = p.ask("deals_list", {"filter": {}, "offset": 0, "limit": 1})
    if first is None:
        return
    total = _total(first)
    _paging(p, "deals_list", {"filter": {}}, total)
    _filter_applies(
        p,
        "deals_list",
        "deals_filter",
        "deals/list filters by contactId (a profile's deals)",
        _where("contactId", "eq", NO_SUCH_ID),
        any_rows=bool(_rows(first)),
        then="each row's contactId is checked",
    )


def _observed_readings(p: _Prober) -> None:
    """What reading the answers showed while the models read them (fromni.loose)."""
    obs = p.observed
    for key, kind in (("nulls", "null_as_empty"), ("ids", "number_as_id")):
        places = sorted({o.where for o in obs.of(kind)})
        seen = f"yes, at {', '.join(places)}" if places else "not seen"
        p.read(key, KINDS[kind], seen, False if places else None)
    urls = obs.of("url_attachment")
    p.read(
        "attachments",
        KINDS["url_attachment"],
        "yes" if urls else "not seen",
        False if urls else None,
    )
    spellings = sorted({o.detail for o in obs.of("whatsapp_spelling")})
    p.read(
        "whatsapp",
        KINDS["whatsapp_spelling"],
        ", ".join(spellings) or "no WhatsApp seen",
        None if not spellings else "whatsapp" not in spellings,
    )
    forms = sorted({o.detail for o in obs.of("connections_form")})
    p.read(
        "connections_form",
        KINDS["connections_form"],
        ", ".join(forms),
        None if not forms else forms == ["map"],
    )
    for kind in ("unknown_status", "unknown_channel"):
        details = sorted({o.detail for o in obs.of(kind)})
        if details:
            p.read(kind, KINDS[kind], f"{', '.join(details)} (kept and shown)", False)

"""Backfilling the mirror from the platform's API (manage.py fromni_sync).

Every step is an idempotent upsert, so a run may be stopped at any point and run again. The
contact backfill, the long one, also remembers where it stopped (SyncCheckpoint): it reads
contacts oldest first, a page per transaction, and a new run goes on from the last page stored.
A run that completes clears the checkpoint, so the next one reads every contact again (and
picks up changes that callbacks may have missed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction

from contacts.indexes import variable_indexes_ensure
from contacts.models import Contact, SyncCheckpoint
from contacts.services import contact_upsert, variables_replace
from contacts.values import as_datetime
from conversations.backfill import conversation_backfill
from conversations.connections import connection_upsert
from conversations.history import history_record
from conversations.models import ConversationState
from fromni.client import FromniClient
from fromni.errors import FromniAPIError, FromniAuthError
from fromni.models import format_datetime

KINDS = ("variables", "contacts", "connections", "templates", "conversations")
PAGE_SIZE = 500

T = TypeVar("T")
# Called with the rows as they are read: (rows done, rows in total or None when unknown).
Progress = Callable[[int, int | None], None]


@dataclass
class Report:
    kind: str
    read: int = 0
    created: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        extra = f"; {'; '.join(self.notes)}" if self.notes else ""
        return f"{self.kind}: {self.read} read, {self.created} new{extra}"


def _no_progress(done: int, total: int | None) -> None:
    pass


def _pages(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    page: list[T] = []
    for row in rows:
        page.append(row)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def sync_variables(client: FromniClient, progress: Progress = _no_progress) -> Report:
    definitions = client.variables_list()
    counts = variables_replace(definitions=definitions)
    notes = [f"{counts['deleted']} deleted"]
    if not transaction.get_connection().in_atomic_block:
        # The range indexes of NUMBER and DATE variables (PostgreSQL), built here and now.
        built = variable_indexes_ensure()
        if built["created"]:
            notes.append(f"{len(built['created'])} indexes built")
    progress(len(definitions), len(definitions))
    return Report("variables", len(definitions), counts["created"], notes)


def sync_contacts(
    client: FromniClient,
    progress: Progress = _no_progress,
    *,
    restart: bool = False,
    page_size: int = PAGE_SIZE,
) -> Report:
    """Every contact, oldest first. Variables first: a contact's values need their types."""
    sync_variables(client)
    report = Report("contacts")
    checkpoint = SyncCheckpoint.objects.filter(kind="contacts").first()
    if restart and checkpoint is not None:
        checkpoint.delete()
        checkpoint = None
    flt = None
    if checkpoint is not None:
        # One millisecond back: contacts created in the same millisecond as the last one stored
        # are read again rather than skipped (upserting twice changes nothing).
        since = as_datetime(checkpoint.position) - timedelta(milliseconds=1)
        flt = {
            "union": "and",
            "conditions": [{"field": "createdAt", "op": "after", "value": format_datetime(since)}],
        }
        report.notes.append(f"resumed after {checkpoint.position}")
    # Progress counts every contact, the ones an interrupted run already stored included.
    base = checkpoint.done if checkpoint else 0
    try:
        remaining = client.contacts_list(flt, offset=0, limit=1).total
    except FromniAPIError as error:
        if flt is None or isinstance(error, FromniAuthError):
            raise
        # Filtering contacts by createdAt is not documented (only variables are): a platform
        # that refuses it gets every contact read again, which upserting makes harmless.
        report.notes.append(f"the platform refused to filter by createdAt ({error.message})")
        report.notes.append("read every contact again")
        flt, base = None, 0
        remaining = client.contacts_list(flt, offset=0, limit=1).total
    total = None if remaining is None else base + remaining
    done = base
    progress(done, total)
    rows = client.iter_contacts(page_size=page_size, filter=flt, order=[["createdAt", "ASC"]])
    for page in _pages(rows, page_size):
        with transaction.atomic():
            known = set(
                Contact.objects.filter(platform_id__in=[d.id for d in page]).values_list(
                    "platform_id", flat=True
                )
            )
            for data in page:
                # No desk event per contact: a backfill is not news for the operators' pages.
                contact_upsert(data=data, emit=False)
            report.created += len({d.id for d in page} - known)
            done += len(page)
            last = max((d.created_at for d in page if d.created_at), default=None)
            if last is not None:
                SyncCheckpoint.objects.update_or_create(
                    kind="contacts", defaults={"position": format_datetime(last), "done": done}
                )
        report.read += len(page)
        progress(done, total)
    SyncCheckpoint.objects.filter(kind="contacts").delete()
    return report


def sync_connections(client: FromniClient, progress: Progress = _no_progress) -> Report:
    connections = client.channels_connections()
    report = Report("connections", len(connections))
    for connection in connections:
        connection_upsert(data=connection)
    progress(len(connections), len(connections))
    return report


def sync_templates(client: FromniClient, progress: Progress = _no_progress) -> Report:
    """The desk keeps no template mirror (notifications read the platform's list when they are
    sent), so this only counts them, which also checks that the platform answers."""
    report = Report("templates")
    for _ in client.iter_templates(page_size=100):
        report.read += 1
        progress(report.read, None)
    report.notes.append("not stored: the desk reads templates when it sends one")
    return report


def sync_conversations(client: FromniClient, progress: Progress = _no_progress) -> Report:
    """Every dialog: the ones the desk lacks are added (conversation_backfill), the finished
    ones with their messages, so a contact's profile shows every conversation."""
    report = Report("conversations")
    for data in client.iter_conversations(page_size=100):
        conversation, created = conversation_backfill(data=data)
        report.read += 1
        if created and conversation is not None:
            report.created += 1
            # An open one was queued by the hand-over logic, which loads its history itself.
            if conversation.state == ConversationState.EXPIRED:
                history_record(
                    conversation_id=conversation.pk,
                    messages=client.conversations_messages(conversation.platform_id),
                )
        progress(report.read, None)
    return report


STEPS: dict[str, Callable[..., Report]] = {
    "variables": sync_variables,
    "contacts": sync_contacts,
    "connections": sync_connections,
    "templates": sync_templates,
    "conversations": sync_conversations,
}


def sync(
    kind: str, client: FromniClient, progress: Progress = _no_progress, **options: Any
) -> Report:
    if kind not in STEPS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    step = STEPS[kind]
    return step(client, progress, **options) if kind == "contacts" else step(client, progress)

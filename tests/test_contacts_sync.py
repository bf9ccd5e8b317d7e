"""`manage.py fromni_sync`: the backfill of variables, contacts, connections, templates and
conversations from the platform (the sandbox), paged, idempotent and resumable."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from contacts.models import Contact, SyncCheckpoint, Variable
from contacts.sync import sync, sync_contacts
from conversations.backfill import conversation_backfill
from conversations.models import Connection, Conversation, ConversationState, MessageKind
from tests.support.contacts import make_people

# The desk pointed at the sandbox, and the data set (desk_platform, people).
pytest_plugins = ["tests.support.contacts"]

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


def test_the_command_backfills_every_kind(sandbox, sandbox_api, desk_platform):
    make_people(sandbox_api)
    out = io.StringIO()
    call_command("fromni_sync", "--no-progress", stdout=out)
    report = out.getvalue()
    assert "contacts: 9 read, 9 new" in report
    assert "variables: 9 read" in report  # the six defaults and three of the data set
    assert "connections: 10 read" in report
    assert "templates: 3 read" in report
    assert Contact.objects.count() == 9
    assert Variable.objects.count() == 9
    assert Connection.objects.count() == 10
    # Running it again changes nothing and creates nothing.
    out = io.StringIO()
    call_command("fromni_sync", "contacts", "--no-progress", stdout=out)
    assert "contacts: 9 read, 0 new" in out.getvalue()
    assert Contact.objects.count() == 9


def test_an_unknown_kind_is_refused(desk_platform):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown kind deals"):
        call_command("fromni_sync", "deals", "--no-progress")


def test_an_interrupted_contact_backfill_goes_on_where_it_stopped(sandbox_api, desk_platform):
    make_people(sandbox_api)
    seen: list[tuple[int, int | None]] = []

    def stop_after_first_page(done: int, total: int | None) -> None:
        seen.append((done, total))
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_contacts(desk_platform, stop_after_first_page, page_size=4)
    checkpoint = SyncCheckpoint.objects.get(kind="contacts")
    assert (checkpoint.done, Contact.objects.count()) == (4, 4)
    assert seen == [(0, 9), (4, 9)]

    seen.clear()
    report = sync_contacts(desk_platform, lambda d, t: seen.append((d, t)), page_size=4)
    assert Contact.objects.count() == 9
    assert report.created == 5 and report.notes[0].startswith("resumed after")
    # Progress goes on from the 4 stored (contacts created in the millisecond of the last one
    # stored are read again, so the total may count them twice).
    assert seen[0][0] == 4 and seen[-1][0] >= 9
    assert not SyncCheckpoint.objects.exists()  # a completed run starts afresh next time


def test_variables_deleted_on_the_platform_are_deleted_here_with_their_values(
    sandbox_api, desk_platform
):
    make_people(sandbox_api)
    sync_contacts(desk_platform)
    tier = Variable.objects.get(name="Tier")
    assert Contact.objects.filter(variable_values__has_key=tier.key).count() == 2
    sandbox_api.ok("variables/delete", {"id": tier.platform_id})
    report = sync("variables", desk_platform)
    assert report.notes == ["1 deleted"]
    assert not Variable.objects.filter(name="Tier").exists()
    assert Contact.objects.filter(variable_values__has_key=tier.key).count() == 0


def test_conversations_backfill_adds_missing_dialogs_with_their_history(sandbox, desk_platform):
    open_dialog = sandbox.control("POST", "/_sandbox/conversations", {"channel": "telegram"})
    done = sandbox.control(
        "POST",
        "/_sandbox/conversations",
        {
            "channel": "vk",
            "history": [{"text": "Hi", "out": False}, {"text": "Hello!", "out": True}],
        },
    )
    sandbox.control(
        "POST", f"/_sandbox/conversations/{done['id']}/operator-mode", {"isActive": False}
    )
    report = sync("conversations", desk_platform)
    assert (report.read, report.created) == (2, 2)
    queued = Conversation.objects.get(platform_id=open_dialog["id"])
    # A dialog still waiting for an operator is one whose hand-over the desk missed: queued.
    assert queued.state == ConversationState.QUEUED
    finished = Conversation.objects.get(platform_id=done["id"])
    assert finished.state == ConversationState.EXPIRED
    assert finished.contact.platform_id == done["contactId"]
    assert list(finished.messages.values_list("kind", "text")) == [
        (MessageKind.HISTORY, "Hi"),
        (MessageKind.HISTORY, "Hello!"),
    ]
    # Again: nothing new, nothing changed.
    assert sync("conversations", desk_platform).created == 0
    assert finished.messages.count() == 2


def test_conversation_backfill_leaves_a_known_dialog_alone(sandbox, desk_platform):
    dialog = sandbox.control("POST", "/_sandbox/conversations", {"channel": "telegram"})
    data = next(c for c in desk_platform.iter_conversations() if c.id == dialog["id"])
    first, created = conversation_backfill(data=data)
    assert created and first.state == ConversationState.QUEUED
    Conversation.objects.filter(pk=first.pk).update(state=ConversationState.CLOSED)
    again, created = conversation_backfill(data=data)
    assert not created and again.pk == first.pk
    assert Conversation.objects.get(pk=first.pk).state == ConversationState.CLOSED

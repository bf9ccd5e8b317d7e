"""The desk against each reading of the reference's ambiguities (docs/platform.md), as the sandbox
plays them: the mirror's backfill, the template lists, a contact's deals, contact writes, and the
outbox's check of a send that got no answer. A wrong guess shows up here, not as lost data."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from contacts.models import Contact, SyncCheckpoint
from contacts.services import PlatformFailed, contact_identifiers_update, contact_variables_set
from contacts.sync import sync_contacts
from conversations.models import Connection, Conversation
from outreach.templates import platform_templates, templates_forget
from tests.support.admin import page_text
from tests.support.contacts import make_people
from tests.support.readings import ALL_SPELLINGS, PAGINGS, reading, requests_since

pytest_plugins = ["tests.support.contacts"]

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


@pytest.fixture
def boss(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def boss_user(supervisor):
    return supervisor


def more_templates(sandbox_api, count: int) -> None:
    for n in range(count):
        sandbox_api.ok("template2/create", {"displayName": f"Extra {n}", "text": f"Text {n}"})


# --- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", PAGINGS.values(), ids=PAGINGS.keys())
def test_the_backfill_reads_everything_whatever_a_page_holds(
    sandbox, sandbox_api, desk_platform, variant
):
    make_people(sandbox_api)  # 9 contacts
    more_templates(sandbox_api, 9)  # 12 templates
    for _ in range(4):
        sandbox.control("POST", "conversations", {})  # 4 dialogs, 4 more contacts
    reading(sandbox, **variant)
    out = io.StringIO()
    call_command("fromni_sync", "--no-progress", stdout=out)
    report = out.getvalue()
    assert "contacts: 13 read, 13 new" in report
    assert "templates: 12 read" in report
    assert "conversations: 4 read" in report
    assert Contact.objects.count() == 13


BACKFILL_SPELLINGS = {
    "null for empty": {"nullEmpty": True},
    "numeric ids": {"numericIds": True},
    "whatsapp, connections as a list": {"whatsappName": "whatsapp", "connectionsAsList": True},
    "all of them": ALL_SPELLINGS,
}


@pytest.mark.parametrize("variant", BACKFILL_SPELLINGS.values(), ids=BACKFILL_SPELLINGS.keys())
def test_the_backfill_takes_every_spelling(sandbox, sandbox_api, desk_platform, variant):
    make_people(sandbox_api)
    sandbox.control("POST", "conversations", {"channel": "whatsapp-business"})
    reading(sandbox, **variant)
    out = io.StringIO()
    call_command("fromni_sync", "--no-progress", stdout=out)
    report = out.getvalue()
    assert "contacts: 10 read, 10 new" in report and "variables: 9 read" in report
    assert "connections: 10 read" in report and "conversations: 1 read, 1 new" in report
    whatsapp = variant.get("whatsappName", "whatsapp-business")
    assert set(
        Connection.objects.filter(platform_id__in=(1, 2)).values_list("channel", flat=True)
    ) == {whatsapp}
    assert Conversation.objects.get().channel == whatsapp
    zoya = Contact.objects.get(phone="+79000000001")
    assert zoya.name == "Zoya" and zoya.telegram_id == "777001"
    assert "Tver" in zoya.variable_values.values()


def test_a_resumed_backfill_reads_everything_again_if_the_platform_refuses_created_at(
    sandbox, sandbox_api, desk_platform
):
    make_people(sandbox_api)
    with pytest.raises(KeyboardInterrupt):
        sync_contacts(desk_platform, _stop_at(4), page_size=4)
    assert SyncCheckpoint.objects.get(kind="contacts").done == 4
    # A platform that filters contacts by variables only (all the reference shows).
    reading(sandbox, contactFilterVariablesOnly=True)
    report = sync_contacts(desk_platform, page_size=4)
    assert "the platform refused to filter by createdAt" in report.notes[1]
    assert report.read == 9 and Contact.objects.count() == 9
    assert not SyncCheckpoint.objects.exists()


def _stop_at(rows: int):
    def progress(done: int, total: int | None) -> None:
        if done >= rows:
            raise KeyboardInterrupt

    return progress


@pytest.mark.parametrize("variant", [*PAGINGS.values(), {"nullEmpty": True}])
def test_the_admin_and_the_composer_see_every_template(
    admin_client, platform, sandbox, sandbox_api, variant
):
    more_templates(sandbox_api, 9)
    reading(sandbox, **variant)
    templates_forget()
    text = page_text(admin_client.get("/admin/templates"))
    assert "Visit reminder" in text and "Extra 8" in text  # ungrouped: group null or []
    assert len(platform_templates(fresh=True)) == 12


# --- a contact's deals ----------------------------------------------------------------------


@pytest.mark.parametrize("ignored", [False, True], ids=["filter applied", "filter ignored"])
def test_a_profile_shows_only_its_contacts_deals(boss, people, sandbox, sandbox_api, ignored):
    amount = next(
        a for a in sandbox_api.ok("deals/attributes/list")["data"] if a["name"] == "Amount"
    )
    owners = [people["+79000000001"], people["+79000000002"]]
    for n, owner in enumerate(owners * 2):
        sandbox_api.ok(
            "deals/create",
            {
                "name": f"Deal {n}",
                "attributes": [{"id": amount["id"], "value": n}],
                "contactId": owner,
            },
        )
    reading(sandbox, dealsFilterIgnored=ignored, pageCap=1)
    zoya = Contact.objects.get(platform_id=owners[0])
    answer = boss.get(f"/api/contacts/{zoya.pk}/deals").json()
    assert sorted(d["name"] for d in answer["data"]) == ["Deal 0", "Deal 2"]
    assert answer["complete"] is True


# --- contact writes -------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [{}, {"strictContactWrites": True, "noWriteCallbacks": True}])
def test_identifier_changes_go_one_field_a_call_and_the_mirror_reads_them_back(
    people, sandbox, boss_user, callback_receiver, variant
):
    reading(sandbox, **variant)
    since = len(requests_since(sandbox))
    viktor = Contact.objects.get(platform_id=people["+79000000005"])
    changed = contact_identifiers_update(
        contact_id=viktor.pk, changes={"telegramId": "4242", "fbId": "fb.viktor"}, user=boss_user
    )
    # Read back from the platform, whether or not a callback says so.
    assert (changed.telegram_id, changed.fb_id) == ("4242", "fb.viktor")
    bodies = [r["body"] for r in requests_since(sandbox, since) if r["path"] == "contacts/update"]
    assert [sorted(b) for b in bodies] == [["contactId", "telegramId"], ["contactId", "fbId"]]


def test_a_platform_that_refuses_null_says_so_and_nothing_changes(people, sandbox, boss_user):
    reading(sandbox, strictContactWrites=True)
    zoya = Contact.objects.get(platform_id=people["+79000000001"])
    with pytest.raises(PlatformFailed, match="must have a value"):
        contact_identifiers_update(contact_id=zoya.pk, changes={"telegramId": ""}, user=boss_user)
    with pytest.raises(PlatformFailed, match="City"):
        contact_variables_set(contact_id=zoya.pk, values={"City": ""}, user=boss_user)
    zoya.refresh_from_db()
    assert zoya.telegram_id == "777001"
    assert "Tver" in zoya.variable_values.values()


def test_the_callback_page_says_when_the_platform_does_not_report_the_url(
    admin_client, platform, sandbox
):
    reading(sandbox, callbackGetSecretOnly=True)
    text = page_text(admin_client.get("/admin/callback"))
    assert "not reported" in text

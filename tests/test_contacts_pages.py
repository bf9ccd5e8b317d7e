"""The contact pages and /api/contacts/: who may see them, the filtered list (filter in the URL,
quick search, order, keyset pages, CSV export), profiles, and edits made through the platform
(the sandbox) first."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact, Variable
from conversations.labels import label_create
from conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationState,
    Message,
    MessageKind,
)
from outreach.models import Notification
from tests.support.fixtures import handover

# The desk pointed at the sandbox, and the data set (desk_platform, people).
pytest_plugins = ["tests.support.contacts"]

pytestmark = pytest.mark.django_db


def cond(field, op, value=None) -> str:
    return json.dumps({"union": "and", "conditions": [{"field": field, "op": op, "value": value}]})


@pytest.fixture
def boss(client, supervisor):
    client.force_login(supervisor)
    return client


def contact_of(phone: str) -> Contact:
    return Contact.objects.get(phone=phone)


# --- who may see what ---------------------------------------------------------------------------


def test_agents_get_403_and_anonymous_users_are_sent_to_sign_in(client, agent):
    contact = Contact.objects.create(platform_id="a" * 24)
    pages = [
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/contacts/export.csv",
        "/contacts/variables/",
    ]
    for page in pages:
        assert client.get(page).status_code == 302
    assert client.get("/api/contacts/").status_code == 401
    client.force_login(agent)
    for page in pages:
        if page == f"/contacts/{contact.pk}/":
            # A profile is read by agents serving the contact (issue #16): this one they do
            # not serve (tests/test_contact_profile_agents.py).
            assert client.get(page).status_code == 404
        else:
            assert client.get(page).status_code == 403, page
    for api in ("/api/contacts/", f"/api/contacts/{contact.pk}", "/api/contacts/variables"):
        assert client.get(api).status_code == 403, api


def test_supervisors_and_admins_browse_contacts(client, supervisor, admin_user):
    Contact.objects.create(platform_id="a" * 24, name="Zoya", phone="+79000000001")
    for user in (supervisor, admin_user):
        client.force_login(user)
        page = client.get("/contacts/")
        assert page.status_code == 200 and b"Zoya" in page.content


def test_an_agent_sees_the_contact_panel_of_conversations_they_can_see(
    client, post_callback, agent, other_agent
):
    post_callback(handover("queued", contact_id="a" * 24))
    post_callback(handover("theirs", contact_id="b" * 24))
    theirs = Conversation.objects.get(platform_id="theirs")
    Conversation.objects.filter(pk=theirs.pk).update(
        state=ConversationState.ASSIGNED, assignee=other_agent
    )
    client.force_login(agent)
    queued = Conversation.objects.get(platform_id="queued")
    panel = client.get(f"/api/contacts/panel/{queued.pk}").json()
    assert panel["contact"]["platformId"] == "a" * 24
    assert panel["contact"]["sourceProfiles"]["vk"]["first_name"] == "Ivan"
    assert client.get(f"/api/contacts/panel/{theirs.pk}").status_code == 404


# --- the list -----------------------------------------------------------------------------------


def test_the_filter_builder_and_the_order_menu_show_words_in_the_readers_language(boss, people):
    """The codes (eq, nexists, vkId, -createdAt) stay the values; labels are what is read."""
    for language, expected in (
        ("en", {"nexists": "is not set", "vkId": "VK id", "-createdAt": "Newest first"}),
        ("ru", {"nexists": "не задано", "vkId": "ID ВКонтакте", "-createdAt": "Сначала новые"}),
    ):
        page = boss.get("/contacts/", HTTP_ACCEPT_LANGUAGE=language)
        builder = page.context["builder"]
        labels = json.loads(json.dumps(builder["labels"], default=str))
        assert labels["operators"]["nexists"] == expected["nexists"]
        assert {f["name"]: f["label"] for f in builder["fields"]}["vkId"] == expected["vkId"]
        orders = dict(page.context["orderings"])
        assert str(orders["-createdAt"]) == expected["-createdAt"]
        html = page.content.decode()
        assert f'<option value="-createdAt" selected>{expected["-createdAt"]}</option>' in html
        script = re.search(
            r'<script id="filter-builder-data" type="application/json">(.*?)</script>', html
        )
        shown = json.loads(script.group(1))  # what the page's builder reads
        assert shown["labels"]["operators"]["nexists"] == expected["nexists"]
        # Every operator and built-in field has a label, not its code.
        assert set(labels["operators"]) == set(builder["operators"])


@pytest.mark.sandbox
def test_the_filter_in_the_url_selects_the_list_and_a_bad_one_is_named(boss, people):
    page = boss.get("/contacts/?" + urlencode({"filter": cond("City", "eq", "Tver")}))
    assert page.status_code == 200
    assert [c["name"] for c in page.context["page"]["data"]] == ["Zoya"]
    # The same filter through the API.
    answer = boss.get("/api/contacts/?" + urlencode({"filter": cond("Orders", "gte", 15)})).json()
    assert sorted(c["name"] for c in answer["data"]) == ["Viktor", "Xenia", "Yakov"]
    bad = boss.get("/contacts/?" + urlencode({"filter": cond("City", "lt", 5)}))
    assert bad.status_code == 400
    assert b"lt does not apply to City, which is a string: City lt 5" in bad.content
    api = boss.get("/api/contacts/?" + urlencode({"filter": cond("City", "lt", 5)}))
    assert api.status_code == 400 and api.json()["condition"] == "City lt 5"
    assert (
        boss.get("/api/contacts/?filter={oops").json()["message"] == "The filter is not valid JSON."
    )


@pytest.mark.sandbox
def test_quick_search_finds_by_phone_in_any_spelling_and_by_name(boss, people):
    def names(q: str) -> list[str]:
        return sorted(c["name"] for c in boss.get("/api/contacts/", {"q": q}).json()["data"])

    assert names("+7 (900) 000-00-02") == ["Yakov"]
    assert names("00000003") == ["Xenia"]
    assert names("zoy") == ["Zoya"]
    assert names("PETROV") == ["Ivan Petrov"]
    assert names("nobody") == []


@pytest.mark.sandbox
def test_keyset_pages_walk_the_whole_ordered_list_once(boss, people):
    for order in ("-createdAt", "createdAt", "name", "-name", "-updatedAt"):
        seen, after = [], None
        while True:
            params = {"order": order, "limit": 2, **({"after": after} if after else {})}
            answer = boss.get("/api/contacts/", params).json()
            seen += [c["id"] for c in answer["data"]]
            after = answer["next"]
            if not after:
                break
        assert sorted(seen) == sorted(Contact.objects.values_list("pk", flat=True)), order
        assert len(seen) == len(set(seen)) == 9
    names = [
        c["name"] for c in boss.get("/api/contacts/", {"order": "name", "limit": 50}).json()["data"]
    ]
    assert names == sorted(names)
    assert boss.get("/api/contacts/", {"after": "garbage"}).status_code == 400


@pytest.mark.sandbox
def test_csv_export_has_the_whole_filtered_set_with_variables(boss, people):
    answer = boss.get("/contacts/export.csv?" + urlencode({"filter": cond("Orders", "exists")}))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["name"] for r in rows) == ["Viktor", "Xenia", "Yakov", "Zoya"]
    yakov = next(r for r in rows if r["name"] == "Yakov")
    assert (yakov["Orders"], yakov["City"], yakov["vkId"]) == ("15", "Tula", "888002")
    bad = boss.get("/contacts/export.csv?" + urlencode({"filter": cond("City", "gt", 1)}))
    assert bad.status_code == 400


# --- the profile --------------------------------------------------------------------------------


def _profile_queries(client, contact: Contact, query: str = "") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/contacts/{contact.pk}/{query}").status_code == 200
    return len(queries)


def test_the_profile_shows_everything_in_queries_that_do_not_grow(boss, post_callback, supervisor):
    post_callback(handover("d1", contact_id="a" * 24))
    contact = Contact.objects.get()
    first = _profile_queries(boss, contact)
    # More conversations, messages, notes, notifications and variables: the same queries.
    for n in range(2, 13):
        post_callback(handover(f"d{n}", contact_id="a" * 24))
    refund = label_create(actor=supervisor, name="Возврат", colour="teal")
    for conversation in Conversation.objects.all():
        ConversationLabel.objects.create(conversation=conversation, label=refund)
        Message.objects.create(conversation=conversation, kind=MessageKind.INCOMING, text="hi")
        Message.objects.create(
            conversation=conversation, kind=MessageKind.NOTE, text="VIP", author=supervisor
        )
        Notification.objects.create(
            platform_id=f"n{conversation.pk}", conversation=conversation, status="delivered"
        )
    for n in range(5):
        variable = Variable.objects.create(platform_id=f"var{n}", name=f"Var {n}")
        contact.variable_values[variable.key] = f"value {n}"
    contact.save()
    assert _profile_queries(boss, contact) == first
    assert _profile_queries(boss, contact, "?conversations=all") == first
    page = boss.get(f"/contacts/{contact.pk}/").content.decode()
    assert page.count('class="conversation"') == 12
    # The labels of its conversations: on each, and counted at the top.
    assert page.count('<span class="label-chip" data-colour="teal">Возврат</span>') == 12
    assert 'title="">Возврат</span> <small>×12</small>' in page
    # Each opens in the desk, at its own address.
    for conversation in Conversation.objects.all():
        assert f'class="open-in-desk" href="/c/{conversation.pk}"' in page
    # The ten most recent transcripts are shown; the two oldest on asking.
    assert page.count("Note · Supervisor") == 10
    assert page.count("Show this transcript") == 2
    assert "Saint Petersburg" in page and "value 4" in page
    assert page.count("Delivered") >= 12
    every = boss.get(f"/contacts/{contact.pk}/?conversations=all").content.decode()
    assert every.count("Note · Supervisor") == 12 and "Show this transcript" not in every


def test_a_merged_contact_s_page_shows_the_survivor(boss):
    survivor = Contact.objects.create(platform_id="a" * 24, name="Kept")
    gone = Contact.objects.create(platform_id="b" * 24, merged_into=survivor)
    answer = boss.get(f"/contacts/{gone.pk}/")
    assert answer.status_code == 302 and answer["Location"] == f"/contacts/{survivor.pk}/"
    by_id = boss.get(f"/contacts/platform/{'b' * 24}/")
    assert by_id["Location"] == f"/contacts/{survivor.pk}/"
    assert boss.get("/contacts/999999/").status_code == 404


# --- edits, through the platform first -----------------------------------------------------------


@pytest.mark.sandbox
def test_variables_are_checked_by_type_then_saved_on_the_platform(boss, people, sandbox_api):
    zoya = contact_of("+79000000001")
    url = f"/api/contacts/{zoya.pk}/variables"
    bad = boss.post(
        url,
        {"values": {"Orders": "many", "Last visit": "next tuesday", "City": "Tver"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == {
        "Orders": "Value of variable 'Orders' must be a NUMBER, got 'many'",
        "Last visit": "Value of variable 'Last visit' must be a DATE (e.g. 2024-03-01), got "
        "'next tuesday'",
    }
    good = boss.post(
        url,
        {"values": {"Orders": "42", "Last visit": "2025-01-02", "City": ""}},
        content_type="application/json",
    )
    assert good.status_code == 200, good.content
    on_platform = {
        v["name"]: v["value"]
        for v in sandbox_api.ok("contacts/get", {"id": zoya.platform_id})["variables"]
    }
    assert on_platform["Orders"] == 42 and "City" not in on_platform
    assert on_platform["Last visit"] == "2025-01-02T00:00:00.000Z"
    mirrored = {v["name"]: v["value"] for v in good.json()["contact"]["variables"]}
    assert mirrored == {
        "First Name": "Zoya",
        "Orders": 42,
        "Last visit": "2025-01-02T00:00:00.000Z",
        "Tier": "Gold",
    }


@pytest.mark.sandbox
def test_a_platform_refusal_is_shown_and_changes_nothing(boss, people, sandbox):
    zoya = contact_of("+79000000001")
    sandbox.control("POST", "/_sandbox/faults", {"path": "contacts/variables", "mode": "error500"})
    answer = boss.post(
        f"/api/contacts/{zoya.pk}/variables",
        {"values": {"City": "Omsk"}},
        content_type="application/json",
    )
    assert answer.status_code == 502
    assert answer.json()["message"].startswith("The platform refused to set the variables: ")
    page = boss.post(f"/contacts/{zoya.pk}/variables", {"var-City": "Omsk"}, follow=True)
    assert b"The platform refused to set the variables" in page.content
    assert contact_of("+79000000001").variable_values == zoya.variable_values


@pytest.mark.sandbox
def test_identifiers_are_changed_on_the_platform_from_the_profile_form(boss, people, sandbox_api):
    xenia = contact_of("+79000000003")
    page = boss.post(
        f"/contacts/{xenia.pk}/identifiers",
        {"phone": "+79000000003", "telegramId": "31337", "vkId": ""},
        follow=True,
    )
    assert b"Identifiers saved on the platform." in page.content
    assert sandbox_api.ok("contacts/get", {"id": xenia.platform_id})["telegramId"] == "31337"
    assert contact_of("+79000000003").telegram_id == "31337"
    refused = boss.post(
        f"/api/contacts/{xenia.pk}/identifiers", {"createdAt": "x"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "cannot be changed" in refused.json()["message"]


@pytest.mark.sandbox
def test_an_identifier_clash_merges_on_the_platform_and_the_callback_merges_here(
    boss, people, sandbox_api, callback_receiver, post_callback
):
    zoya, yakov = contact_of("+79000000001"), contact_of("+79000000002")
    answer = boss.post(
        f"/api/contacts/{zoya.pk}/identifiers", {"vkId": "888002"}, content_type="application/json"
    )
    assert answer.status_code == 200
    # The platform's contact_merged callback, delivered to the desk as the platform would.
    merged = callback_receiver.wait_for_kind("contact_merged")[0]
    post_callback({k: v for k, v in merged.items() if k != "secret"})
    assert Contact.objects.get(pk=yakov.pk).merged_into_id == zoya.pk
    assert boss.get(f"/contacts/{yakov.pk}/")["Location"] == f"/contacts/{zoya.pk}/"
    names = {v["name"] for v in boss.get(f"/api/contacts/{zoya.pk}").json()["contact"]["variables"]}
    assert {"City", "Orders", "Tier"} <= names


@pytest.mark.sandbox
def test_variables_are_created_and_deleted_through_the_platform(boss, people, sandbox_api):
    created = boss.post(
        "/api/contacts/variables",
        {"name": "Shoe size", "validateAs": "NUMBER"},
        content_type="application/json",
    )
    assert created.status_code == 200
    listed = {v["name"]: v["validateAs"] for v in sandbox_api.ok("variables/list")["data"]}
    assert listed["Shoe size"] == "NUMBER"
    again = boss.post("/contacts/variables/", {"name": "Shoe size"}, follow=True)
    assert b"already exists" in again.content
    tier = Variable.objects.get(name="Tier")
    page = boss.post(f"/contacts/variables/{tier.pk}/delete", follow=True)
    assert b"Variable deleted" in page.content
    assert "Tier" not in {v["name"] for v in sandbox_api.ok("variables/list")["data"]}
    assert not Contact.objects.filter(variable_values__has_key=tier.key).exists()
    default = Variable.objects.get(name="City")
    refused = boss.delete(f"/api/contacts/variables/{default.pk}")
    assert refused.status_code == 502 and "cannot be deleted" in refused.json()["message"]


@pytest.mark.sandbox
def test_the_profile_lists_the_contact_s_deals_from_the_platform(boss, people, sandbox_api):
    yakov = contact_of("+79000000002")
    amount = next(
        a for a in sandbox_api.ok("deals/attributes/list")["data"] if a["name"] == "Amount"
    )
    sandbox_api.ok(
        "deals/create",
        {
            "name": "Bike",
            "contactId": yakov.platform_id,
            "attributes": [{"id": amount["id"], "value": 990}],
        },
    )
    deals = boss.get(f"/api/contacts/{yakov.pk}/deals").json()["data"]
    assert [(d["name"], d["attributes"]) for d in deals] == [
        ("Bike", [{"name": "Amount", "type": "NUMBER", "value": 990}])
    ]
    assert boss.get(f"/api/contacts/{contact_of('+79000000001').pk}/deals").json()["data"] == []

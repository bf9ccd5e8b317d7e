"""FromniClient against each reading of the reference's ambiguities (docs/platform.md), as the
sandbox plays them (fromni/sandbox/variants.py): every read parses whichever spelling the
platform uses, and every list is read whole whatever a page holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fromni.client import FromniClient
from fromni.errors import FromniBadResponse, FromniValueError
from fromni.loose import Observations, observing
from fromni.methods import METHODS
from fromni.models import Connection, Contact, Template, parse_connections
from fromni.sandbox.process import SandboxProcess
from tests.support.readings import ALL_SPELLINGS, PAGINGS, SPELLINGS

pytestmark = pytest.mark.sandbox

SPELLINGS_HERE = {**SPELLINGS, "connections as a list": {"connectionsAsList": True}}
SPELLINGS_HERE["all of them"] = ALL_SPELLINGS


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[FromniClient]:
    with FromniClient(sandbox.api_url, sandbox.token, backoff=0.01) as fromni:
        yield fromni


def reading(sandbox: SandboxProcess, settings: dict[str, Any]) -> None:
    sandbox.control("POST", "variants", settings)


def list_requests(sandbox: SandboxProcess, since: int = 0) -> list[dict[str, Any]]:
    names = ("contacts_list", "deals_list", "templates_list", "conversations_list")
    paged = {METHODS[name].path for name in names}
    log = sandbox.control("GET", "requests")["data"][since:]
    return [r for r in log if r["path"] in paged]


def an_account(sandbox: SandboxProcess, client: FromniClient) -> dict[str, Any]:
    """Something of every kind: a dialog with a photo and a reply, deals, a campaign."""
    dialog = sandbox.control("POST", "conversations", {"channel": "whatsapp-business"})
    photo = {"type": "image", "url": "http://example.test/media/p.png", "name": "p.png"}
    sandbox.control("POST", f"conversations/{dialog['id']}/messages", {"attachments": [photo]})
    client.conversations_send(dialog["id"], "Here you are")
    status = next(a for a in client.deal_attributes_list() if a.name == "Status")
    cost = next(a for a in client.deal_attributes_list() if a.name == "Cost")
    client.deals_create(
        "Sofa",
        [{"id": status.id, "value": "New"}],
        dialog["contactId"],
        products=[{"attributes": [{"id": cost.id, "value": 10}]}],
    )
    client.deals_create("Empty deal", [{"id": status.id, "value": "Won"}], dialog["contactId"])
    campaign = client.campaigns_launch("Spring", ["sms"], [{"phone": "+7999"}], template_id=2)
    return {"dialog": dialog, "campaign": campaign}


@pytest.mark.parametrize("settings", SPELLINGS_HERE.values(), ids=SPELLINGS_HERE.keys())
def test_every_read_parses_in_each_spelling(sandbox, client, settings):
    made = an_account(sandbox, client)
    reading(sandbox, settings)

    templates = list(client.iter_templates())
    assert [t.id for t in templates] == [1, 2, 3]
    ungrouped = templates[2]
    assert ungrouped.group == [] and ungrouped.channels[0].attachments == []
    whatsapp = settings.get("whatsappName", "whatsapp-business")
    assert ungrouped.channels[1].channel == whatsapp

    connections = client.channels_connections()
    assert len(connections) == 10 and all(c.channel for c in connections)
    assert {c.channel for c in connections if c.id in (1, 2)} == {whatsapp}

    contacts = list(client.iter_contacts(order=[["createdAt", "ASC"]]))
    assert len(contacts) == 5 and all(isinstance(c.id, str) for c in contacts)
    assert all(isinstance(v.id, str) for c in contacts for v in c.variables)
    again = client.contacts_get(contacts[0].id)  # an id read back is understood
    assert again.id == contacts[0].id and again.source_profiles["vk"]["first_name"] == "Ivan"

    (dialog,) = list(client.iter_conversations())
    assert isinstance(dialog.id, str) and dialog.connection.channel == whatsapp
    messages = client.conversations_messages(dialog.id)
    photo = next(m for m in messages if m.attachments)
    assert photo.attachments[0]["url"] == "http://example.test/media/p.png"
    assert all(isinstance(m.attachments, list) for m in messages)
    sent = client.conversations_send(dialog.id, "Anything else?")
    assert sent.conversation_id == dialog.id

    deals = list(client.iter_deals())
    assert {d.name for d in deals} == {"Sofa", "Empty deal"}
    assert all(d.contact_id == dialog.contact.id for d in deals)
    assert {len(d.products) for d in deals} == {0, 1}
    assert all(isinstance(a.id, str) for a in client.deal_attributes_list())

    assert all(isinstance(e.vars, list) for e in client.events_list())
    (summary,) = client.campaigns_list()
    assert isinstance(summary.id, str)
    campaign = client.campaigns_get(summary.id)
    assert campaign.docs[0].answers_map == {} and campaign.docs[0].answers_list == []
    assert client.variables_list() and client.callback_get().secret == sandbox.secret
    assert made["campaign"]


@pytest.mark.parametrize("settings", PAGINGS.values(), ids=PAGINGS.keys())
def test_every_list_is_read_whole_whatever_a_page_holds(sandbox, client, settings):
    client.contacts_create([{"phone": f"+7902000{n:04d}"} for n in range(14)])  # 18 in all
    for n in range(4):
        client.templates_create(f"Text {n}", display_name=f"T{n}")  # 7 in all
    dialogs = {sandbox.control("POST", "conversations", {})["id"] for _ in range(5)}
    status = next(a for a in client.deal_attributes_list() if a.name == "Status")
    someone = client.contacts_list(limit=1)[0].id
    for n in range(12):
        client.deals_create(f"Deal {n}", [{"id": status.id, "value": "New"}], someone)
    reading(sandbox, settings)
    since = len(sandbox.control("GET", "requests")["data"])

    assert len({c.id for c in client.iter_contacts(page_size=500)}) == 18 + 5  # with dialogs'
    assert len(list(client.iter_templates(page_size=500))) == 7
    assert {c.id for c in client.iter_conversations(page_size=500)} == dialogs
    assert len(list(client.iter_deals(page_size=500))) == 12
    # Strict in what it sends: every list request names its offset and limit.
    assert all(
        {"offset", "limit"} <= set(r["body"]) and r["body"]["limit"] == 500
        for r in list_requests(sandbox, since)
    )


def test_a_list_method_refuses_to_leave_the_limit_out(client, sandbox):
    with pytest.raises(FromniValueError, match="limit"):
        client.templates_list(limit=None)  # type: ignore[arg-type]
    assert list_requests(sandbox) == []


def test_null_for_a_whole_page_is_an_empty_page_but_a_number_is_not(sandbox, client):
    reading(sandbox, {"nullEmpty": True})
    assert client.deals_list().data == []
    sandbox.control("POST", "faults", {"path": "deals/list", "mode": "bad_shape", "count": 1})
    with pytest.raises(FromniBadResponse):
        client.deals_list()


# --- the models alone, for shapes the sandbox has no reason to produce ------------------------


def test_connections_with_a_null_channel_or_rows_without_channel_are_kept():
    assert parse_connections({"vk": None, "telegram": [{"id": 3, "name": "Bot"}]}) == [
        Connection(id=3, channel="telegram", name="Bot")
    ]
    rows = parse_connections([{"id": 7, "name": "No channel"}, {"id": 8, "channel": "max"}])
    assert [(c.id, c.channel) for c in rows] == [(7, None), (8, "max")]
    assert parse_connections(None) == []
    with pytest.raises(ValueError):
        parse_connections({"vk": "one"})


def test_the_models_note_every_leniency_they_used():
    observed = Observations()
    template = Template.model_validate(
        {
            "id": 4,
            "group": None,
            "channels": [{"channel": "whatsapp", "status": "approved", "attachments": None}],
        },
        context=observing(observed),
    )
    contact = Contact.model_validate(
        {"id": 5, "variables": None, "profiles": [{"channel": "max"}]},
        context=observing(observed),
    )
    assert template.group == [] and contact.id == "5" and contact.variables == []
    kinds = {(o.kind, o.where) for o in observed}
    assert ("null_as_empty", "Template.group") in kinds
    assert ("null_as_empty", "TemplateChannel.attachments") in kinds
    assert ("number_as_id", "Contact.id") in kinds
    assert ("unknown_channel", "ContactProfile.channel") in kinds
    assert {o.detail for o in observed.of("whatsapp_spelling")} == {"whatsapp"}

"""Connections: the platform's list, which ones the desk serves, and who sees their queues (in
the API's lists and in websocket events alike)."""

import pytest
from channels.db import database_sync_to_async
from django.db import connections as db_connections
from django.db import transaction

from administration.services import connection_access_set, team_add
from audit.models import AuditEntry
from callbacks.models import CallbackRecord
from callbacks.services import callback_receive
from conversations.actions import conversation_transfer
from conversations.models import Connection, ConnectionPolicy, Conversation, ConversationState
from operators.models import OperatorProfile
from realtime.models import Event, EventCounter
from tests.support.admin import (
    fault,
    in_memory_channel_layer,  # noqa: F401 (a fixture)
    page_text,
)
from tests.support.fixtures import handover, incoming, signed
from tests.support.sockets import connect, receive

SUPPORT, SALES = 1, 2  # the sandbox's two whatsapp-business connections


def deliver(body: dict) -> str:
    return callback_receive(body=signed(body))


def queue(conversation_id: str, connection_id: int, contact: int) -> Conversation:
    deliver(
        handover(
            conversation_id,
            connection_id=connection_id,
            channel="whatsapp-business",
            contact_id=f"{contact:024d}",
        )
    )
    return Conversation.objects.get(platform_id=conversation_id)


def restrict(admin, platform_id: int, *, teams=(), operators=(), served=True):
    if not Connection.objects.filter(platform_id=platform_id).exists():
        Connection.objects.create(platform_id=platform_id, channel="whatsapp-business")
    return connection_access_set(
        actor=admin, platform_id=platform_id, served=served, teams=teams, operators=operators
    )


def in_team(user, team) -> None:
    OperatorProfile.objects.filter(user=user).update(team=team)


def queued_ids(client) -> set[str]:
    answer = client.get("/api/conversations?state=queued")
    assert answer.status_code == 200, answer.content
    return {c["platformId"] for c in answer.json()["data"]}


# --- the admin pages -------------------------------------------------------------------------


@pytest.mark.sandbox
@pytest.mark.django_db
def test_the_page_lists_the_platforms_connections_by_channel(admin_client, platform):
    text = page_text(admin_client.get("/admin/connections"))
    for name in ("WhatsApp Business: Sales", "Telegram: @fromni_shop_bot", "Web chat: fromni.shop"):
        assert name in text
    assert "<h2>whatsapp-business</h2>" in text
    assert text.count("every operator") == 10


@pytest.mark.sandbox
@pytest.mark.django_db
def test_when_the_platform_fails_the_page_says_so_and_shows_known_connections(
    admin_client, platform
):
    Connection.objects.create(platform_id=77, channel="telegram", name="Seen in a hand-over")
    fault(platform, "channels/connections", "error500")
    text = page_text(admin_client.get("/admin/connections"))
    assert "Internal server error (injected fault)" in text
    assert "Seen in a hand-over" in text and "not listed by the platform" in text


@pytest.mark.sandbox
@pytest.mark.django_db
def test_saving_access_for_a_connection_the_desk_never_saw_records_it(
    admin_client, platform, agent, admin_user
):
    sales = team_add(actor=admin_user, name="Sales")
    response = admin_client.post(
        f"/admin/connections/{SALES}",
        {"served": "on", "teams": [sales.pk], "operators": [agent.pk]},
    )
    assert response.status_code == 302
    policy = ConnectionPolicy.objects.select_related("connection").get()
    assert policy.connection.platform_id == SALES
    assert policy.connection.name == "WhatsApp Business: Sales"
    assert policy.restricted and policy.served
    assert list(policy.teams.all()) == [sales] and list(policy.operators.all()) == [agent]
    entry = AuditEntry.objects.get(action="connection.access")
    assert entry.target == f"connection:{SALES}"
    assert entry.details["teams"] == ["Sales"] and entry.details["operators"] == ["agent"]
    listed = page_text(admin_client.get("/admin/connections"))
    assert "team Sales, agent" in listed


@pytest.mark.sandbox
@pytest.mark.django_db
def test_an_unknown_connection_is_404(admin_client, platform):
    assert admin_client.get("/admin/connections/999").status_code == 404


# --- serving -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hand_overs_from_an_unserved_connection_are_recorded_but_not_queued(admin_user):
    restrict(admin_user, SALES, served=False)
    assert deliver(handover("unserved", connection_id=SALES)) == "applied"
    assert CallbackRecord.objects.filter(kind="conversation_operator_requested").exists()
    assert not Conversation.objects.filter(platform_id="unserved").exists()
    # Its messages wait, as for any dialog the desk has not taken.
    assert deliver(incoming("unserved", "anyone?")) == "parked"
    # Served again: the next hand-over queues it, with the message that waited.
    restrict(admin_user, SALES, served=True)
    deliver(handover("unserved", connection_id=SALES, expires_in=900))
    conversation = Conversation.objects.get(platform_id="unserved")
    assert conversation.state == ConversationState.QUEUED
    assert [m.text for m in conversation.messages.all()] == ["anyone?"]


@pytest.mark.django_db
def test_an_open_conversation_of_a_connection_no_longer_served_carries_on(admin_user):
    conversation = queue("open-before", SALES, 1)
    restrict(admin_user, SALES, served=False)
    deliver(handover("open-before", connection_id=SALES, expires_in=1200))
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.QUEUED


# --- who sees the queue: the API ---------------------------------------------------------------


@pytest.fixture
def split_queue(db, admin_user, agent, other_agent):
    """Sales is open to the Sales team (other_agent) only; Support to everyone."""
    sales = team_add(actor=admin_user, name="Sales")
    in_team(other_agent, sales)
    restrict(admin_user, SALES, teams=[sales])
    return {"support": queue("support-1", SUPPORT, 1), "sales": queue("sales-1", SALES, 2)}


def test_a_restricted_queue_is_listed_only_for_the_operators_it_allows(
    split_queue, client, agent, other_agent, supervisor
):
    client.force_login(agent)
    assert queued_ids(client) == {"support-1"}
    client.force_login(other_agent)
    assert queued_ids(client) == {"support-1", "sales-1"}
    client.force_login(supervisor)
    assert queued_ids(client) == {"support-1", "sales-1"}


def test_an_operator_left_out_can_neither_open_nor_claim_it(split_queue, agent_client):
    sales = split_queue["sales"]
    assert agent_client.get(f"/api/conversations/{sales.pk}").status_code == 404
    assert agent_client.post(f"/api/conversations/{sales.pk}/claim").status_code == 404
    sales.refresh_from_db()
    assert sales.state == ConversationState.QUEUED


def test_naming_an_operator_opens_the_queue_to_them(split_queue, admin_user, agent, client):
    restrict(admin_user, SALES, operators=[agent])
    client.force_login(agent)
    assert queued_ids(client) == {"support-1", "sales-1"}


def test_a_conversation_transferred_to_someone_left_out_is_theirs_to_see(
    split_queue, client, agent, supervisor
):
    sales = split_queue["sales"]
    conversation_transfer(conversation_id=sales.pk, user=supervisor, to_user_id=agent.pk)
    client.force_login(agent)
    mine = client.get("/api/conversations?state=mine").json()["data"]
    assert [c["platformId"] for c in mine] == ["sales-1"]
    assert client.get(f"/api/conversations/{sales.pk}").status_code == 200


# --- who sees the queue: the websocket ---------------------------------------------------------


def ws(test):
    return pytest.mark.django_db(transaction=True)(
        pytest.mark.usefixtures("in_memory_channel_layer")(test)
    )


@pytest.fixture
async def close_db_threads():
    """The consumer's database thread keeps its connection; close it so the test database can
    be dropped at the end of the run."""
    yield
    await database_sync_to_async(db_connections.close_all)()


async def _types(communicator, count: int) -> list[tuple[str, str | None]]:
    frames = [await receive(communicator) for _ in range(count)]
    return [
        (f["type"], (f.get("data", {}).get("conversation") or {}).get("platformId")) for f in frames
    ]


@ws
async def test_events_of_a_restricted_queue_reach_only_the_operators_it_allows(
    close_db_threads, admin_user, agent, other_agent, supervisor
):
    sales = await database_sync_to_async(team_add)(actor=admin_user, name="Sales")
    await database_sync_to_async(in_team)(other_agent, sales)
    await database_sync_to_async(restrict)(admin_user, SALES, teams=[sales])
    sockets = {u.username: await connect(u) for u in (agent, other_agent, supervisor)}
    for socket in sockets.values():
        assert (await receive(socket))["type"] == "desk.ready"

    await database_sync_to_async(queue)("ws-sales", SALES, 3)
    expected = [("desk.contact_updated", None), ("desk.conversation_queued", "ws-sales")]
    assert await _types(sockets["other"], 2) == expected
    assert await _types(sockets["supervisor"], 2) == expected
    assert await _types(sockets["agent"], 1) == [("desk.contact_updated", None)]
    assert await sockets["agent"].receive_nothing(timeout=0.3)

    # The admin names the agent: every socket reloads its access, then the agent sees Sales.
    await database_sync_to_async(restrict)(admin_user, SALES, teams=[sales], operators=[agent])
    for socket in sockets.values():
        assert (await receive(socket))["type"] == "desk.access_changed"
    await database_sync_to_async(deliver)(incoming("ws-sales", "still there?"))
    message = await receive(sockets["agent"])
    assert message["type"] == "desk.message_created"
    assert message["data"]["message"]["text"] == "still there?"
    for socket in sockets.values():
        await socket.disconnect()


@ws
async def test_catching_up_applies_the_same_rules_as_live_events(
    close_db_threads, admin_user, agent, other_agent
):
    sales = await database_sync_to_async(team_add)(actor=admin_user, name="Sales")
    await database_sync_to_async(in_team)(other_agent, sales)
    await database_sync_to_async(restrict)(admin_user, SALES, teams=[sales])
    first = await connect(agent)
    cursor = (await receive(first))["cursor"]
    await first.disconnect()
    await database_sync_to_async(queue)("missed-support", SUPPORT, 4)
    await database_sync_to_async(queue)("missed-sales", SALES, 5)

    again = await connect(agent, cursor=cursor)
    assert await _types(again, 3) == [
        ("desk.contact_updated", None),
        ("desk.conversation_queued", "missed-support"),
        ("desk.contact_updated", None),
    ]
    assert (await receive(again))["type"] == "desk.ready"
    await again.disconnect()


def _open_to_without_push(user) -> int:
    """The admin opens Sales to `user`, and the push of desk.access_changed is lost."""
    with transaction.atomic():
        ConnectionPolicy.objects.get(connection__platform_id=SALES).operators.add(user)
        counter = EventCounter.objects.select_for_update().get(pk=1)
        counter.value += 1
        counter.save()
        Event.objects.create(id=counter.value, type="desk.access_changed", payload={})
    return counter.value


@ws
async def test_an_access_change_read_while_catching_up_applies_to_what_follows_it(
    close_db_threads, admin_user, agent
):
    await database_sync_to_async(restrict)(admin_user, SALES, operators=[admin_user])
    socket = await connect(agent)
    await receive(socket)
    changed = await database_sync_to_async(_open_to_without_push)(agent)
    # The next push shows the gap; the socket reads it from the table, reloading its access
    # when it passes the change, so the Sales dialog after it is for the agent now.
    await database_sync_to_async(queue)("after-opening", SALES, 6)
    frames = [await receive(socket) for _ in range(3)]
    assert [f["cursor"] for f in frames] == [changed, changed + 1, changed + 2]
    assert [f["type"] for f in frames] == [
        "desk.access_changed",
        "desk.contact_updated",
        "desk.conversation_queued",
    ]
    await socket.disconnect()

"""Operators from the admin pages: create (a password shown once), role, capacity, team,
deactivate (their conversations go back to the queue), teams, and the roles' permissions."""

import importlib

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group, User
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from administration.services import connection_access_set, operator_deactivate, team_add
from audit.models import AuditEntry
from callbacks.services import callback_receive
from conversations.actions import conversation_claim
from conversations.models import Connection, Conversation, ConversationState
from operators.models import Team
from realtime.models import Event
from tests.support.admin import page_text
from tests.support.fixtures import PASSWORD, handover, signed
from tests.support.sockets import connect, receive

pytestmark = pytest.mark.django_db


def create(admin_client, **fields):
    data = {"role": "agent", "capacity": 5, **fields}
    return admin_client.post("/admin/operators", data)


def change(admin_client, user, **fields):
    profile = user.operator
    data = {
        "role": "agent",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "team": profile.team_id or "",
        "capacity": profile.capacity,
        **fields,
    }
    return admin_client.post(f"/admin/operators/{user.pk}", data)


def claimed_by(user, name: str) -> Conversation:
    callback_receive(body=signed(handover(name, contact_id=f"{abs(hash(name)) % 10**24:024d}")))
    conversation = Conversation.objects.get(platform_id=name)
    return conversation_claim(conversation_id=conversation.pk, user=user)


# --- create ------------------------------------------------------------------------------------


def test_a_new_operator_gets_a_generated_password_shown_once(admin_client, client):
    team = Team.objects.create(name="Night shift")
    response = create(admin_client, username="nina", first_name="Nina", capacity=3, team=team.pk)
    assert response.status_code == 200
    password = response.context["password"]
    assert len(password) >= 16 and password in page_text(response)
    nina = User.objects.get(username="nina")
    assert [g.name for g in nina.groups.all()] == ["agent"]
    assert not nina.is_staff and not nina.is_superuser
    assert (nina.operator.capacity, nina.operator.team) == (3, team)
    assert password not in page_text(admin_client.get("/admin/operators"))
    assert client.login(username="nina", password=password)
    entry = AuditEntry.objects.get(action="operator.create")
    assert entry.target == f"user:{nina.pk}" and entry.details["role"] == "agent"
    assert password not in str(entry.details)


def test_a_given_password_must_pass_the_validators(admin_client):
    response = create(admin_client, username="weak", password="12345678")
    assert response.status_code == 400
    assert "too common" in page_text(response)
    assert not User.objects.filter(username="weak").exists()


def test_a_given_password_is_not_shown_again(admin_client, client):
    response = create(admin_client, username="sam", password="a-long-passphrase-42")
    assert response.status_code == 200
    assert "a-long-passphrase-42" not in page_text(response)
    assert client.login(username="sam", password="a-long-passphrase-42")


def test_a_taken_username_is_refused(admin_client, agent):
    response = create(admin_client, username="AGENT")
    assert response.status_code == 400
    assert "taken" in page_text(response)


def test_an_admin_gets_djangos_admin_and_others_do_not(admin_client, client):
    create(admin_client, username="root2", role="admin")
    create(admin_client, username="sup2", role="supervisor")
    assert User.objects.get(username="root2").is_staff
    assert not User.objects.get(username="sup2").is_staff


# --- change ------------------------------------------------------------------------------------


def test_changing_role_team_and_capacity_is_audited(admin_client, agent):
    team = Team.objects.create(name="VIP")
    response = change(admin_client, agent, role="supervisor", capacity=9, team=team.pk)
    assert response.status_code == 302
    agent.refresh_from_db()
    assert [g.name for g in agent.groups.all()] == ["supervisor"]
    assert (agent.operator.capacity, agent.operator.team) == (9, team)
    entry = AuditEntry.objects.get(action="operator.update")
    assert entry.details["changes"] == {
        "role": ["agent", "supervisor"],
        "team": [None, "VIP"],
        "capacity": [5, 9],
    }
    # Sockets reload who may see what.
    assert Event.objects.filter(type="desk.access_changed").count() == 1


def test_an_admin_cannot_demote_or_deactivate_themselves(admin_client, admin_user):
    demoted = change(admin_client, admin_user, role="agent")
    assert demoted.status_code == 400
    assert "cannot demote yourself" in page_text(demoted)
    page = admin_client.post(
        f"/admin/operators/{admin_user.pk}/deactivate", {"confirm": "on"}, follow=True
    )
    assert "cannot deactivate yourself" in page_text(page)
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.is_superuser


def test_capacity_is_bounded(admin_client, agent):
    assert change(admin_client, agent, capacity=-1).status_code == 400


# --- deactivate --------------------------------------------------------------------------------


def test_deactivating_puts_their_conversations_back_in_the_queue(admin_client, agent, client):
    first, second = claimed_by(agent, "d-one"), claimed_by(agent, "d-two")
    cursor = Event.objects.order_by("-id").values_list("id", flat=True).first()
    page = admin_client.post(
        f"/admin/operators/{agent.pk}/deactivate", {"confirm": "on"}, follow=True
    )
    assert "2 open conversations went back to the queue" in page_text(page)
    for conversation in (first, second):
        conversation.refresh_from_db()
        assert conversation.state == ConversationState.QUEUED and conversation.assignee is None
    events = list(Event.objects.filter(id__gt=cursor).order_by("id"))
    assert [e.type for e in events] == [
        "desk.conversation_released",
        "desk.conversation_released",
        "desk.access_changed",
    ]
    assert events[0].payload["fromUserId"] == agent.pk
    assert events[0].payload["byUserId"] != agent.pk
    assert AuditEntry.objects.filter(action="conversation.release").count() == 2
    assert AuditEntry.objects.get(action="operator.deactivate").details["released"] == [
        first.pk,
        second.pk,
    ]
    # Signed out for good: the session stops working, and so does the password.
    agent.refresh_from_db()
    assert not agent.is_active
    assert not client.login(username="agent", password=PASSWORD)


def test_a_deactivated_operators_session_stops_working(agent_client, admin_user, agent):
    assert agent_client.get("/api/session").status_code == 200
    operator_deactivate(actor=admin_user, user=agent)
    assert agent_client.get("/api/session").status_code == 401


def test_deactivation_needs_a_confirmation(admin_client, agent):
    admin_client.post(f"/admin/operators/{agent.pk}/deactivate")
    agent.refresh_from_db()
    assert agent.is_active


def test_reactivating(admin_client, admin_user, agent, client):
    operator_deactivate(actor=admin_user, user=agent)
    admin_client.post(f"/admin/operators/{agent.pk}/reactivate")
    assert client.login(username="agent", password=PASSWORD)
    assert AuditEntry.objects.filter(action="operator.reactivate").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("in_memory_channel_layer")
async def test_a_deactivated_operators_socket_is_closed(admin_user, agent):
    socket = await connect(agent)
    assert (await receive(socket))["type"] == "desk.ready"
    await database_sync_to_async(operator_deactivate)(actor=admin_user, user=agent)
    closed = None
    for _ in range(5):
        frame = await socket.receive_output(timeout=3)
        if frame["type"] == "websocket.close":
            closed = frame
            break
    assert closed is not None and closed["code"] == 4403
    await database_sync_to_async(connections.close_all)()


# --- passwords and teams -----------------------------------------------------------------------


def test_a_password_reset_shows_the_new_one_once(admin_client, agent, client):
    response = admin_client.post(f"/admin/operators/{agent.pk}/password")
    password = response.context["password"]
    assert password in page_text(response)
    assert not client.login(username="agent", password=PASSWORD)
    assert client.login(username="agent", password=password)
    assert AuditEntry.objects.filter(action="operator.password_reset").count() == 1


def test_teams_are_created_and_deleted(admin_client):
    admin_client.post("/admin/teams", {"name": "Billing"})
    team = Team.objects.get(name="Billing")
    admin_client.post(f"/admin/teams/{team.pk}/delete")
    assert not Team.objects.exists()
    assert [e.action for e in AuditEntry.objects.order_by("at", "id")] == [
        "team.create",
        "team.delete",
    ]


def test_a_team_that_access_rules_name_is_not_deleted(admin_client, admin_user):
    team = team_add(actor=admin_user, name="Sales")
    Connection.objects.create(platform_id=2, channel="whatsapp-business", name="Sales line")
    connection_access_set(actor=admin_user, platform_id=2, served=True, teams=[team], operators=[])
    page = admin_client.post(f"/admin/teams/{team.pk}/delete", follow=True)
    assert "name team Sales" in page_text(page)
    assert Team.objects.filter(pk=team.pk).exists()


# --- roles as groups, without Django permissions -------------------------------------------------


def _migration_run(app: str, name: str, function: str) -> None:
    """Run a data migration's function on its own historical state (a flushed test database
    may have lost the rows the real run made)."""
    migration = importlib.import_module(f"{app}.migrations.{name}")
    state = MigrationExecutor(connection).loader.project_state((app, name))
    getattr(migration, function)(state.apps, None)


def test_the_roles_groups_carry_no_permissions_once_migrated():
    """Who may call what is the role gate's (operators/access.py); the model permissions that
    administration/migrations/0002 gave the groups, never checked, are taken away."""
    _migration_run("operators", "0001_roles", "create_roles")
    _migration_run("administration", "0002_role_permissions", "grant")
    assert Group.objects.get(name="supervisor").permissions.exists()
    _migration_run("operators", "0003_role_permissions_removed", "clear")
    groups = Group.objects.filter(name__in=("agent", "supervisor", "admin"))
    assert sorted(g.name for g in groups) == ["admin", "agent", "supervisor"]
    assert not any(g.permissions.exists() for g in groups)

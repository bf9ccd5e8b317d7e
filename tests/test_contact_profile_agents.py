"""An agent reads the profile of a contact they serve (identifiers, variables, the
conversations they may open), from the desk's side panel; supervisors and admins keep changing
it. A contact the agent does not serve is a 404, and an agent's change is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from contacts.models import Contact
from conversations.actions import conversation_claim
from conversations.models import Conversation
from tests.support.fixtures import handover, incoming

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def maria(post_callback, agent, other_agent):
    """Maria's contact with three conversations: one the agent holds, one a colleague holds,
    one ended before, the colleague's."""
    for platform_id in ("mine", "theirs", "earlier"):
        post_callback(handover(platform_id, contact_id="maria"))
        post_callback(incoming(platform_id, f"text of {platform_id}"))
    conversation_claim(conversation_id=Conversation.objects.get(platform_id="mine").pk, user=agent)
    for platform_id in ("theirs", "earlier"):
        conversation = Conversation.objects.get(platform_id=platform_id)
        conversation_claim(conversation_id=conversation.pk, user=other_agent)
    Contact.objects.filter(platform_id="maria").update(phone="+79990001122", telegram_id="5551")
    return Contact.objects.get(platform_id="maria")


def test_an_agent_reads_the_profile_of_a_contact_they_serve(maria, agent):
    page = logged_in(agent).get(f"/contacts/{maria.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "+79990001122" in html and "5551" in html
    assert "Read-only" in html
    assert '<form method="post" action="/contacts/' not in html
    assert "Save identifiers" not in html and "Save variables" not in html
    assert 'id="deals"' not in html  # the platform's deals are for supervisors
    # Only the conversations the agent may open: their own, not the colleague's two.
    assert "text of mine" in html
    assert "text of theirs" not in html and "text of earlier" not in html
    assert "Conversations (1)" in html


def test_a_supervisor_still_gets_the_whole_profile_to_edit(maria, supervisor):
    html = logged_in(supervisor).get(f"/contacts/{maria.pk}/").content.decode()
    assert "Save identifiers" in html and "Conversations (3)" in html


def test_a_contact_the_agent_does_not_serve_is_a_404(maria, other_agent, agent, post_callback):
    post_callback(handover("stranger", contact_id="stranger"))
    stranger = Contact.objects.get(platform_id="stranger")
    conversation_claim(
        conversation_id=Conversation.objects.get(platform_id="stranger").pk, user=other_agent
    )
    assert logged_in(agent).get(f"/contacts/{stranger.pk}/").status_code == 404
    assert logged_in(agent).get("/contacts/999999/").status_code == 404
    # The colleague serves both.
    assert logged_in(other_agent).get(f"/contacts/{stranger.pk}/").status_code == 200


def test_an_agents_change_is_refused_and_changes_nothing(maria, agent):
    client = logged_in(agent)
    refused = client.post(f"/contacts/{maria.pk}/identifiers", {"phone": "+70000000000"})
    assert refused.status_code == 403
    assert client.post(f"/contacts/{maria.pk}/variables", {"var-x": "1"}).status_code == 403
    maria.refresh_from_db()
    assert maria.phone == "+79990001122"


def test_the_desk_panel_links_to_the_profile(maria, agent):
    conversation = Conversation.objects.get(platform_id="mine")
    detail = logged_in(agent).get(f"/api/conversations/{conversation.pk}").json()
    assert detail["contact"]["id"] == maria.pk  # the side panel's link: /contacts/<id>/

"""GET /api/search: conversations found by the contact (name, phone fragment, identifier) and by
any message text (incoming, replies, the bot's history, notes), open or ended, among those the
caller may see; snippets marked safely; a fixed number of queries per search. Runs on SQLite
and, in the PostgreSQL pass, on PostgreSQL (where the Russian morphology is checked)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from administration.services import connection_access_set
from contacts.models import Contact
from contacts.services import search_text
from conversations.actions import conversation_claim, conversation_close
from conversations.models import Conversation, Message, MessageKind
from conversations.replies import note_create
from search.snippets import START, STOP, snippet_html, snippet_parts
from tests.support.fixtures import handover, incoming

pytestmark = pytest.mark.django_db
RESTRICTED = 77


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dialog(post_callback):
    """A queued conversation with a contact named and reachable as told, and its first
    message."""

    def make(
        platform_id: str,
        *,
        name: str = "",
        phone: str = "",
        telegram_id: str = "",
        text: str = "Здравствуйте",
        connection_id: int = 1,
    ) -> Conversation:
        contact_id = f"contact-{platform_id}"
        post_callback(handover(platform_id, contact_id=contact_id, connection_id=connection_id))
        post_callback(incoming(platform_id, text))
        fields = {"name": name, "phone": phone, "telegram_id": telegram_id}
        Contact.objects.filter(platform_id=contact_id).update(
            **fields, search=search_text(fields, contact_id)
        )
        return Conversation.objects.select_related("contact").get(platform_id=platform_id)

    return make


def search(user, q: str, **params):
    answer = logged_in(user).get("/api/search", {"q": q, **params})
    assert answer.status_code == 200, answer.content
    return answer.json()


def found(answer) -> set[tuple[str, int | None]]:
    """(conversation platform id, message text or None for a contact hit)."""
    hits = answer["conversations"] + answer["messages"]
    texts = {m.pk: m.text for m in Message.objects.all()}
    return {
        (hit["conversation"]["platformId"], hit["message"] and texts[hit["message"]["id"]])
        for hit in hits
    }


def test_every_kind_of_message_is_found_with_its_conversation(dialog, supervisor, agent):
    conversation = dialog("c1", text="Where is my parcel?")
    conversation_claim(conversation_id=conversation.pk, user=agent)
    Message.objects.create(
        conversation=conversation, kind=MessageKind.HISTORY, text="Bot: parcel tracking menu"
    )
    Message.objects.create(
        conversation=conversation, kind=MessageKind.OUTGOING, text="Your parcel left today"
    )
    note_create(conversation_id=conversation.pk, user=agent, text="parcel lost, refund it")
    dialog("c2", text="Nothing to do with it")
    answer = search(supervisor, "parcel")
    assert found(answer) == {
        ("c1", "Where is my parcel?"),
        ("c1", "Bot: parcel tracking menu"),
        ("c1", "Your parcel left today"),
        ("c1", "parcel lost, refund it"),
    }
    kinds = [hit["message"]["kind"] for hit in answer["messages"]]
    assert kinds == ["note", "outgoing", "history", "incoming"]  # newest first
    hit = answer["messages"][0]
    assert hit["matched"] == "message" and hit["conversation"]["id"] == conversation.pk
    assert {"text": "parcel", "mark": True} in hit["snippet"]


def test_the_contact_is_found_by_name_phone_fragment_and_identifier(dialog, supervisor):
    dialog("c1", name="Мария Петрова", phone="+79991234567", telegram_id="masha_tg")
    dialog("c2", name="Иван Сидоров", phone="+79160000000")
    for q in ("петров", "999 123", "+7 (999) 12", "masha_t"):
        answer = search(supervisor, q)
        assert found(answer) == {("c1", None)}, q
    by_phone = search(supervisor, "9991234")["conversations"][0]
    assert by_phone["matched"] == "contact"
    assert by_phone["snippetHtml"] == "Мария Петрова · +7<mark>9991234</mark>567"
    by_name = search(supervisor, "петров")["conversations"][0]
    assert by_name["snippetHtml"] == "Мария <mark>Петров</mark>а"


def test_words_are_found_in_other_forms(dialog, supervisor):
    dialog("c1", text="Где мой заказа номер 15?")
    dialog("c2", text="Отменить заказ")
    # A prefix on both databases ("заказ" is the start of "заказа").
    assert found(search(supervisor, "заказ")) == {
        ("c1", "Где мой заказа номер 15?"),
        ("c2", "Отменить заказ"),
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Russian morphology is PostgreSQL's")
def test_postgres_reads_russian_morphology_both_ways(dialog, supervisor):
    dialog("c1", text="Мой заказ не пришёл")
    dialog("c2", text="Заказами занимается другой отдел")
    answer = search(supervisor, "заказа")
    assert found(answer) == {
        ("c1", "Мой заказ не пришёл"),
        ("c2", "Заказами занимается другой отдел"),
    }
    # English words get the English stemmer in the same index.
    dialog("c3", text="It was delivered yesterday")  # both "deliv"
    assert found(search(supervisor, "delivering")) == {("c3", "It was delivered yesterday")}


def test_an_agent_finds_only_what_their_lists_would_show(
    dialog, agent, other_agent, supervisor, admin_user
):
    dialog("queued", text="refund please", name="Refund Queue")
    theirs = dialog("theirs", text="refund for a colleague", name="Refund Colleague")
    conversation_claim(conversation_id=theirs.pk, user=other_agent)
    dialog("restricted", text="refund in a closed queue", connection_id=RESTRICTED)
    connection_access_set(
        actor=admin_user, platform_id=RESTRICTED, served=True, teams=[], operators=[other_agent]
    )
    mine = dialog("mine-ended", text="refund done", name="Refund Mine")
    conversation_claim(conversation_id=mine.pk, user=agent)
    conversation_close(conversation_id=mine.pk, user=agent)
    note_create(conversation_id=theirs.pk, user=other_agent, text="refund note, private")

    seen = {c for c, _ in found(search(agent, "refund"))}
    assert seen == {"queued", "mine-ended"}
    assert {c for c, _ in found(search(other_agent, "refund"))} == {
        "queued",
        "theirs",
        "restricted",
    }
    assert {c for c, _ in found(search(supervisor, "refund"))} == {
        "queued",
        "theirs",
        "restricted",
        "mine-ended",
    }


def test_snippets_escape_html_and_mark_only_the_hit(dialog, supervisor):
    dialog("c1", text='<img src=x onerror="alert(1)"> &amp; <b>promo</b> code', name="<b>Eve</b>")
    hit = search(supervisor, "promo")["messages"][0]
    html = hit["snippetHtml"]
    assert "<img" not in html and "<b>" not in html
    escaped = "onerror=&quot;alert(1)&quot;&gt; &amp;amp; &lt;b&gt;<mark>promo</mark>&lt;/b&gt;"
    assert escaped in html
    contact = search(supervisor, "<b>eve")["conversations"][0]
    assert contact["snippetHtml"] == "<mark>&lt;b&gt;Eve</mark>&lt;/b&gt;"


def test_markers_become_parts_even_when_unbalanced():
    parts = snippet_parts(f"a {START}b{STOP} c{STOP} d {START}e")
    assert parts == [
        {"text": "a ", "mark": False},
        {"text": "b", "mark": True},
        {"text": " c d ", "mark": False},
        {"text": "e", "mark": True},
    ]
    assert snippet_html([{"text": "<x>", "mark": True}]) == "<mark>&lt;x&gt;</mark>"


def test_pages_follow_the_cursor_with_a_fixed_number_of_queries(dialog, supervisor, agent):
    def queries(user, q: str, **params) -> tuple[int, dict]:
        client = logged_in(user)
        with CaptureQueriesContext(connection) as captured:
            answer = client.get("/api/search", {"q": q, **params}).json()
        return len(captured), answer

    for n in range(12):
        conversation = dialog(f"c{n}", text=f"invoice number {n}", name=f"Client {n}")
        if n % 2:
            conversation_claim(conversation_id=conversation.pk, user=agent)
    dialog("single", text="a lonely receipt")
    few, one = queries(supervisor, "receipt")
    many, page = queries(supervisor, "invoice", limit=5)
    assert len(one["messages"]) == 1 and len(page["messages"]) == 5
    assert few == many
    agent_few, _ = queries(agent, "receipt")
    agent_many, _ = queries(agent, "invoice")
    assert agent_few == agent_many
    seen = [hit["message"]["id"] for hit in page["messages"]]
    while page["next"]:
        page = search(supervisor, "invoice", limit=5, cursor=page["next"])
        assert page["conversations"] == []  # contact hits come on the first page only
        seen += [hit["message"]["id"] for hit in page["messages"]]
    assert len(seen) == 12 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"q": "a"}, "q"),
        ({}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "parcel", "cursor": "abc"}, "cursor"),
        ({"q": "parcel", "limit": "500"}, "limit"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(supervisor, params, parameter):
    answer = logged_in(supervisor).get("/api/search", params)
    assert answer.status_code == 400
    assert answer.json()["field"] == parameter


def test_search_needs_a_signed_in_operator(client):
    assert client.get("/api/search", {"q": "parcel"}).status_code == 401


def test_text_that_looks_like_query_syntax_is_searched_as_words(dialog, supervisor):
    dialog("c1", text='He said "NEAR" OR * - AND (maybe)')
    assert found(search(supervisor, '"near" OR * - AND (')) == {
        ("c1", 'He said "NEAR" OR * - AND (maybe)')
    }

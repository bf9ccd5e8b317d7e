"""Benchmark 4: pages at scale. 100,000 conversations with 1,000,000 messages on PostgreSQL:
the conversation lists (also filtered by a label) and a conversation page, server time
(Django's handler in this process, no network) and query counts, against GET /api/session
(authentication and one query: the baseline, same run). Targets: p95 <= 50 ms each, and a
query count that does not grow with the data (the same for a conversation of 2 messages and of
200).

    .venv/bin/python -m bench.pages [--conversations 100000] [--messages 1000000]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from bench.common import bench_database, django_setup, percentile, print_table

REQUESTS = 200
AGENTS = 50
LABELS = 12
# Labels as a support team uses them: every third conversation has one of LABELS, and one
# label ("VIP", the first) is on every seventh besides: a common label and rarer ones.
LABELLED_EVERY, VIP_EVERY = 3, 7


def populate(conversations: int, messages: int) -> dict:
    """Bulk-insert a realistic desk: most dialogs closed, some open, a queue."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from contacts.models import Contact
    from conversations.models import (
        Connection,
        Conversation,
        ConversationLabel,
        ConversationState,
        Label,
        LabelColour,
        Message,
        Priority,
    )
    from operators.roles import Role
    from operators.services import operator_set_up

    rng = random.Random(7)
    agents = [
        operator_set_up(username=f"agent{n:03d}", password="bench-pass-123", role=Role.AGENT)
        for n in range(AGENTS)
    ]
    supervisor = operator_set_up(username="boss", password="bench-pass-123", role=Role.SUPERVISOR)
    channels = ["telegram", "whatsapp-business", "vk", "viber", "webchat"]
    links = [
        Connection.objects.create(platform_id=n + 1, channel=channel, name=f"{channel} line")
        for n, channel in enumerate(channels)
    ]
    contact_count = conversations // 2
    Contact.objects.bulk_create(
        (Contact(platform_id=f"{n:024x}", phone=f"+7999{n:07d}") for n in range(contact_count)),
        batch_size=5000,
    )
    contact_ids = list(Contact.objects.values_list("pk", flat=True))
    now = timezone.now()
    rows = []
    for n in range(conversations):
        state = (
            ConversationState.QUEUED
            if n % 100 == 0
            else ConversationState.ASSIGNED
            if n % 100 < 5
            else ConversationState.CLOSED
        )
        link = links[n % len(links)]
        queued = now - timedelta(minutes=conversations - n)
        rows.append(
            Conversation(
                platform_id=f"b{n:023x}",
                contact_id=contact_ids[n % contact_count],
                connection=link,
                channel=link.channel,
                state=state,
                assignee=None if state == ConversationState.QUEUED else agents[n % AGENTS],
                operator_mode_active=True,
                expires_at=now + timedelta(hours=1),
                queued_at=queued,
                last_message_at=queued,
                priority=rng.choice(
                    [Priority.URGENT, Priority.HIGH, *[Priority.NORMAL] * 6, Priority.LOW]
                ),
            )
        )
    Conversation.objects.bulk_create(rows, batch_size=5000)
    conversation_ids = list(Conversation.objects.order_by("pk").values_list("pk", flat=True))
    colours = list(LabelColour)
    labels = Label.objects.bulk_create(
        Label(name=name, name_key=name.casefold(), colour=colours[n % len(colours)])
        for n, name in enumerate(["VIP", *(f"Тема {n}" for n in range(1, LABELS))])
    )
    links_made = []
    for index, conversation_id in enumerate(conversation_ids):
        on = set()
        if index % LABELLED_EVERY == 0:
            on.add(labels[(index // LABELLED_EVERY) % LABELS].pk)
        if index % VIP_EVERY == 0:
            on.add(labels[0].pk)
        links_made += [ConversationLabel(conversation_id=conversation_id, label_id=pk) for pk in on]
    ConversationLabel.objects.bulk_create(links_made, batch_size=5000)
    per = max(1, messages // conversations)
    batch = []
    for index, conversation_id in enumerate(conversation_ids):
        count = 200 if index == 0 else 2 if index == 1 else per
        for m in range(count):
            batch.append(
                Message(
                    conversation_id=conversation_id,
                    kind="incoming" if m % 2 else "outgoing",
                    text=f"message {m} of a dialog",
                    created_at=now - timedelta(seconds=count - m),
                    delivery="" if m % 2 else "read",
                )
            )
        if len(batch) >= 20000:
            Message.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Message.objects.bulk_create(batch, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "agent": agents[0],
        "supervisor": supervisor,
        "big": conversation_ids[0],
        "small": conversation_ids[1],
        "some": rng.sample(conversation_ids, 100),
        "total_messages": Message.objects.count(),
        "vip": labels[0].pk,
        "rare": labels[-1].pk,
        "users": User.objects.count(),
    }


def timed(client, url: str, times: int = REQUESTS) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return samples, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    with bench_database("postgres") as url:
        django_setup(url)
        from django.test import Client

        started = time.perf_counter()
        data = populate(args.conversations, args.messages)
        print(
            f"populated {args.conversations:,} conversations, {data['total_messages']:,} "
            f"messages in {time.perf_counter() - started:.0f} s"
        )
        supervisor = Client(HTTP_HOST="127.0.0.1")
        supervisor.force_login(data["supervisor"])
        agent = Client(HTTP_HOST="127.0.0.1")
        agent.force_login(data["agent"])
        first_page = supervisor.get("/api/conversations?state=closed&limit=50").json()
        deep = first_page["next"]
        for _ in range(20):  # walk 20 pages in for a deep keyset position
            deep = supervisor.get(f"/api/conversations?state=closed&limit=50&after={deep}").json()[
                "next"
            ]
        cases = [
            ("baseline: GET /api/session", agent, "/api/session"),
            ("queue (agent)", agent, "/api/conversations?state=queued&limit=50"),
            ("mine (agent)", agent, "/api/conversations?state=mine&limit=50"),
            ("all open (supervisor)", supervisor, "/api/conversations?state=open&limit=50"),
            (
                "queue by label (agent)",
                agent,
                f"/api/conversations?state=queued&limit=50&label={data['rare']}",
            ),
            (
                "closed by a common label (supervisor)",
                supervisor,
                f"/api/conversations?state=closed&limit=50&label={data['vip']}",
            ),
            (
                "closed by a rare label (supervisor)",
                supervisor,
                f"/api/conversations?state=closed&limit=50&label={data['rare']}",
            ),
            ("closed, page 1", supervisor, "/api/conversations?state=closed&limit=50"),
            (
                "closed, page 21",
                supervisor,
                f"/api/conversations?state=closed&limit=50&after={deep}",
            ),
            ("conversation, 2 messages", supervisor, f"/api/conversations/{data['small']}"),
            ("conversation, 200 messages", supervisor, f"/api/conversations/{data['big']}"),
        ]
        rows, baseline = [], None
        for name, client, url in cases:
            samples, queries = timed(client, url)
            p95 = percentile(samples, 95)
            baseline = baseline or percentile(samples, 50)
            rows.append([name, percentile(samples, 50), p95, p95 / baseline, queries])
        conversation_samples = []
        for conversation_id in data["some"]:
            samples, _ = timed(supervisor, f"/api/conversations/{conversation_id}", times=2)
            conversation_samples += samples
        p95 = percentile(conversation_samples, 95)
        rows.append(
            [
                "100 random conversations",
                percentile(conversation_samples, 50),
                p95,
                p95 / baseline,
                "",
            ]
        )
    print_table(
        f"Pages at scale (bench 4): {args.conversations:,} conversations, "
        f"{data['total_messages']:,} messages, PostgreSQL",
        ["request", "p50 ms", "p95 ms", "p95 / baseline p50", "queries"],
        rows,
        module="bench.pages",
    )
    worst = max(row[2] for row in rows[1:])
    by_name = {row[0]: row for row in rows}
    small, big = (by_name[f"conversation, {n} messages"][4] for n in (2, 200))
    print(
        f"targets: p95 <= 50 ms (worst {worst:.1f}); queries equal for 2 and 200 messages "
        f"({small} vs {big})"
    )


if __name__ == "__main__":
    main()

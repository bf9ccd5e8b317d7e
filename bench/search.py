"""The desk's search at a million messages on PostgreSQL.

    .venv/bin/python -m bench.search [--messages 1000000] [--runs 200] [--fresh]

Creates (once) the database `operator_desk_bench_search` next to BENCH_POSTGRES_URL's, migrates
it, and fills it in SQL (generate_series, no round trip per row): one contact per 20 messages
(Russian names, +7 phones), a conversation per contact (most closed, some queued, some held by
20 agents), and 20 messages per conversation of every kind (incoming, replies, the bot's history,
notes) written from a support vocabulary in Russian and English whose words are drawn with a
skew, so some are in most messages and some in few; one word is in about one message in ten
thousand. A later run reuses the data when it is the same size (`--fresh` makes it again).

Then it times GET /api/search through the desk's own view (session, role, selector, JSON) as a
supervisor (sees every conversation) and as an agent (the queue and their own only), for a
baseline (a primary-key lookup through the ORM) and realistic queries: a common word, a Russian
word in another form (morphology), an English word, a rare word, a phone fragment, a name
fragment, and the second page of a common word. Each row gives p50/p95/p99 in ms, the ratio to
the baseline's p50, the hits on the page and the queries per search (the same for every query).
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import secrets
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg

from bench.common import (
    BENCH_ENV,
    django_setup,
    kept_database,
    kept_database_url,
    percentile,
    print_table,
)

DATABASE = "operator_desk_bench_search"
DATA_VERSION = "search-v2"
BUDGET_MS = 100.0
PER_CONVERSATION = 20
AGENTS = 20
FIRST = ["Анна", "Борис", "Дмитрий", "Елена", "Игорь", "Ольга", "Павел", "София", "Иван", "Мария"]
LAST = ["Волков", "Соколов", "Попов", "Кузнецов", "Козлов", "Лебедев", "Новиков", "Петров"]
# Most frequent first: the generator draws the first words far more often than the last ones.
VOCABULARY = (  # noqa: SIM905 (a text is easier to read and to edit)
    "здравствуйте спасибо заказ пожалуйста да нет номер доставка хорошо подскажите оплата "
    "заказа курьер когда можно сегодня завтра адрес заказы вопрос оператор order delivery "
    "please thanks hello возврат деньги карта чек товар размер цвет ждать статус трек "
    "заказом доставки оплаты оплатил вернуть отменить магазин скидка промокод бонус payment "
    "refund tracking courier address today tomorrow наличные безнал перевод время час минут "
    "утром вечером склад пункт выдачи самовывоз упаковка коробка повреждена брак гарантия "
    "сервис ремонт замена обмен инструкция документы паспорт договор счёт накладная invoice "
    "receipt warranty exchange broken damaged package box store discount coupon bonus card "
    "телефон почта email telegram whatsapp приложение сайт личный кабинет пароль вход логин "
    "ошибка приложения обновление версия android iphone ноутбук наушники зарядка кабель "
    "холодильник стиральная машина пылесос телевизор диван кресло стол шкаф матрас кровать"
).split()
RARE_WORD = "рекламация"
RARE_EVERY = 9973


def data_ready(messages: int) -> bool:
    with psycopg.connect(kept_database_url(DATABASE)) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_marker (version text, messages int)")
        row = conn.execute("SELECT version, messages FROM bench_marker").fetchone()
        return row == (DATA_VERSION, messages)


CONTACTS_SQL = """
INSERT INTO contacts_contact (platform_id, phone, vk_id, telegram_id, viber_id, fb_id,
    instagram_id, source_profiles, variable_values, name, search, raw, created_at, updated_at)
SELECT lpad(to_hex(n), 24, '0'), phone, '', tg, '', '', '', '{}', '{}', name,
    lower(name || ' ' || phone || ' ' || substr(phone, 2) || ' ' || tg), '{}', now(), now()
FROM (
    SELECT n,
        (%(first)s::text[])[1 + n %% 10] || ' ' || (%(last)s::text[])[1 + (n / 10) %% 8] AS name,
        '+79' || lpad((n * 7919 %% 1000000000)::text, 9, '0') AS phone,
        CASE WHEN n %% 3 = 0 THEN (100000000 + n)::text ELSE '' END AS tg
    FROM generate_series(1, %(count)s) n
) c
"""

CONVERSATIONS_SQL = """
INSERT INTO conversations_conversation (platform_id, contact_id, channel, scenario_id,
    start_trigger, operator_mode_active, expires_at, state, assignee_id, queued_at,
    assigned_at, closed_at, last_message_at, raw, created_at, updated_at)
SELECT 'bench-' || n, n, 'telegram', '', '', state <> 'closed',
    CASE WHEN state <> 'closed' THEN now() + interval '1 day' END, state,
    CASE WHEN state <> 'queued' THEN (%(agents)s::int[])[1 + n %% %(agent_count)s] END,
    at, CASE WHEN state <> 'queued' THEN at END, CASE WHEN state = 'closed' THEN at END,
    at, '{}', at, at
FROM (
    SELECT n, now() - (%(count)s - n) * interval '1 minute' AS at,
        CASE WHEN n %% 20 = 0 THEN 'queued' WHEN n %% 20 = 1 THEN 'assigned' ELSE 'closed' END
            AS state
    FROM generate_series(1, %(count)s) n
) c
"""

# Words drawn with power(random(), 2.5): the first words are in most messages, the last in few.
MESSAGES_SQL = """
INSERT INTO conversations_message (conversation_id, kind, text, attachments, created_at,
    delivery, delivery_detail, attempts)
SELECT 1 + (g - 1) / %(per)s,
    CASE WHEN g %% %(per)s = 0 THEN 'note' WHEN g %% %(per)s < 4 THEN 'history'
        WHEN g %% 2 = 0 THEN 'incoming' ELSE 'outgoing' END,
    (SELECT string_agg((%(words)s::text[])[1 + floor(power(random(), 2.5) * %(size)s)::int], ' ')
        FROM generate_series(1, 4 + g %% 9))
        || CASE WHEN g %% %(rare_every)s = 0 THEN ' ' || %(rare)s ELSE '' END,
    '[]', now() - (%(count)s - g) * interval '3 seconds', '', '', 0
FROM generate_series(1, %(count)s) g
"""


def generate(messages: int, agent_ids: list[int]) -> None:
    conversations = messages // PER_CONVERSATION
    started = time.perf_counter()
    with psycopg.connect(kept_database_url(DATABASE), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute(
            "TRUNCATE contacts_contact, conversations_conversation, conversations_message "
            "RESTART IDENTITY CASCADE"
        )
        conn.execute("DROP INDEX IF EXISTS message_text_search")
        conn.execute(CONTACTS_SQL, {"first": FIRST, "last": LAST, "count": conversations})
        conn.execute(
            CONVERSATIONS_SQL,
            {"count": conversations, "agents": agent_ids, "agent_count": len(agent_ids)},
        )
        conn.execute(
            MESSAGES_SQL,
            {
                "per": PER_CONVERSATION,
                "words": VOCABULARY,
                "size": len(VOCABULARY),
                "rare_every": RARE_EVERY,
                "rare": RARE_WORD,
                "count": messages,
            },
        )
        filled = time.perf_counter() - started
        # The migration's own index, as it builds it.
        migration = importlib.import_module("search.migrations.0001_message_text_index")
        for statement in migration.POSTGRES_FORWARD:
            conn.execute(statement)
        conn.execute("ANALYZE")
        conn.execute("DELETE FROM bench_marker")
        conn.execute("INSERT INTO bench_marker VALUES (%s, %s)", [DATA_VERSION, messages])
    print(
        f"generated {messages:,} messages: INSERT {filled:.0f} s, index and ANALYZE "
        f"{time.perf_counter() - started - filled:.0f} s",
        file=sys.stderr,
    )


def timed(run: Callable[[], Any], runs: int) -> list[float]:
    for _ in range(max(3, runs // 10)):  # warm caches, as a serving process would be
        run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--fresh", action="store_true", help="make the data set again")
    options = parser.parse_args()

    kept_database(DATABASE, fresh=options.fresh)
    os.environ.update(BENCH_ENV)
    django_setup(kept_database_url(DATABASE))
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from conversations.models import Message
    from operators.roles import Role
    from operators.services import operator_set_up

    call_command("migrate", "--noinput", verbosity=0)
    password = secrets.token_hex(8)
    supervisor = operator_set_up(
        username="bench-supervisor", password=password, role=Role.SUPERVISOR
    )
    agents = [
        operator_set_up(username=f"bench-agent-{n}", password=password, role=Role.AGENT)
        for n in range(AGENTS)
    ]
    if not data_ready(options.messages):
        generate(options.messages, [a.pk for a in agents])

    rng = random.Random(7)
    as_supervisor = Client(HTTP_HOST="127.0.0.1")
    as_supervisor.force_login(supervisor)
    as_agent = Client(HTTP_HOST="127.0.0.1")
    as_agent.force_login(agents[0])
    top = Message.objects.order_by("-pk").values_list("pk", flat=True).first()

    def search(client: Client, q: str, **params: Any) -> dict[str, Any]:
        answer = client.get("/api/search", {"q": q, **params})
        assert answer.status_code == 200, answer.content
        return answer.json()

    second_page = search(as_supervisor, "спасибо")["next"]
    phone = lambda: f"9{rng.randrange(10**8):08d}"[: rng.choice((5, 6, 7))]  # noqa: E731
    name = lambda: rng.choice(LAST).lower()[:5]  # noqa: E731
    queries: list[tuple[str, Client, Callable[[], str], dict[str, Any]]] = [
        ("a common word (спасибо)", as_supervisor, lambda: "спасибо", {}),
        (
            "Russian morphology (заказа: заказ, заказы, заказом)",
            as_supervisor,
            lambda: "заказа",
            {},
        ),
        ("an English word (delivered: delivery)", as_supervisor, lambda: "delivered", {}),
        ("two words (возврат денег)", as_supervisor, lambda: "возврат денег", {}),
        (f"a rare word ({RARE_WORD}, 1 in {RARE_EVERY:,})", as_supervisor, lambda: RARE_WORD, {}),
        ("a phone fragment (5-7 digits)", as_supervisor, phone, {}),
        ("a name fragment (5 letters)", as_supervisor, name, {}),
        (
            "a common word, page 2 (cursor)",
            as_supervisor,
            lambda: "спасибо",
            {"cursor": second_page},
        ),
        ("agent: a common word (спасибо)", as_agent, lambda: "спасибо", {}),
        ("agent: a rare word", as_agent, lambda: RARE_WORD, {}),
        ("agent: a name fragment", as_agent, name, {}),
    ]
    results = []
    baseline_samples = timed(
        lambda: list(Message.objects.filter(pk=rng.randrange(1, top)).values_list("pk")),
        options.runs,
    )
    baseline = percentile(baseline_samples, 50)
    results.append(
        (
            "baseline: primary-key lookup",
            *(percentile(baseline_samples, p) for p in (50, 95, 99)),
            percentile(baseline_samples, 95) / baseline,
            "-",
            "-",
        )
    )
    for label, client, q, params in queries:
        executed: list[str] = []

        def count(run: Any, sql: str, *args: Any, executed: list[str] = executed) -> Any:
            executed.append(sql)
            return run(sql, *args)

        with connection.execute_wrapper(count):
            answer = search(client, q(), **params)
        hits = len(answer["conversations"]) + len(answer["messages"])
        samples = timed(
            lambda client=client, q=q, params=params: search(client, q(), **params), options.runs
        )
        p50, p95, p99 = (percentile(samples, p) for p in (50, 95, 99))
        results.append((label, p50, p95, p99, p95 / baseline, hits, len(executed)))
        print(f"  {label}: p95 {p95:.1f} ms", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print_table(
        f"Search: {options.messages:,} messages in {options.messages // PER_CONVERSATION:,} "
        f"conversations, PostgreSQL {version}, {options.runs} runs per row "
        f"(budget: p95 <= {BUDGET_MS:.0f} ms)",
        ["case", "p50 ms", "p95 ms", "p99 ms", "p95 / baseline p50", "hits", "queries"],
        results,
        module="bench.search",
    )
    over = [r[0] for r in results[1:] if r[2] > BUDGET_MS]
    if over:
        print(f"Over budget: {'; '.join(over)}")


if __name__ == "__main__":
    main()

"""The database away: the desk's processes wait for it (saying so once), and what the platform
and probes call answers 503 quickly. (A real restart under load: tests/test_faults.py.)"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from callbacks.services import callback_receive
from conversations.actions import conversation_claim
from conversations.models import Conversation, Message
from conversations.replies import reply_create
from desk.clock import clock_pass
from tests.support.fixtures import handover, incoming, signed
from tests.support.live import ManagedProcess, daphne, free_port, wait_until_answers

# Nothing listens on port 1: connections are refused, as while a database restarts.
DOWN = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/desk", "LOG_LEVEL": "INFO"}
# The platform gives up on a callback it has no answer for after 5 s.
DELIVERY_TIMEOUT = 5


def test_with_the_database_down_callbacks_and_health_probes_get_a_503_within_seconds():
    port = free_port()
    server = daphne(port, DOWN)
    try:
        health_url = f"http://127.0.0.1:{port}/healthz"
        wait_until_answers(health_url, process=server.process, read_timeout=10)
        body = {**incoming("c1", "while the database is down"), "secret": "sandbox-secret"}

        def deliver(n: int) -> tuple[int, float]:
            started = time.monotonic()
            response = requests.post(
                f"http://127.0.0.1:{port}/fromni/callback/",
                json={**body, "n": n},
                timeout=DELIVERY_TIMEOUT,
            )
            return response.status_code, time.monotonic() - started

        with ThreadPoolExecutor(10) as pool:  # a burst: they wait for one another's commit
            answers = list(pool.map(deliver, range(20)))
        started = time.monotonic()
        health = requests.get(health_url, timeout=DELIVERY_TIMEOUT)
        health_seconds = time.monotonic() - started
    finally:
        server.stop()
    assert {status for status, _ in answers} == {503}, answers
    assert max(seconds for _, seconds in answers) < 2.5, answers
    assert health.status_code == 503 and health_seconds < 2.5, health_seconds
    output = server.output()
    assert "Traceback" not in output, output
    assert output.count("database (callback endpoint) unavailable") == 1, output


@pytest.mark.parametrize(
    "command",
    [
        ["apply_callbacks"],
        ["db_worker", "--no-reload", "--interval", "0.1", "--queue-name", "replies,default"],
        ["desk_clock", "--interval", "0.2"],
    ],
    ids=["applier", "worker", "clock"],
)
def test_a_long_running_process_waits_for_the_database_and_says_so_once(command):
    process = ManagedProcess([sys.executable, "manage.py", *command], DOWN)
    try:
        deadline = time.monotonic() + 30
        while "unavailable" not in process.output() and process.process.poll() is None:
            assert time.monotonic() < deadline, process.output()
            time.sleep(0.1)
        time.sleep(3)  # a few more failed attempts
        exited = process.process.poll()
        output = process.output()
    finally:
        process.stop()
    assert exited is None, output  # still waiting, not dead
    assert "Traceback" not in output, output
    warnings = [line for line in output.splitlines() if " WARNING " in line or " ERROR " in line]
    assert len(warnings) <= 2, output  # the desk's warning (and the pool's, once)
    assert sum("unavailable" in line for line in warnings) == 1, output


@pytest.mark.django_db
def test_the_clock_queues_again_a_reply_whose_task_no_worker_took(
    agent, settings, django_capture_on_commit_callbacks
):
    callback_receive(body=signed(handover("lost-task")))
    conversation = Conversation.objects.get(platform_id="lost-task")
    conversation_claim(conversation_id=conversation.pk, user=agent)
    # The reply commits, and its task is lost (the database went away before it was stored).
    reply = reply_create(conversation_id=conversation.pk, user=agent, text="still there?")
    assert not DBTaskResult.objects.exists()
    stale = timedelta(seconds=settings.DESK_SEND_STALE_SECONDS)
    Message.objects.filter(pk=reply.pk).update(created_at=timezone.now() - stale * 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert clock_pass()["requeued"] == 1
    task = DBTaskResult.objects.ready().get()
    assert task.task_path.endswith("send_reply") and task.args_kwargs["args"][0] == reply.pk
    # Not again on the next pass: only once a worker has had as long again to take it.
    with django_capture_on_commit_callbacks(execute=True):
        assert clock_pass()["requeued"] == 0
    assert DBTaskResult.objects.count() == 1
